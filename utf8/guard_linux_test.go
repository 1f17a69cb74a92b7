//go:build linux

package utf8

import (
	"testing"
	stdutf8 "unicode/utf8"

	"golang.org/x/sys/unix"
)

// TestGuardPages validates text that ends exactly where an inaccessible page begins, and
// text that starts exactly where one ends, for every length up to 320 bytes: a read outside
// the slice by the vector loops, the tail or the back-up over an incomplete sequence would
// fault instead of passing unnoticed.
func TestGuardPages(t *testing.T) {
	page := unix.Getpagesize()
	mem, err := unix.Mmap(-1, 0, 3*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer unix.Munmap(mem)
	for _, guard := range [][]byte{mem[:page], mem[2*page:]} {
		if err := unix.Mprotect(guard, unix.PROT_NONE); err != nil {
			t.Skipf("mprotect: %v", err)
		}
	}
	usable := mem[page : 2*page : 2*page]
	sources := map[string][]byte{
		"mixed":     corpus(t, "mixed", 400),
		"japanese":  corpus(t, "japanese", 400),
		"truncated": append(corpus(t, "chinese", 398)[:397], 0xE4, 0xB8), // ends inside 中
	}
	for name, src := range sources {
		for n := 0; n <= 320; n++ {
			for _, b := range [][]byte{usable[page-n:], usable[:n:n]} {
				copy(b, src[len(src)-n:]) // keep the source's ending (truncated or not)
				want := stdutf8.Valid(b)
				if got := Valid(b); got != want {
					t.Fatalf("%s, %d bytes: Valid = %v, want %v", name, n, got, want)
				}
				for _, impl := range implementations() {
					if got := impl.scan(stAccept, b) == stAccept; got != want {
						t.Fatalf("%s, %d bytes: %s = %v, want %v", name, n, impl.name, got, want)
					}
				}
				var v Validator
				if got := v.Feed(b) && v.Complete(); got != want {
					t.Fatalf("%s, %d bytes: Validator = %v, want %v", name, n, got, want)
				}
			}
		}
	}
}
