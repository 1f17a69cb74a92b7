package conn

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzReadFast reads arbitrary bytes as the stream a peer sends, split into two reads at
// split (then, if split is 0, in 1-byte reads), in either role, with default options or
// with a 1 KiB read buffer and a 1000-byte limit, once through the general path only and
// twice with the fast path (a context that cannot be cancelled, one that can), and fails
// if they differ in the messages, the error, the close code or the frames written.
func FuzzReadFast(f *testing.F) {
	for _, fc := range fastCases {
		for _, masked := range []bool{true, false} {
			stream, starts := fc.stream(masked)
			if len(stream) > 4096 {
				continue
			}
			split := uint16(len(stream) / 2)
			if len(starts) > 1 {
				split = uint16(starts[1] + 1)
			}
			f.Add(stream, split, masked, len(stream) > 1000)
		}
	}
	f.Add([]byte("\x810\xfa0"), uint16(12), false, false) // invalid text before the frame is whole
	f.Fuzz(func(t *testing.T, stream []byte, split uint16, server, small bool) {
		if len(stream) > 8192 {
			return // long inputs only slow the fuzzer down; the parsing is the same
		}
		role := Client
		if server {
			role = Server
		}
		var opts *Options
		if small {
			opts = &Options{ReadBufferSize: 256, ReadLimit: 1000}
		}
		size := func(i int) int {
			switch {
			case split == 0:
				return 1
			case i == 0:
				return int(split)
			}
			return len(stream)
		}
		general := readStream(t, role, opts, stream, size, false, false)
		for _, cancellable := range []bool{false, true} {
			fast := readStream(t, role, opts, stream, size, true, cancellable)
			if d := cmp.Diff(general, fast); d != "" {
				t.Fatalf("cancellable ctx %v: fast path differs from the general path (-general +fast):\n%s", cancellable, d)
			}
		}
	})
}
