package mask

import (
	"bytes"
	"testing"
)

// FuzzApply checks every implementation against the naive loop, whole and split in two at
// an arbitrary point, for arbitrary data, key, position and start offset.
func FuzzApply(f *testing.F) {
	f.Add([]byte("Hello"), uint32(0x3d21fa37), 0, uint8(0), uint16(0))
	f.Add(make([]byte, 33), uint32(0xffffffff), 3, uint8(1), uint16(17))
	f.Add(bytes.Repeat([]byte{0x55}, 200), uint32(0x01020304), 2, uint8(7), uint16(64))
	f.Add(make([]byte, 1100), uint32(0x80000001), -1, uint8(5), uint16(999))
	f.Fuzz(func(t *testing.T, data []byte, k uint32, pos int, off uint8, split uint16) {
		key := [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
		o := int(off & 7)
		want := bytes.Clone(data)
		wantPos := naive(want, key, pos&3)
		for _, im := range allImpls() {
			buf := make([]byte, o+len(data))
			b := buf[o:]
			copy(b, data)
			if got := im.fn(b, key, pos); got != wantPos || !bytes.Equal(b, want) {
				t.Fatalf("%s: whole: got (%d, %x), want (%d, %x)", im.name, got, b, wantPos, want)
			}
			copy(b, data)
			s := int(split) % (len(b) + 1)
			p := im.fn(b[:s], key, pos)
			if got := im.fn(b[s:], key, p); got != wantPos || !bytes.Equal(b, want) {
				t.Fatalf("%s: split at %d: got (%d, %x), want (%d, %x)", im.name, s, got, b, wantPos, want)
			}
		}
	})
}
