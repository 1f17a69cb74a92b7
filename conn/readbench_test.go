package conn

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkReadPath reads whole server-bound (masked) messages from an in-memory
// transport replaying pre-encoded frames, once through the fast path (readFast) and once
// with it turned off (every frame through Protocol.Parse), in the same run: the
// difference is what the fast path saves. path=general is the baseline.
//
//	go test -run '^$' -bench ReadPath -benchtime 200ms -count 6 ./conn
func BenchmarkReadPath(b *testing.B) {
	ctx := context.Background()
	for _, size := range benchSizes {
		for _, typ := range []MessageType{Text, Binary} {
			for _, path := range []string{"general", "fast"} {
				b.Run(fmt.Sprintf("%v/%d/path=%s", typ, size, path), func(b *testing.B) {
					c := readConn(Server, typ, size)
					c.p.noFast = path == "general"
					buf := make([]byte, 0, size)
					b.SetBytes(int64(size))
					b.ReportAllocs()
					for b.Loop() {
						if _, _, err := c.ReadMessage(ctx, buf); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}
