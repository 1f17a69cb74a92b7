package server

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestSendRequestResponseBig is a strict request/response peer exchanging messages of
// MaxBuffered bytes with a Send-based echo. The writer is held (testHookWritten) just after
// each answer reached the socket, until the next answer is sent: the peer has the answer by
// then, so the next Send must be accepted, not shed with 1013 because the previous answer
// still counted against MaxBuffered.
func TestSendRequestResponseBig(t *testing.T) {
	const rounds = 4
	opts := testOpts(nil)
	opts.MaxBuffered = 1 << 20
	sent := make(chan struct{}, rounds)
	var nSent, nWritten atomic.Int32
	hook := func() {
		// Answer k is written: hold on until answer k+1 was sent (or refused).
		k := nWritten.Add(1)
		if k >= rounds {
			return
		}
		timeout := time.After(5 * time.Second)
		for nSent.Load() <= k {
			select {
			case <-sent:
			case <-timeout:
				return
			}
		}
	}
	testHookWritten.Store(&hook)
	t.Cleanup(func() { testHookWritten.Store(nil) })
	srv, conns := connServer(t, opts)
	ws, _ := dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")
	go func() {
		for {
			m, err := c.Wait()
			if err != nil {
				return
			}
			err = c.Send(m.Type, m.Data)
			nSent.Add(1)
			sent <- struct{}{}
			if err != nil {
				return
			}
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	msg := make([]byte, 1<<20)
	var buf []byte
	for i := range rounds {
		msg[0] = byte(i)
		if err := ws.WriteMessage(ctx, Binary, msg); err != nil {
			t.Fatalf("round %d: write: %v", i, err)
		}
		_, p, err := ws.ReadMessage(ctx, buf)
		if err != nil {
			t.Fatalf("round %d: read: %v (the echo was closed for a full send buffer?)", i, err)
		}
		if !bytes.Equal(p, msg) {
			t.Fatalf("round %d: echo differs (%d bytes)", i, len(p))
		}
		buf = p
	}
	if s := opts.Registry.Stats().SlowClosed; s != 0 {
		t.Fatalf("SlowClosed = %d", s)
	}
}

// TestFitsLocked checks the admission rule of the send queue.
func TestFitsLocked(t *testing.T) {
	const max = 1000
	tests := []struct {
		name   string
		cost   int64
		queued int
		n      int
		want   bool
	}{
		{"empty, small", 0, 0, 10, true},
		{"empty, oversize", 0, 0, 5000, true},
		{"fits under the bound", 500, 1, 100, true},
		{"over the bound", 900, 1, 100, false},
		{"writing, nothing waiting, oversize", 900, 0, 5000, true},
		{"writing, nothing waiting, would fit alone", 900, 0, 500, false},
		{"something waiting, oversize", 900, 1, 5000, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := outbox{max: max, cost: tc.cost, items: make([]outItem, tc.queued)}
			if got := o.fitsLocked(tc.n); got != tc.want {
				t.Fatalf("fitsLocked(%d) with cost %d, %d queued = %v, want %v", tc.n, tc.cost, tc.queued, got, tc.want)
			}
		})
	}
}
