//go:build linux

package mask

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPageBoundary masks slices that end exactly where a PROT_NONE page begins and slices
// that start exactly where one ends, so any read or write outside the slice, by the head,
// vector or tail code, faults instead of passing unnoticed.
func TestPageBoundary(t *testing.T) {
	page := unix.Getpagesize()
	mem, err := unix.Mmap(-1, 0, 3*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	if err := unix.Mprotect(mem[:page], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect low guard: %v", err)
	}
	if err := unix.Mprotect(mem[2*page:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect high guard: %v", err)
	}
	usable := mem[page : 2*page : 2*page]
	key := [4]byte{0x9a, 0xbc, 0xde, 0xf0}
	ref := make([]byte, page)
	fill(ref, 5)
	lengths := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
		255, 256, 257, 1000, 1023, 1024, 1025, page - 1, page}
	for _, im := range allImpls() {
		t.Run(im.name, func(t *testing.T) {
			for _, n := range lengths {
				for pos := 0; pos < 4; pos++ {
					for _, b := range [][]byte{usable[page-n:], usable[:n:n]} {
						copy(b, ref[:n])
						want := bytes.Clone(b)
						wantPos := naive(want, key, pos)
						if got := im.fn(b, key, pos); got != wantPos || !bytes.Equal(b, want) {
							t.Fatalf("len %d pos %d: got pos %d, bytes equal %v", n, pos, got, bytes.Equal(b, want))
						}
					}
				}
			}
		})
	}
}
