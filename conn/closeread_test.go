package conn

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// TestReadWhileCloseDrains: a read started while Close waits for the peer's close frame
// (Close itself is reading) returns the connection's CloseError, not ErrConcurrentRead.
func TestReadWhileCloseDrains(t *testing.T) {
	leak.Check(t)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			c, p := rawPair(t, tr, Server, &Options{CloseTimeout: 5 * time.Second})
			closed := make(chan error, 1)
			go func() { closed <- c.Close(frame.CloseGoingAway, "bye") }()
			if code := p.expectClose(); code != frame.CloseGoingAway {
				t.Fatalf("close code %v", code)
			}
			// The close frame is out; Close now reads, waiting for the peer's.
			deadline := time.Now().Add(testTimeout)
			for !c.reading.Load() {
				if time.Now().After(deadline) {
					t.Fatal("Close never started reading")
				}
				runtime.Gosched()
			}
			checks := []struct {
				name string
				read func() error
			}{
				{"ReadMessage", func() error { _, _, err := c.ReadMessage(ctxT(t), nil); return err }},
				{"Reader", func() error { _, _, err := c.Reader(ctxT(t)); return err }},
			}
			for _, ck := range checks {
				err := ck.read()
				var ce *CloseError
				if errors.Is(err, ErrConcurrentRead) || !errors.As(err, &ce) ||
					ce.Code != frame.CloseGoingAway || ce.Remote {
					t.Fatalf("%s during Close: %v, want the local CloseError (1001)", ck.name, err)
				}
			}
			p.finishClose(frame.CloseGoingAway)
			if err := <-closed; err != nil {
				t.Fatalf("Close: %v", err)
			}
		})
	}
}
