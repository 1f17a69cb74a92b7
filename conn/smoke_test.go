package conn

import (
	"bytes"
	"testing"

	"github.com/duplexws/duplex/internal/leak"
)

func TestSmokeEcho(t *testing.T) {
	leak.Check(t)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s, c := connPair(t, tr, nil, nil)
			ctx := ctxT(t)
			done := make(chan error, 1)
			go func() {
				for {
					typ, b, err := s.ReadMessage(ctx, nil)
					if err != nil {
						done <- err
						return
					}
					if err := s.WriteMessage(ctx, typ, b); err != nil {
						done <- err
						return
					}
				}
			}()
			msg := bytes.Repeat([]byte("x"), 100000)
			if err := c.WriteMessage(ctx, Binary, msg); err != nil {
				t.Fatal(err)
			}
			typ, b, err := c.ReadMessage(ctx, nil)
			if err != nil || typ != Binary || !bytes.Equal(b, msg) {
				t.Fatalf("got %v %d %v", typ, len(b), err)
			}
			if err := c.Close(1000, "bye"); err != nil {
				t.Fatalf("Close: %v", err)
			}
			err = <-done
			if CloseStatus(err) != 1000 {
				t.Fatalf("server read: %v", err)
			}
		})
	}
}
