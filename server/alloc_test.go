package server

import (
	"context"
	"runtime"
	"testing"

	"github.com/duplexws/duplex/internal/leak"
)

// stepHandler hands each message to the test goroutine and waits for the next step.
type stepHandler struct{ step, done chan struct{} }

func (h *stepHandler) Open(c *Conn) {}
func (h *stepHandler) OnMessage(c *Conn, m Message) {
	if _, ok := <-h.step; !ok {
		c.CloseNow()
		return
	}
	h.done <- struct{}{}
}
func (h *stepHandler) OnClose(c *Conn, err error) { close(h.done) }

// TestHandleReceiveAllocs: under Handle a received message (here 1 KiB) costs no
// allocation in steady state: reading, dispatch and the buffer are all reused.
func TestHandleReceiveAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	leak.Check(t)
	c, _ := memConn(clientFrame(1<<10), true)
	h := &stepHandler{step: make(chan struct{}), done: make(chan struct{})}
	go dispatch(c, h)
	recv := func() {
		h.step <- struct{}{}
		<-h.done
	}
	for range 10 {
		recv() // warm up: buffers and pools
	}
	if n := testing.AllocsPerRun(1000, recv); n != 0 {
		t.Fatalf("%v allocations per received message, want 0", n)
	}
	close(h.step)
	<-c.Done()
}

// TestSendAllocs: Send copies into a pooled buffer that the writer gives back: a sender
// the socket keeps up with allocates nothing per message, writer goroutine included.
func TestSendAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	leak.Check(t)
	c, _ := memConn(clientFrame(0), true)
	msg := make([]byte, 1<<10)
	send := func() {
		if err := c.SendBinary(msg); err != nil {
			t.Fatal(err)
		}
		for c.BufferedAmount() != 0 { // written: its buffer is back in the pool
			runtime.Gosched()
		}
	}
	for range 100 {
		send()
	}
	if n := testing.AllocsPerRun(1000, send); n != 0 {
		t.Fatalf("%v allocations per Send, want 0", n)
	}
	if err := c.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.CloseNow() // no reader in this mode: leak.Check sees the writer gone
}
