package frame_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/duplexws/duplex/frame"
)

// Parse the masked "Hello" frame of RFC 6455 §5.7 as a server would.
func ExampleParseHeader() {
	wire := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}
	h, n, err := frame.ParseHeader(wire)
	if err != nil {
		fmt.Println(err)
		return
	}
	if n == 0 {
		fmt.Println("need more bytes")
		return
	}
	fmt.Println(h.Opcode, h.Fin, h.Masked, h.Length, n)
	fmt.Println(h.Validate(frame.Server, 0))
	fmt.Println(h.Validate(frame.Client, 0))
	// Output:
	// text true true 5 6
	// <nil>
	// frame: masked frame from server
}

// An event loop asks how many header bytes it needs before it has them all.
func ExampleHeaderSize() {
	buf := []byte{0x82, 0xFE} // binary, masked, 16-bit length follows
	fmt.Println(frame.HeaderSize(buf[0], buf[1]))
	_, n, err := frame.ParseHeader(buf)
	fmt.Println(n, err)
	// Output:
	// 8
	// 0 <nil>
}

func ExampleReadHeader() {
	br := bufio.NewReader(bytes.NewReader([]byte{0x89, 0x05, 'H', 'e', 'l', 'l', 'o'}))
	h, err := frame.ReadHeader(br)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := h.CheckLimit(1 << 20); err != nil {
		fmt.Println(err)
		return
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(br, payload); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v %q\n", h.Opcode, payload)
	// Output:
	// ping "Hello"
}

func ExampleHeader_Append() {
	h := frame.Header{Fin: true, Opcode: frame.OpBinary, Length: 256}
	var buf [frame.MaxHeaderSize]byte
	fmt.Printf("% x\n", h.Append(buf[:0]))
	h.Masked, h.Key, h.Length = true, [4]byte{1, 2, 3, 4}, 5
	fmt.Printf("% x\n", h.Append(buf[:0]))
	// Output:
	// 82 7e 01 00
	// 82 85 01 02 03 04
}

func ExampleParseClose() {
	code, reason, err := frame.ParseClose([]byte{0x03, 0xe9, 'b', 'y', 'e'})
	fmt.Println(code, reason, err)
	code, _, _ = frame.ParseClose(nil)
	fmt.Println(code)
	_, _, err = frame.ParseClose([]byte{0x03, 0xed}) // 1005 may not appear on the wire
	var fe *frame.Error
	if errors.As(err, &fe) {
		fmt.Println(fe, "-> fail with", fe.Code)
	}
	// Output:
	// going away (1001) bye <nil>
	// no status received (1005)
	// frame: invalid close code -> fail with protocol error (1002)
}

func ExampleAppendClose() {
	p, err := frame.AppendClose(nil, frame.CloseNormal, "done")
	fmt.Printf("% x %v\n", p, err)
	hdr := frame.Header{Fin: true, Opcode: frame.OpClose, Length: int64(len(p))}
	fmt.Printf("% x\n", hdr.Append(nil))
	_, err = frame.AppendClose(nil, frame.CloseAbnormal, "")
	fmt.Println(err)
	// Output:
	// 03 e8 64 6f 6e 65 <nil>
	// 88 06
	// frame: invalid close code
}
