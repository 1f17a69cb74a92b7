package loadtest

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexws/duplex/client"
	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// Every message is "<seq, 16 hex digits><crc32 of body, 8 hex digits><body>": ASCII from
// end to end, so it may travel as text or binary, and any loss, duplication, reordering or
// corruption is caught by the receiver.
const hdrLen = 24

// payload builds message seq of connection id into dst.
func payload(dst []byte, id int, seq uint64) []byte {
	n := int((seq*7919 + uint64(id)*31) % 2048)
	dst = append(dst[:0], make([]byte, hdrLen)...)
	for i := range n {
		dst = append(dst, 'a'+byte((seq+uint64(i)+uint64(id))%26))
	}
	copy(dst, fmt.Sprintf("%016x%08x", seq, crc32.ChecksumIEEE(dst[hdrLen:])))
	return dst
}

// check verifies a message's checksum and returns its sequence number.
func check(b []byte) (uint64, error) {
	if len(b) < hdrLen {
		return 0, fmt.Errorf("short message (%d bytes)", len(b))
	}
	seq, err1 := strconv.ParseUint(string(b[:16]), 16, 64)
	sum, err2 := strconv.ParseUint(string(b[16:24]), 16, 32)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad header %q", b[:hdrLen])
	}
	if got := crc32.ChecksumIEEE(b[hdrLen:]); got != uint32(sum) {
		return seq, fmt.Errorf("message %d: checksum %08x, header says %08x", seq, got, sum)
	}
	return seq, nil
}

func msgType(seq uint64) conn.MessageType {
	if seq%3 == 0 {
		return conn.Binary
	}
	return conn.Text
}

// firstErr keeps the first of many concurrent errors, and counts them.
type firstErr struct {
	mu  sync.Mutex
	err error
	n   atomic.Int64
}

func (f *firstErr) set(err error) {
	f.n.Add(1)
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
}

func (f *firstErr) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, err := time.ParseDuration(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// heap returns the live heap after two collections (sync.Pool keeps a victim generation).
func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// startServer serves handler with server.Accept behind an http.Server on loopback; the
// returned stop shuts both down and waits for the connections to end.
func startServer(t *testing.T, handler http.Handler, opts *server.Options) (url string, stop func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: server.Accept(handler, opts), ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			srv.Close()
			<-done
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := opts.Registry.Shutdown(ctx); err != nil {
				t.Errorf("registry shutdown: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return "ws://" + ln.Addr().String() + "/", stop
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestLoad holds many connections at once, each echoing numbered, checksummed messages
// (4 in flight per connection, text and binary, 24 B to 2 KiB) for a while, then closing
// with 1000. Nothing may be lost, reordered or corrupted in either direction; afterwards
// every goroutine is gone and the heap is back near where it started.
func TestLoad(t *testing.T) {
	full := os.Getenv("DUPLEX_LOAD") != ""
	conns, dur := 100, 3*time.Second
	if testing.Short() {
		conns, dur = 50, time.Second
	}
	if full {
		if raceEnabled {
			t.Skip("the full load run is not meant for the race detector")
		}
		conns, dur = 2000, 60*time.Second
	}
	conns = envInt("DUPLEX_LOAD_CONNS", conns)
	dur = envDuration("DUPLEX_LOAD_DURATION", dur)
	if lim, err := raiseFileLimit(uint64(2*conns + 256)); err != nil || lim < uint64(2*conns+64) {
		t.Skipf("RLIMIT_NOFILE %d (%v) is too low for %d connections", lim, err, conns)
	}

	leak.CheckTimeout(t, 30*time.Second)
	heapBefore := heap()
	goBefore := runtime.NumGoroutine()

	reg := &server.Registry{}
	var srvErrs firstErr
	var srvMsgs atomic.Int64
	// The client's Dial returns once it has read the 101, which can be before the server
	// has handed the connection to its handler: count the handlers that started.
	var opened atomic.Int64
	allOpen := make(chan struct{})
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := server.FromRequest(r)
		if opened.Add(1) == int64(conns) {
			close(allOpen)
		}
		for {
			m, err := c.Wait()
			if err != nil {
				if code := server.CloseStatus(err); code != frame.CloseNormal {
					srvErrs.set(fmt.Errorf("server: connection ended with %v", err))
				}
				return
			}
			if _, err := check(m.Data); err != nil {
				srvErrs.set(fmt.Errorf("server received: %w", err))
			}
			srvMsgs.Add(1)
			if err := c.SendContext(c.Context(), m.Type, m.Data); err != nil {
				srvErrs.set(fmt.Errorf("server send: %w", err))
				return
			}
		}
	})
	url, stop := startServer(t, echo, &server.Options{Registry: reg, Logger: quietLogger()})

	ctx, cancel := context.WithTimeout(context.Background(), dur+5*time.Minute)
	defer cancel()
	var (
		cliErrs           firstErr
		sentMsgs, recvMsg atomic.Int64
		bytesOut, bytesIn atomic.Int64
		dialed            sync.WaitGroup
		finished          sync.WaitGroup
		startTraffic      = make(chan struct{})
	)
	dialSem := make(chan struct{}, 32)
	var deadline time.Time
	for id := range conns {
		dialed.Add(1)
		finished.Add(1)
		go func() {
			defer finished.Done()
			dialSem <- struct{}{}
			c, _, err := client.Dial(ctx, url, nil)
			<-dialSem
			dialed.Done()
			if err != nil {
				cliErrs.set(fmt.Errorf("dial %d: %w", id, err))
				return
			}
			defer c.CloseNow()
			<-startTraffic
			if err := clientLoop(ctx, c, id, deadline, &sentMsgs, &recvMsg, &bytesOut, &bytesIn); err != nil {
				cliErrs.set(fmt.Errorf("client %d: %w", id, err))
			}
		}()
	}
	dialed.Wait()
	if cliErrs.get() == nil {
		wait := time.NewTimer(30 * time.Second)
		select {
		case <-allOpen:
		case <-wait.C:
			t.Errorf("only %d of %d server handlers started within 30s of the dials", opened.Load(), conns)
		}
		wait.Stop()
	}
	held := reg.Len()
	goHeld := runtime.NumGoroutine()
	start := time.Now()
	deadline = start.Add(dur)
	close(startTraffic)

	// Sample the heap halfway through (no forced GC: what the process holds under load).
	var heapDuring uint64
	mid := time.NewTimer(dur / 2)
	select {
	case <-mid.C:
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heapDuring = ms.HeapAlloc
	case <-ctx.Done():
	}
	finished.Wait()
	elapsed := time.Since(start)
	stop()
	heapAfter := heap()

	if err := cliErrs.get(); err != nil {
		t.Errorf("%d client errors, first: %v", cliErrs.n.Load(), err)
	}
	if err := srvErrs.get(); err != nil {
		t.Errorf("%d server errors, first: %v", srvErrs.n.Load(), err)
	}
	if held != conns {
		t.Errorf("%d connections held at once, want %d", held, conns)
	}
	if s, r := sentMsgs.Load(), recvMsg.Load(); s != r || s != srvMsgs.Load() {
		t.Errorf("sent %d, server got %d, echoes received %d", s, srvMsgs.Load(), r)
	}
	if s := reg.Stats(); int64(s.MessagesReceived) != srvMsgs.Load() || int64(s.MessagesSent) != recvMsg.Load() {
		t.Errorf("registry stats %+v disagree with the %d/%d messages counted", s, srvMsgs.Load(), recvMsg.Load())
	}
	if grew := int64(heapAfter) - int64(heapBefore); grew > 8<<20 {
		t.Errorf("heap %d bytes after, %d before: %d bytes not given back", heapAfter, heapBefore, grew)
	}
	msgs := sentMsgs.Load() + recvMsg.Load()
	t.Logf("connections held: %d; duration %v; messages: %d each way (%d total, %.0f/s); bytes: %d out, %d in (%.1f MB/s)",
		held, elapsed.Round(time.Millisecond), sentMsgs.Load(), msgs, float64(msgs)/elapsed.Seconds(),
		bytesOut.Load(), bytesIn.Load(), float64(bytesOut.Load()+bytesIn.Load())/elapsed.Seconds()/1e6)
	t.Logf("goroutines: %d before, %d with all connections open; heap: %.1f MB before, %.1f MB during, %.1f MB after",
		goBefore, goHeld, float64(heapBefore)/1e6, float64(heapDuring)/1e6, float64(heapAfter)/1e6)
}

// clientLoop keeps window messages in flight until deadline, verifies every echo, and
// closes the connection with 1000.
func clientLoop(ctx context.Context, c *conn.Conn, id int, deadline time.Time,
	sent, recv, bytesOut, bytesIn *atomic.Int64) error {
	const window = 4
	out := make([]byte, 0, 4096)
	in := make([]byte, 0, 4096)
	var next, want uint64
	send := func() error {
		out = payload(out, id, next)
		if err := c.WriteMessage(ctx, msgType(next), out); err != nil {
			return fmt.Errorf("write %d: %w", next, err)
		}
		sent.Add(1)
		bytesOut.Add(int64(len(out)))
		next++
		return nil
	}
	for range window {
		if err := send(); err != nil {
			return err
		}
	}
	for want < next {
		typ, b, err := c.ReadMessage(ctx, in)
		if err != nil {
			return fmt.Errorf("read (expecting %d): %w", want, err)
		}
		in = b
		seq, err := check(b)
		if err != nil {
			return err
		}
		if seq != want || typ != msgType(seq) {
			return fmt.Errorf("got message %d (%v) where %d (%v) was due", seq, typ, want, msgType(want))
		}
		if want2 := payload(nil, id, seq); string(want2) != string(b) {
			return fmt.Errorf("message %d: payload differs", seq)
		}
		recv.Add(1)
		bytesIn.Add(int64(len(b)))
		want++
		if time.Now().Before(deadline) {
			if err := send(); err != nil {
				return err
			}
		}
	}
	if err := c.Close(frame.CloseNormal, ""); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	return nil
}

// TestShutdownUnderLoad: every connection's handler streams numbered messages with
// SendContext as fast as its client reads them; Registry.Shutdown then closes all with
// 1001 while their queues are full. Every message Send accepted before the shutdown must reach the client, in order,
// before the close frame; nothing may vanish. Both sides count.
func TestShutdownUnderLoad(t *testing.T) {
	const conns = 40
	leak.CheckTimeout(t, 30*time.Second)
	reg := &server.Registry{}
	var accepted sync.Map // client address -> *atomic.Int64
	var handlers sync.WaitGroup
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		c := server.FromRequest(r)
		n := new(atomic.Int64)
		accepted.Store(c.RemoteAddr().String(), n)
		buf := make([]byte, 0, 4096)
		for seq := uint64(0); ; seq++ {
			buf = payload(buf, 0, seq)
			if err := c.SendContext(c.Context(), msgType(seq), buf); err != nil {
				if !errors.Is(err, server.ErrClosed) {
					t.Errorf("send %d: %v", seq, err)
				}
				return
			}
			n.Add(1)
		}
	})
	// A 64 KiB send buffer keeps what is queued at the shutdown (and so the test) short.
	url, _ := startServer(t, handler, &server.Options{Registry: reg, Logger: quietLogger(),
		MaxBuffered: 64 << 10})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type result struct {
		addr      string
		delivered int64
		err       error
	}
	results := make(chan result, conns)
	progress := make(chan struct{}, conns)
	for range conns {
		go func() {
			c, _, err := client.Dial(ctx, url, nil)
			if err != nil {
				results <- result{err: err}
				progress <- struct{}{}
				return
			}
			defer c.CloseNow()
			r := result{addr: c.LocalAddr().String()}
			in := make([]byte, 0, 4096)
			for {
				typ, b, err := c.ReadMessage(ctx, in)
				if err != nil {
					var ce *conn.CloseError
					if !errors.As(err, &ce) || ce.Code != frame.CloseGoingAway || !ce.Remote {
						r.err = fmt.Errorf("ended with %v, want the server's 1001", err)
					}
					break
				}
				in = b
				seq, err := check(b)
				if err == nil && (seq != uint64(r.delivered) || typ != msgType(seq)) {
					err = fmt.Errorf("message %d where %d was due", seq, r.delivered)
				}
				if err != nil {
					r.err = err
					break
				}
				r.delivered++
				if r.delivered == 100 {
					progress <- struct{}{}
				}
			}
			results <- r
		}()
	}
	for range conns {
		<-progress
	}
	if err := reg.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	handlers.Wait()
	var totalAccepted, totalDelivered int64
	for range conns {
		r := <-results
		if r.err != nil {
			t.Errorf("client %s: %v", r.addr, r.err)
			continue
		}
		v, ok := accepted.Load(r.addr)
		if !ok {
			t.Errorf("client %s: no server-side count", r.addr)
			continue
		}
		acc := v.(*atomic.Int64).Load()
		if acc != r.delivered {
			t.Errorf("client %s: Send accepted %d messages, %d delivered", r.addr, acc, r.delivered)
		}
		totalAccepted += acc
		totalDelivered += r.delivered
	}
	if s := reg.Stats(); int64(s.MessagesSent) != totalAccepted {
		t.Errorf("Stats.MessagesSent = %d, Send accepted %d", s.MessagesSent, totalAccepted)
	}
	t.Logf("%d connections shut down under load: %d messages accepted, %d delivered", conns, totalAccepted, totalDelivered)
}
