package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
)

func TestWaitReadCountAfterPeerClose(t *testing.T) {
	opts := testOpts(nil)
	srv, conns := connServer(t, opts)
	ws, _ := dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")

	if m, ok := c.Read(); ok || c.HasMessages() || c.CountMessages() != 0 {
		t.Fatalf("Read on an empty queue = %+v, %v", m, ok)
	}
	if got := c.ReadyState(); got != Open {
		t.Fatalf("ReadyState %v, want OPEN", got)
	}
	ctx := context.Background()
	for i := range 3 {
		ws.WriteMessage(ctx, conn.Text, []byte(fmt.Sprint("m", i)))
	}
	if err := ws.Close(CloseGoingAway, "leaving"); err != nil {
		t.Fatalf("client Close: %v", err)
	}
	// The reader queues every message before it sees the close frame, then ends.
	within(t, c.Done(), 5*time.Second, "the connection to end")
	if c.ReadyState() != Closed || c.Context().Err() == nil {
		t.Fatalf("after the peer's close: %v, context %v", c.ReadyState(), c.Context().Err())
	}
	if !c.HasMessages() || c.CountMessages() != 3 {
		t.Fatalf("CountMessages %d, want 3", c.CountMessages())
	}
	m, ok := c.Read()
	if !ok || m.Text() != "m0" {
		t.Fatalf("Read = %+v, %v", m, ok)
	}
	m, err := c.Wait()
	if err != nil || m.Text() != "m1" {
		t.Fatalf("Wait = %+v, %v", m, err)
	}
	var got []string
	for m := range c.Messages() {
		got = append(got, m.Text())
	}
	if len(got) != 1 || got[0] != "m2" {
		t.Fatalf("Messages yielded %q, want [m2]", got)
	}
	_, err = c.Wait()
	var ce *CloseError
	if !errors.As(err, &ce) || CloseStatus(err) != CloseGoingAway || ce.Reason != "leaving" {
		t.Fatalf("Wait after close: %v, want 1001 leaving", err)
	}
	if c.Err() != err {
		t.Fatalf("Err() = %v, want %v", c.Err(), err)
	}
	if err := c.SendText("late"); !errors.Is(err, ErrClosed) || CloseStatus(err) != CloseGoingAway {
		t.Fatalf("Send after close: %v", err)
	}
}

func TestWaitContext(t *testing.T) {
	opts := testOpts(nil)
	srv, conns := connServer(t, opts)
	dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")
	ctx, cancel := context.WithCancel(context.Background())
	res := make(chan error, 1)
	go func() {
		_, err := c.WaitContext(ctx)
		res <- err
	}()
	cancel()
	if err := within(t, res, 5*time.Second, "WaitContext"); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitContext = %v, want context.Canceled", err)
	}
	c.CloseNow()
	_, err := c.Wait()
	if CloseStatus(err) != 1006 && err == nil {
		t.Fatalf("Wait after CloseNow = %v", err)
	}
}

func TestSendValidation(t *testing.T) {
	opts := testOpts(nil)
	srv, conns := connServer(t, opts)
	ws, _ := dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")
	tests := []struct {
		name string
		send func() error
		want error
	}{
		{"invalid UTF-8 text", func() error { return c.Send(Text, []byte{0xff}) }, ErrInvalidUTF8},
		{"invalid UTF-8 string", func() error { return c.SendText("\xc0\x80") }, ErrInvalidUTF8},
		{"bad type", func() error { return c.Send(MessageType(9), nil) }, ErrMessageType},
		{"JSON error", func() error { return c.SendJSON(func() {}) }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.send()
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// The connection is still usable, and messages keep their order and type.
	c.SendJSON(map[string]int{"n": 1})
	buf := []byte("bin")
	c.SendBinary(buf)
	buf[0] = 'X' // Send copied it
	ctx := context.Background()
	for _, want := range []struct {
		typ conn.MessageType
		s   string
	}{{conn.Text, `{"n":1}`}, {conn.Binary, "bin"}} {
		typ, p, err := ws.ReadMessage(ctx, nil)
		if err != nil || typ != want.typ || string(p) != want.s {
			t.Fatalf("got %v %q %v, want %v %q", typ, p, err, want.typ, want.s)
		}
	}
}

// TestReceiveBackPressure: a handler that stops taking messages must stop the socket reads,
// so the peer's writes block and the server's memory stays bounded. The peer writes raw
// frames, so "written" means handed whole to the kernel.
func TestReceiveBackPressure(t *testing.T) {
	opts := testOpts(nil)
	opts.QueueMessages = 4
	opts.QueueBytes = 1 << 20
	srv, conns := connServer(t, opts)
	nc, _, resp := rawDial(t, srv, "/", upgradeLines, nil)
	if resp.StatusCode != 101 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	c := within(t, conns, 5*time.Second, "the connection")

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	const size = 64 << 10
	const attempt = 1024 // 64 MiB if nothing pushed back
	frame := clientFrame(size)
	sent := 0
	for sent < attempt {
		nc.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
		if n, err := nc.Write(frame); err != nil || n != len(frame) {
			break // the peer stopped reading: our write blocked until the deadline
		}
		sent++
	}
	if sent == attempt {
		t.Fatalf("all %d MiB were written: nothing pushed back", attempt*size>>20)
	}
	if n := c.CountMessages(); n != opts.QueueMessages {
		t.Fatalf("queue holds %d messages, want exactly the bound %d", n, opts.QueueMessages)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if limit := int64(opts.QueueMessages*size + 4<<20); growth > limit {
		t.Fatalf("heap grew by %d bytes while the peer pushed %d messages (limit %d)", growth, sent, limit)
	}
	t.Logf("peer wrote %d messages of %d KiB before blocking; heap growth %d KiB", sent, size>>10, growth>>10)

	// Taking messages lets the reader go on: every message the peer wrote whole arrives,
	// intact and in order; then the partial one ends the connection (1006).
	for i := 0; i < sent; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		m, err := c.WaitContext(ctx)
		cancel()
		if err != nil || len(m.Data) != size {
			t.Fatalf("message %d of %d: %d bytes, %v", i, sent, len(m.Data), err)
		}
	}
	nc.Close()
	if _, err := c.Wait(); CloseStatus(err) != 1006 {
		t.Fatalf("after the partial frame: %v, want 1006", err)
	}
}

// TestSendBufferBound: a peer that does not read makes Send fail with ErrBufferFull once
// MaxBuffered is reached, and the connection is closed with 1013.
func TestSendBufferBound(t *testing.T) {
	opts := testOpts(nil)
	opts.MaxBuffered = 256 << 10
	opts.CloseTimeout = 200 * time.Millisecond
	srv, conns := connServer(t, opts)
	ws, _ := dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")

	msg := make([]byte, 16<<10)
	var err error
	n := 0
	for ; n < 100000 && err == nil; n++ {
		err = c.SendBinary(msg)
		if b := c.BufferedAmount(); b > opts.MaxBuffered {
			t.Fatalf("BufferedAmount %d past MaxBuffered %d", b, opts.MaxBuffered)
		}
	}
	if !errors.Is(err, ErrBufferFull) {
		t.Fatalf("after %d sends: %v, want ErrBufferFull", n, err)
	}
	if s := c.ReadyState(); s == Open {
		t.Fatal("still OPEN after the send buffer overflowed")
	}
	if err := c.SendBinary(msg); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after overflow: %v, want ErrClosed", err)
	}
	within(t, c.Done(), 10*time.Second, "the connection to end")
	if got := opts.Registry.Stats().SlowClosed; got != 1 {
		t.Fatalf("SlowClosed = %d", got)
	}
	// The peer reads what was written and then the 1013 close frame (or, had its socket
	// been full, a dropped connection).
	ctx := context.Background()
	for {
		_, _, err := ws.ReadMessage(ctx, nil)
		if err != nil {
			if code := CloseStatus(err); code != CloseTryAgainLater && code != 1006 {
				t.Fatalf("peer saw %v, want 1013", err)
			}
			break
		}
	}
}

func TestBufferedAmountAndFlush(t *testing.T) {
	opts := testOpts(nil)
	opts.MaxBuffered = 64 << 20
	srv, conns := connServer(t, opts)
	ws, _ := dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")
	if c.BufferedAmount() != 0 {
		t.Fatal("BufferedAmount of a fresh connection is not 0")
	}
	// 32 MiB cannot fit in loopback socket buffers while the peer is not reading.
	msg := make([]byte, 1<<20)
	for range 32 {
		if err := c.SendBinary(msg); err != nil {
			t.Fatal(err)
		}
	}
	if b := c.BufferedAmount(); b <= 0 || b > 32<<20 {
		t.Fatalf("BufferedAmount %d with a peer that is not reading", b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	if err := c.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush with a stalled peer: %v", err)
	}
	cancel()
	go func() {
		for range 32 {
			if _, _, err := ws.ReadMessage(context.Background(), nil); err != nil {
				return
			}
		}
	}()
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if b := c.BufferedAmount(); b != 0 {
		t.Fatalf("BufferedAmount %d after Flush", b)
	}
}

// TestReadyStateClosing holds the close handshake open with a peer that reads the close
// frame but never answers, so CLOSING is observable, then CLOSED after CloseTimeout.
func TestReadyStateClosing(t *testing.T) {
	opts := testOpts(nil)
	opts.CloseTimeout = 300 * time.Millisecond
	srv, conns := connServer(t, opts)
	nc, br, resp := rawDial(t, srv, "/", upgradeLines, nil)
	if resp.StatusCode != 101 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	c := within(t, conns, 5*time.Second, "the connection")
	closed := make(chan error, 1)
	go func() { closed <- c.Close(CloseNormal, "done") }()

	// The close frame reaches the peer: 0x88, length, code 1000, "done".
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	hdr := make([]byte, 8)
	if _, err := io.ReadFull(br, hdr); err != nil {
		t.Fatal(err)
	}
	if hdr[0] != 0x88 || hdr[1] != 6 || hdr[2] != 0x03 || hdr[3] != 0xe8 || string(hdr[4:]) != "done" {
		t.Fatalf("close frame % x", hdr)
	}
	if s := c.ReadyState(); s != Closing {
		t.Fatalf("ReadyState %v during the close handshake, want CLOSING", s)
	}
	if err := c.SendText("x"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send while CLOSING: %v", err)
	}
	within(t, closed, 5*time.Second, "Close to return after CloseTimeout")
	if s := c.ReadyState(); s != Closed {
		t.Fatalf("ReadyState %v after Close returned, want CLOSED", s)
	}
	// The server closed TCP.
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("TCP connection still open")
	}
	var ne net.Error
	_ = ne
}

// TestCloseWritesQueuedFirst: Close sends what Send queued before the close frame.
func TestCloseWritesQueuedFirst(t *testing.T) {
	opts := testOpts(nil)
	srv, conns := connServer(t, opts)
	ws, _ := dial(t, srv, "/", "Sec-WebSocket-Protocol: chat", "Origin: "+srv.URL)
	opts.Subprotocols = nil // read at build time: changing it now has no effect
	c := within(t, conns, 5*time.Second, "the connection")
	if c.Subprotocol() != "" || c.Request() == nil || c.Request().Header.Get("Origin") != srv.URL ||
		c.RemoteAddr() == nil || len(c.Extensions()) != 0 {
		t.Fatalf("accessors: sub %q, request %v, remote %v", c.Subprotocol(), c.Request(), c.RemoteAddr())
	}
	got := make(chan []string, 1)
	go func() {
		var msgs []string
		for {
			_, p, err := ws.ReadMessage(context.Background(), nil)
			if err != nil {
				msgs = append(msgs, fmt.Sprint("close ", int(CloseStatus(err))))
				got <- msgs
				return
			}
			msgs = append(msgs, string(p))
		}
	}()
	for i := range 100 {
		c.SendText(fmt.Sprint(i))
	}
	if err := c.Close(CloseNormal, ""); err != nil {
		t.Fatalf("Close: %v", err)
	}
	msgs := within(t, got, 5*time.Second, "the peer to see the close")
	if len(msgs) != 101 || msgs[0] != "0" || msgs[99] != "99" || msgs[100] != "close 1000" {
		t.Fatalf("peer saw %d messages: first %q, last %q", len(msgs), msgs[0], msgs[len(msgs)-1])
	}
	if c.ReadyState() != Closed || c.Context().Err() == nil {
		t.Fatalf("after Close: %v, context %v", c.ReadyState(), c.Context().Err())
	}
	if err := c.Close(CloseNormal, ""); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestConcurrentSend: several goroutines send at once; each one's messages arrive intact
// and in its order.
func TestConcurrentSend(t *testing.T) {
	opts := testOpts(nil)
	opts.MaxBuffered = 16 << 20
	srv, conns := connServer(t, opts)
	ws, _ := dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")
	const senders, each = 4, 200
	for g := range senders {
		go func() {
			for i := range each {
				if err := c.SendText(fmt.Sprintf("%d:%d", g, i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	next := make([]int, senders)
	for range senders * each {
		_, p, err := ws.ReadMessage(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		var g, i int
		if _, err := fmt.Sscanf(string(p), "%d:%d", &g, &i); err != nil || g >= senders || next[g] != i {
			t.Fatalf("message %q out of order (want %d:%d)", p, g, next[g])
		}
		next[g]++
	}
}

// TestCloseWithFullQueue: Close while the reader waits for room (the queue is full) still
// completes the handshake, keeps the queued message readable and reports the close.
func TestCloseWithFullQueue(t *testing.T) {
	opts := testOpts(nil)
	opts.QueueMessages = 1
	srv, conns := connServer(t, opts)
	ws, _ := dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")
	ctx := context.Background()
	for _, m := range []string{"kept", "dropped 1", "dropped 2"} {
		ws.WriteMessage(ctx, conn.Text, []byte(m))
	}
	eventually(t, c.HasMessages, "the first message to be queued")
	peer := make(chan error, 1)
	go func() {
		_, _, err := ws.ReadMessage(ctx, nil) // answers the close frame
		peer <- err
	}()
	if err := c.Close(CloseNormal, "bye"); err != nil {
		<-c.Done()
		t.Fatalf("Close: %v (conn ended with %v; peer %v)", err, c.Err(), <-peer)
	}
	if err := within(t, peer, 5*time.Second, "the peer"); CloseStatus(err) != CloseNormal {
		t.Fatalf("peer saw %v", err)
	}
	if m, err := c.Wait(); err != nil || m.Text() != "kept" {
		t.Fatalf("Wait = %q, %v; want the queued message", m.Data, err)
	}
	_, err := c.Wait()
	if CloseStatus(err) != CloseNormal || errors.Is(err, conn.ErrConcurrentRead) {
		t.Fatalf("Wait after Close = %v, want the 1000 close", err)
	}
}

// TestSendContextBackPressure: SendContext waits for room instead of shedding the peer,
// gives up with ctx's error (connection still open), and resumes when the peer reads.
func TestSendContextBackPressure(t *testing.T) {
	opts := testOpts(nil)
	opts.MaxBuffered = 256 << 10
	srv, conns := connServer(t, opts)
	ws, _ := dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")

	msg := make([]byte, 16<<10)
	sent := 0
	for ; sent < 10000; sent++ {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.SendContext(ctx, Binary, msg)
		cancel()
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("SendContext: %v, want DeadlineExceeded", err)
			}
			break
		}
		if b := c.BufferedAmount(); b > opts.MaxBuffered {
			t.Fatalf("BufferedAmount %d past MaxBuffered", b)
		}
	}
	if sent == 10000 {
		t.Fatal("SendContext never waited for a peer that does not read")
	}
	if c.ReadyState() != Open || opts.Registry.Stats().SlowClosed != 0 {
		t.Fatalf("state %v after SendContext gave up", c.ReadyState())
	}
	// The peer reads: a waiting SendContext gets through, and everything arrives.
	done := make(chan error, 1)
	go func() { done <- c.SendContext(context.Background(), Binary, msg) }()
	for range sent + 1 {
		if _, p, err := ws.ReadMessage(context.Background(), nil); err != nil || len(p) != len(msg) {
			t.Fatalf("peer read %d bytes, %v", len(p), err)
		}
	}
	if err := within(t, done, 5*time.Second, "the waiting SendContext"); err != nil {
		t.Fatal(err)
	}
	// A waiter is released when the connection ends.
	for c.SendContext(context.Background(), Binary, msg) == nil && c.BufferedAmount() < opts.MaxBuffered/2 {
	}
	go func() { done <- c.SendContext(context.Background(), Binary, make([]byte, opts.MaxBuffered)) }()
	c.CloseNow()
	if err := within(t, done, 5*time.Second, "the waiter after CloseNow"); err != nil && !errors.Is(err, ErrClosed) {
		t.Fatalf("waiter got %v, want ErrClosed (or success before the close)", err)
	}
}
