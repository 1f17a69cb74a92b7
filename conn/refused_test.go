package conn

import (
	"fmt"
	"testing"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// TestRefusedMessageSkipped: a message refused for its length (1009, RFC 6455 §7.4.1)
// while the peer is still writing it. Up to maxSkipRefused bytes the refusing end reads and
// drops the rest of the frame after its close frame, so the writer's Write succeeds and it
// reads the 1009 rather than a reset connection; a larger one is cut off at once (the
// writer may then see either, so only the refusing end's code is checked).
func TestRefusedMessageSkipped(t *testing.T) {
	tests := []struct {
		size  int
		clean bool // the writer's write succeeds and it reads 1009
	}{
		{4 << 10, true},
		{300 << 10, true}, // several Writes of the client's 64 KiB masking chunks
		{maxSkipRefused, true},
		{maxSkipRefused + 1, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.size), func(t *testing.T) {
			leak.Check(t)
			a, b := tcpPair(t)
			srv := New(a, nil, Server, &Options{ReadLimit: 1 << 10})
			cli := New(b, nil, Client, nil)
			t.Cleanup(func() { srv.CloseNow(); cli.CloseNow() })
			ctx := ctxT(t)
			srvErr := make(chan error, 1)
			go func() {
				_, _, err := srv.ReadMessage(ctx, nil)
				srvErr <- err
			}()
			werr := cli.WriteMessage(ctx, Binary, payloadOf(tt.size, false))
			_, _, rerr := cli.ReadMessage(ctx, nil)
			if code := CloseStatus(<-srvErr); code != frame.CloseTooBig {
				t.Fatalf("refusing end: close code %v, want 1009", code)
			}
			if !tt.clean {
				return
			}
			if werr != nil {
				t.Fatalf("WriteMessage of %d bytes: %v (the refusing end reset the connection)", tt.size, werr)
			}
			if code := CloseStatus(rerr); code != frame.CloseTooBig {
				t.Fatalf("writer: close code %v (%v), want 1009", code, rerr)
			}
		})
	}
}
