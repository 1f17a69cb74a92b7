package mask_test

import (
	"fmt"

	"github.com/duplexws/duplex/mask"
)

// The masked "Hello" of RFC 6455 §5.7, unmasked in place.
func ExampleApply() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	payload := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	mask.Apply(payload, key, 0)
	fmt.Printf("%s\n", payload)
	// Output: Hello
}

// A payload that arrives in pieces is unmasked piece by piece, threading the key position.
func ExampleApply_chunked() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	payload := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	pos := 0
	pos = mask.Apply(payload[:3], key, pos)
	pos = mask.Apply(payload[3:], key, pos)
	fmt.Printf("%s %d\n", payload, pos)
	// Output: Hello 1
}

// A masked payload in a read buffer is copied out unmasked in one pass; the read buffer
// keeps the masked bytes.
func ExampleApplyCopy() {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	frame := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	dst := make([]byte, len(frame))
	pos := mask.ApplyCopy(dst, frame, key, 0)
	fmt.Printf("%s %d %x\n", dst, pos, frame)
	// Output: Hello 1 7f9f4d5158
}
