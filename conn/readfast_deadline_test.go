package conn

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// TestReadFastPartialFrameTimeout: a read that times out (read deadline, or a context
// deadline) while the buffer holds the first part of a frame that fits the read buffer
// has consumed nothing: it returns the timeout, the connection stays usable, and the
// next read returns the whole message once the rest arrives. (The general path would
// have consumed the part and had to close the connection with 1006.)
func TestReadFastPartialFrameTimeout(t *testing.T) {
	leak.Check(t)
	for _, byCtx := range []bool{false, true} {
		t.Run(fmt.Sprintf("context deadline=%v", byCtx), func(t *testing.T) {
			c, p := rawPair(t, transports[1], Server, nil)
			msg := []byte("a message in two parts, sent apart")
			f := p.encode(frame.OpText, true, 0, msg)
			half := len(f) / 2
			// Over loopback TCP the bytes are in the Conn's socket buffer when the write
			// returns, so the read below reads them before its deadline passes.
			if err := <-p.send(f[:half]); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if byCtx {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
				defer cancel()
			} else {
				c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			}
			_, _, err := c.ReadMessage(ctx, nil)
			if byCtx && !errors.Is(err, context.DeadlineExceeded) || !byCtx && !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("read with half a frame buffered = %v, want a timeout", err)
			}
			if c.r == c.w {
				t.Fatal("the half frame was not in the read buffer: the test proves nothing")
			}
			c.SetReadDeadline(time.Time{})
			sent := p.send(f[half:])
			typ, b, err := c.ReadMessage(ctxT(t), nil)
			if err != nil || typ != Text || string(b) != string(msg) {
				t.Fatalf("read after the timeout = %v %q %v, want the message", typ, b, err)
			}
			<-sent
		})
	}
}
