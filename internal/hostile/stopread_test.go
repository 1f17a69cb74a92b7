package hostile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// stalledPeer completes a handshake and then never reads, with a small receive buffer.
func stalledPeer(t *testing.T, addr string) *peer {
	return slowReader(t, addr)
}

// TestStalledReaderBufferBound: the application sends 1 KiB messages to a peer that never
// reads. Send never blocks; once MaxBuffered (here 64 KiB) is reached it fails with
// ErrBufferFull, the connection is shed with 1013, and the server's heap holds at most
// about MaxBuffered for it.
func TestStalledReaderBufferBound(t *testing.T) {
	leak.Check(t)
	type result struct {
		sent int
		err  error
		heap int64
	}
	res := make(chan result, 1)
	opts := &server.Options{MaxBuffered: 64 << 10, WriteTimeout: 500 * time.Millisecond,
		CloseTimeout: 200 * time.Millisecond}
	base := heapInUse()
	addr, closed := modes[0].serve(t, opts, func(c *server.Conn) {
		smallSendBuffer(c)
		go func() {
			msg := make([]byte, 1024)
			for i := 0; ; i++ {
				if err := c.SendBinary(msg); err != nil {
					res <- result{i, err, int64(heapInUse()) - int64(base)}
					return
				}
				if i > 100000 {
					res <- result{i, nil, 0}
					return
				}
			}
		}()
	})
	stalledPeer(t, addr)
	r := <-res
	if !errors.Is(r.err, server.ErrBufferFull) {
		t.Fatalf("after %d sends: %v, want ErrBufferFull", r.sent, r.err)
	}
	if r.heap > 1<<20 {
		t.Errorf("heap grew by %d bytes for one stalled peer (MaxBuffered 64 KiB)", r.heap)
	}
	err := waitErr(t, closed)
	t.Logf("%d messages accepted before ErrBufferFull; heap %+d; ended with %v", r.sent, r.heap, err)
}

// TestStalledReaderWriteTimeout: with a large MaxBuffered, what bounds a peer that stops
// reading is WriteTimeout: the blocked write fails after it and the connection ends
// (1006: the close frame cannot be written either).
func TestStalledReaderWriteTimeout(t *testing.T) {
	leak.Check(t)
	const wt = 300 * time.Millisecond
	start := make(chan time.Time, 1)
	opts := &server.Options{MaxBuffered: 64 << 20, WriteTimeout: wt, CloseTimeout: 200 * time.Millisecond}
	addr, closed := modes[0].serve(t, opts, func(c *server.Conn) {
		smallSendBuffer(c)
		msg := make([]byte, 64<<10)
		start <- time.Now() // the writer's first batch, and its deadline, start after this
		for range 64 {      // 4 MiB: far more than the socket buffers hold
			if err := c.SendBinary(msg); err != nil {
				t.Errorf("send: %v", err)
				break
			}
		}
	})
	stalledPeer(t, addr)
	t0 := <-start
	err := waitErr(t, closed)
	took := time.Since(t0)
	if code := server.CloseStatus(err); code != frame.CloseAbnormal {
		t.Errorf("ended with %v (code %d), want 1006", err, code)
	}
	if took < wt/2 || took > wt+3*time.Second {
		t.Errorf("the stalled connection ended after %v, WriteTimeout is %v", took, wt)
	}
}

// TestHubBroadcastStalledMember broadcasts 2,000 numbered 1 KiB messages to a room of
// five readers and one peer that never reads, in rounds of 100 that the readers keep up
// with. Broadcast never waits for a socket, the readers get every message in order, and
// the stalled member is shed (1013, Hub.Slow's default) once its MaxBuffered (default
// 1 MiB) is full.
func TestHubBroadcastStalledMember(t *testing.T) {
	leak.Check(t)
	const readers, msgs, round = 5, 2000, 100
	hub := &server.Hub{}
	joined := make(chan *server.Conn, readers+1)
	opts := withRegistry(&server.Options{CloseTimeout: 200 * time.Millisecond, WriteTimeout: time.Second})
	addr, _ := modes[0].serve(t, opts, func(c *server.Conn) {
		smallSendBuffer(c)
		hub.Join("room", c)
		joined <- c
	})
	stalled := stalledPeer(t, addr)
	stalledConn := <-joined
	var peers []*peer
	for range readers {
		peers = append(peers, handshake(t, addr))
		<-joined
	}

	var wg sync.WaitGroup
	errs := make(chan error, readers)
	progress := make(chan struct{}, readers*msgs/round)
	for i, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for want := range msgs {
				h, payload, err := p.readFrame()
				if err != nil || h.Opcode != frame.OpBinary || len(payload) != 1024 {
					errs <- fmt.Errorf("reader %d, message %d: %v %v %d bytes", i, want, err, h.Opcode, len(payload))
					return
				}
				if got := binary.BigEndian.Uint32(payload); got != uint32(want) {
					errs <- fmt.Errorf("reader %d: message %d where %d was due", i, got, want)
					return
				}
				if want%round == round-1 {
					progress <- struct{}{}
				}
			}
		}()
	}
	msg := make([]byte, 1024)
	for i := range msgs {
		binary.BigEndian.PutUint32(msg, uint32(i))
		if _, err := hub.Broadcast("room", server.Binary, msg); err != nil {
			t.Fatalf("broadcast %d: %v", i, err)
		}
		if i%round == round-1 {
			for range readers { // the readers keep up; the stalled peer does not
				select {
				case <-progress:
				case err := <-errs:
					t.Fatal(err)
				case <-time.After(testTimeout):
					t.Fatalf("readers stuck at message %d", i)
				}
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if s := opts.Registry.Stats(); s.SlowClosed != 1 {
		t.Errorf("SlowClosed = %d, want the one stalled member", s.SlowClosed)
	}
	select {
	case <-stalledConn.Done(): // shed in the background: 1013, then it leaves the room
	case <-time.After(testTimeout):
		t.Fatal("the stalled member was never closed")
	}
	if n := hub.Len("room"); n != readers {
		t.Errorf("room has %d members, want the %d readers", n, readers)
	}
	stalled.nc.Close()
}
