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

// TestCopyPageBoundary runs ApplyCopy with src and dst each ending exactly where a
// PROT_NONE page begins or starting exactly where one ends (every combination), so any
// load outside src or store outside dst[:len(src)] faults.
func TestCopyPageBoundary(t *testing.T) {
	page := unix.Getpagesize()
	// Two usable pages, each between guard pages: guard, src, guard, dst, guard.
	mem, err := unix.Mmap(-1, 0, 5*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(mem) })
	for _, g := range []int{0, 2, 4} {
		if err := unix.Mprotect(mem[g*page:(g+1)*page], unix.PROT_NONE); err != nil {
			t.Fatalf("mprotect guard page %d: %v", g, err)
		}
	}
	sreg := mem[page : 2*page : 2*page]
	dreg := mem[3*page : 4*page : 4*page]
	key := [4]byte{0x9a, 0xbc, 0xde, 0xf0}
	ref := make([]byte, page)
	fill(ref, 6)
	lengths := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
		255, 256, 257, 1000, 1023, 1024, 1025, page - 1, page}
	for _, im := range allCopyImpls() {
		t.Run(im.name, func(t *testing.T) {
			for _, n := range lengths {
				want := make([]byte, n)
				for pos := 0; pos < 4; pos++ {
					wantPos := naiveCopy(want, ref[:n], key, pos)
					for _, src := range [][]byte{sreg[page-n:], sreg[:n:n]} {
						copy(src, ref[:n])
						for _, dst := range [][]byte{dreg[page-n:], dreg[:n:n]} {
							clear(dst)
							if got := im.fn(dst, src, key, pos); got != wantPos || !bytes.Equal(dst, want) {
								t.Fatalf("len %d pos %d: got pos %d, bytes equal %v", n, pos, got, bytes.Equal(dst, want))
							}
						}
						// Aliased, at both ends of the page.
						if got := im.fn(src, src, key, pos); got != wantPos || !bytes.Equal(src, want) {
							t.Fatalf("aliased len %d pos %d: got pos %d, bytes equal %v", n, pos, got, bytes.Equal(src, want))
						}
					}
				}
			}
		})
	}
}
