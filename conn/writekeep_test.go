package conn

import (
	"context"
	"fmt"
	"testing"

	"github.com/duplexws/duplex/internal/memconn"
)

// TestWriteKeep: on a net.Conn that is neither a socket nor TLS, a mid-size server frame
// goes out in one Write from a buffer the Conn keeps between writes (up to keepMax), so
// steady-state writes borrow nothing; a frame needing a larger buffer does not stay held;
// a socket never takes this path, so its idle Conn keeps no write buffer.
func TestWriteKeep(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		size     int
		wantKept bool
	}{
		{100, false},     // fits the scratch buffer
		{1 << 10, true},  // 1 KiB class
		{3 << 10, true},  // 4 KiB class
		{6 << 10, false}, // 16 KiB class: back to the pool after the write
		{9 << 10, false}, // split: header and first part, then the rest uncopied
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("replay/%d", tt.size), func(t *testing.T) {
			rc := &memconn.Replay{}
			c := New(rc, nil, Server, nil)
			p := payloadOf(tt.size, false)
			for range 3 {
				if err := c.WriteMessage(ctx, Binary, p); err != nil {
					t.Fatal(err)
				}
			}
			if got := c.wkeep != nil; got != tt.wantKept {
				t.Fatalf("buffer kept = %v, want %v", got, tt.wantKept)
			}
			if c.wkeep != nil && cap(*c.wkeep) > keepMax {
				t.Fatalf("kept a %d-byte buffer, more than keepMax %d", cap(*c.wkeep), keepMax)
			}
		})
	}
	t.Run("tcp", func(t *testing.T) {
		a, b := tcpPair(t)
		c := New(a, nil, Server, nil)
		t.Cleanup(func() { c.CloseNow(); b.Close() })
		go func() {
			buf := make([]byte, 64<<10)
			for {
				if _, err := b.Read(buf); err != nil {
					return
				}
			}
		}()
		for _, n := range []int{1 << 10, 3 << 10, 20 << 10} {
			if err := c.WriteMessage(ctx, Binary, payloadOf(n, false)); err != nil {
				t.Fatal(err)
			}
		}
		if c.wkeep != nil {
			t.Fatalf("a socket Conn kept a %d-byte write buffer", cap(*c.wkeep))
		}
	})
}
