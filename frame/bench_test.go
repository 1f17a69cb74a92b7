package frame

import (
	"bufio"
	"io"
	"testing"
)

var benchHeaders = []struct {
	name string
	h    Header
}{
	{"7bit", Header{Fin: true, Opcode: OpText, Length: 125}},
	{"7bit-masked", Header{Fin: true, Opcode: OpText, Length: 125, Masked: true, Key: rfcKey}},
	{"16bit", Header{Fin: true, Opcode: OpBinary, Length: 4096}},
	{"16bit-masked", Header{Fin: true, Opcode: OpBinary, Length: 4096, Masked: true, Key: rfcKey}},
	{"64bit", Header{Fin: true, Opcode: OpBinary, Length: 1 << 20}},
	{"64bit-masked", Header{Fin: true, Opcode: OpBinary, Length: 1 << 20, Masked: true, Key: rfcKey}},
}

var (
	sinkHeader Header
	sinkInt    int
	sinkBytes  []byte
)

// BenchmarkParseHeader measures ParseHeader against copying the same bytes (the floor
// for touching a header at all). SetBytes is the header size.
func BenchmarkParseHeader(b *testing.B) {
	for _, bh := range benchHeaders {
		enc := bh.h.Append(nil)
		b.Run(bh.name, func(b *testing.B) {
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				sinkHeader, sinkInt, _ = ParseHeader(enc)
			}
		})
		b.Run(bh.name+"/baseline-copy", func(b *testing.B) {
			var dst [MaxHeaderSize]byte
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				sinkInt = copy(dst[:], enc)
			}
		})
	}
}

// BenchmarkReadHeader measures ReadHeader from a bufio.Reader over an endless stream of
// headers, against io.ReadFull of the same number of bytes from the same kind of reader.
func BenchmarkReadHeader(b *testing.B) {
	for _, bh := range benchHeaders {
		enc := bh.h.Append(nil)
		b.Run(bh.name, func(b *testing.B) {
			br := bufio.NewReaderSize(&cycleReader{p: enc}, 4096)
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				sinkHeader, _ = ReadHeader(br)
			}
		})
		b.Run(bh.name+"/baseline-readfull", func(b *testing.B) {
			br := bufio.NewReaderSize(&cycleReader{p: enc}, 4096)
			var dst [MaxHeaderSize]byte
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				sinkInt, _ = io.ReadFull(br, dst[:len(enc)])
			}
		})
	}
}

// BenchmarkAppend measures Header.Append into a reused buffer against appending the
// pre-encoded bytes.
func BenchmarkAppend(b *testing.B) {
	for _, bh := range benchHeaders {
		enc := bh.h.Append(nil)
		h := bh.h
		b.Run(bh.name, func(b *testing.B) {
			buf := make([]byte, 0, MaxHeaderSize)
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				buf = h.Append(buf[:0])
			}
			sinkBytes = buf
		})
		b.Run(bh.name+"/baseline-append-bytes", func(b *testing.B) {
			buf := make([]byte, 0, MaxHeaderSize)
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				buf = append(buf[:0], enc...)
			}
			sinkBytes = buf
		})
	}
}

// BenchmarkValidate measures the per-frame rule checks of a valid frame.
func BenchmarkValidate(b *testing.B) {
	h := Header{Fin: true, Opcode: OpBinary, Length: 4096, Masked: true, Key: rfcKey}
	b.SetBytes(int64(h.Size()))
	b.ReportAllocs()
	var err error
	for b.Loop() {
		err = h.Validate(Server, RSV1)
	}
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkParseClose measures a close payload with a short reason (one string
// allocation) against unicode/utf8-free copying of the payload.
func BenchmarkParseClose(b *testing.B) {
	p := []byte{0x03, 0xE8, 'g', 'o', 'o', 'd', 'b', 'y', 'e'}
	b.Run("code-only", func(b *testing.B) {
		b.SetBytes(2)
		b.ReportAllocs()
		for b.Loop() {
			_, _, _ = ParseClose(p[:2])
		}
	})
	b.Run("reason", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		b.ReportAllocs()
		for b.Loop() {
			_, _, _ = ParseClose(p)
		}
	})
	b.Run("reason/baseline-string", func(b *testing.B) {
		b.SetBytes(int64(len(p)))
		b.ReportAllocs()
		var s string
		for b.Loop() {
			s = string(p[2:])
		}
		sinkInt = len(s)
	})
}
