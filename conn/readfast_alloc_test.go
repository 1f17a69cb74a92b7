package conn

import (
	"context"
	"fmt"
	"testing"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/memconn"
)

// TestReadFastAllocs: ReadMessage allocates nothing per message when the transport
// delivers frames in small pieces, so that text frames are checked part by part while
// they arrive (readFast's fastState path, RFC 6455 §8.1 fail-fast) and binary ones are
// completed by fills, in both roles.
func TestReadFastAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop buffers: allocation counts differ")
	}
	ctx := context.Background()
	for _, role := range []Role{Server, Client} {
		for _, typ := range []MessageType{Text, Binary} {
			for _, readSize := range []int{1, 100, 700} {
				t.Run(fmt.Sprintf("%v/%v/reads of %d", role, typ, readSize), func(t *testing.T) {
					const size = 1000
					payload := payloadOf(size, true)
					var stream []byte
					for range 3 {
						stream = append(stream, rawFrame(frame.Opcode(typ), true, 0, payload, role == Server)...)
					}
					c := New(&memconn.Replay{Data: stream, ReadSize: readSize}, nil, role, nil)
					buf := make([]byte, 0, size)
					allocs := testing.AllocsPerRun(50, func() {
						got, b, err := c.ReadMessage(ctx, buf)
						if err != nil || got != typ || string(b) != string(payload) {
							t.Fatalf("ReadMessage = %v, %d bytes, %v", got, len(b), err)
						}
					})
					if allocs != 0 {
						t.Fatalf("%v allocations per ReadMessage, want 0", allocs)
					}
				})
			}
		}
	}
}
