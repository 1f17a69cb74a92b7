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

// FuzzApplyCopy checks every ApplyCopy implementation (the dispatched one, the portable
// code and each assembly variant) against the naive loop, for arbitrary data, key,
// position and src and dst start offsets: whole, split in two at an arbitrary point, and
// in place (dst == src). src must come out unchanged and nothing past dst[:len(src)]
// written.
func FuzzApplyCopy(f *testing.F) {
	f.Add([]byte("Hello"), uint32(0x3d21fa37), 0, uint8(0), uint16(0))
	f.Add(make([]byte, 33), uint32(0xffffffff), 3, uint8(0x17), uint16(17))
	f.Add(bytes.Repeat([]byte{0x55}, 200), uint32(0x01020304), 2, uint8(0x70), uint16(64))
	f.Add(make([]byte, 1100), uint32(0x80000001), -1, uint8(0x35), uint16(999))
	f.Fuzz(func(t *testing.T, data []byte, k uint32, pos int, offs uint8, split uint16) {
		key := [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
		so, do := int(offs&7), int(offs>>4&7)
		want := make([]byte, len(data))
		wantPos := naiveCopy(want, data, key, pos&3)
		for _, im := range allCopyImpls() {
			sbuf := make([]byte, so+len(data))
			src := sbuf[so:]
			copy(src, data)
			dbuf := make([]byte, do+len(data)+1)
			dst := dbuf[do:]
			dst[len(data)] = 0xc3
			if got := im.fn(dst, src, key, pos); got != wantPos || !bytes.Equal(dst[:len(data)], want) {
				t.Fatalf("%s: whole: got (%d, %x), want (%d, %x)", im.name, got, dst[:len(data)], wantPos, want)
			}
			if !bytes.Equal(src, data) || dst[len(data)] != 0xc3 {
				t.Fatalf("%s: whole: src modified or dst written past len(src)", im.name)
			}
			clear(dst[:len(data)])
			s := int(split) % (len(data) + 1)
			p := im.fn(dst, src[:s], key, pos)
			if got := im.fn(dst[s:], src[s:], key, p); got != wantPos || !bytes.Equal(dst[:len(data)], want) {
				t.Fatalf("%s: split at %d: got (%d, %x), want (%d, %x)", im.name, s, got, dst[:len(data)], wantPos, want)
			}
			if got := im.fn(src, src, key, pos); got != wantPos || !bytes.Equal(src, want) {
				t.Fatalf("%s: in place: got (%d, %x), want (%d, %x)", im.name, got, src, wantPos, want)
			}
		}
	})
}
