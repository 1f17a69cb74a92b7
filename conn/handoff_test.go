package conn

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/mask"
)

// handedConn counts the bytes its net.Conn accepted (what Write reported written).
type handedConn struct {
	net.Conn
	handed atomic.Int64
}

func (h *handedConn) Write(p []byte) (int, error) {
	n, err := h.Conn.Write(p)
	h.handed.Add(int64(n))
	return n, err
}

// TestWriteNilMeansHandedOver reproduces a report: a client writes 64 KiB messages with a
// 300 ms context each to a peer that does not read; when a write finally times out, every
// earlier WriteMessage that returned nil must have had all its bytes accepted by the socket,
// and the peer, reading afterwards, must get each of those messages whole (then part of
// the one that timed out, then EOF), never one of them truncated.
func TestWriteNilMeansHandedOver(t *testing.T) {
	leak.Check(t)
	a, b := tcpPair(t)
	defer b.Close()
	// Small socket buffers: the writes block after a few messages.
	_ = a.(*net.TCPConn).SetWriteBuffer(64 << 10)
	_ = b.(*net.TCPConn).SetReadBuffer(64 << 10)
	hc := &handedConn{Conn: a}
	c := New(hc, nil, Client, nil)
	defer c.CloseNow()

	const size = 64 << 10
	frameSize := int64(frame.Header{Masked: true, Length: size}.Size() + size)
	msg := make([]byte, size)
	acked := 0
	var werr error
	for acked < 2000 {
		for i := range msg {
			msg[i] = byte(acked)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		werr = c.WriteMessage(ctx, Binary, msg)
		cancel()
		if werr != nil {
			break
		}
		acked++
		if got, want := hc.handed.Load(), int64(acked)*frameSize; got < want {
			t.Fatalf("WriteMessage %d returned nil with %d of its bytes not handed to the socket", acked-1, want-got)
		}
	}
	if werr == nil {
		t.Fatalf("%d writes to a peer that does not read all succeeded", acked)
	}
	if !errors.Is(werr, context.DeadlineExceeded) {
		t.Fatalf("write error %v, want context.DeadlineExceeded", werr)
	}

	// The peer now reads everything the socket got.
	_ = b.SetReadDeadline(time.Now().Add(testTimeout))
	br := bufio.NewReaderSize(b, 64<<10)
	p := make([]byte, size)
	whole := 0
	for {
		h, err := frame.ReadHeader(br)
		if err != nil {
			break
		}
		if h.Length != size || !h.Masked || h.Opcode != frame.OpBinary {
			t.Fatalf("frame %d: header %+v", whole, h)
		}
		n, err := io.ReadFull(br, p)
		if err != nil {
			if whole < acked {
				t.Fatalf("message %d, whose WriteMessage returned nil, arrived truncated: %d of %d bytes, then %v", whole, n, size, err)
			}
			break
		}
		mask.Apply(p, h.Key, 0)
		for _, v := range p {
			if v != byte(whole) {
				t.Fatalf("message %d: payload byte %d, want %d", whole, v, byte(whole))
			}
		}
		whole++
	}
	if whole < acked {
		t.Fatalf("peer got %d whole messages, %d writes returned nil", whole, acked)
	}
	t.Logf("%d writes returned nil, the peer got %d whole messages", acked, whole)
}
