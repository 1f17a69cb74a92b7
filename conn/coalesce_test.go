package conn

import (
	"bytes"
	"context"
	"net"
	"runtime"
	"sync"
	"testing"

	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/internal/memconn"
)

// gatedConn blocks its first Write until the gate opens, and records every Write.
type gatedConn struct {
	memconn.Replay
	gate   chan struct{}
	mu     sync.Mutex
	writes [][]byte
}

func (g *gatedConn) Write(p []byte) (int, error) {
	g.mu.Lock()
	first := len(g.writes) == 0
	g.writes = append(g.writes, bytes.Clone(p))
	g.mu.Unlock()
	if first {
		<-g.gate
	}
	return len(p), nil
}

var _ net.Conn = (*gatedConn)(nil)

// TestWritesCoalesce: messages queued by several goroutines while a write is in progress
// go to the socket together in the next single write.
func TestWritesCoalesce(t *testing.T) {
	leak.Check(t)
	for _, role := range []Role{Server, Client} {
		t.Run(role.String(), func(t *testing.T) {
			g := &gatedConn{gate: make(chan struct{})}
			c := New(g, nil, role, nil)
			ctx := context.Background()
			const n = 10
			var wg sync.WaitGroup
			wg.Add(1)
			go func() { defer wg.Done(); c.WriteMessage(ctx, Binary, []byte("first")) }()
			for { // the first write is in progress (blocked in the gate)
				g.mu.Lock()
				started := len(g.writes) == 1
				g.mu.Unlock()
				if started {
					break
				}
				runtime.Gosched()
			}
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() { defer wg.Done(); c.WriteMessage(ctx, Binary, []byte("queued")) }()
			}
			for { // all n are queued behind it
				c.wmu.Lock()
				queued := c.pending != nil && len(*c.pending) >= n*(len("queued")+2+4*int(role))
				c.wmu.Unlock()
				if queued {
					break
				}
				runtime.Gosched()
			}
			close(g.gate)
			wg.Wait()
			if len(g.writes) != 2 {
				t.Fatalf("%d writes for %d messages, want 2", len(g.writes), n+1)
			}
			// The second write holds n complete frames.
			p := &Protocol{}
			p.init(role^1, &config{readLimit: -1})
			buf := g.writes[1]
			got := 0
			for len(buf) > 0 {
				k, ev, err := p.Parse(buf)
				if err != nil || k == 0 {
					t.Fatalf("parse: %v", err)
				}
				buf = buf[k:]
				if ev.Kind == EventData && ev.Final && string(ev.Payload) == "queued" {
					got++
				}
			}
			if got != n {
				t.Fatalf("second write carries %d messages, want %d", got, n)
			}
		})
	}
}
