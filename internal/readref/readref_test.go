package readref

import (
	"bytes"
	"testing"
)

// TestOR: a bit set in any one byte, in any of the four chains and any lane, shows in the
// result; zeros give zero; the buffer is not modified.
func TestOR(t *testing.T) {
	if !Available() {
		t.Skip("no read reference on this build")
	}
	for _, n := range []int{256, 512, 4096} {
		b := make([]byte, n)
		if got := OR(b); got != 0 {
			t.Fatalf("len %d zeros: got %#x, want 0", n, got)
		}
		for i := range n {
			bit := byte(1) << (i % 8)
			b[i] = bit
			before := bytes.Clone(b)
			if got := OR(b); got != bit {
				t.Fatalf("len %d, %#x at %d: got %#x", n, bit, i, got)
			}
			if !bytes.Equal(b, before) {
				t.Fatalf("len %d: OR modified its input", n)
			}
			b[i] = 0
		}
	}
}

func TestORPanicsOnBadLength(t *testing.T) {
	if !Available() {
		t.Skip("no read reference on this build")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("OR of 100 bytes did not panic")
		}
	}()
	OR(make([]byte, 100))
}
