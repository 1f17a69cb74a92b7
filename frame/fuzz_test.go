package frame

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// FuzzParseHeader checks that ParseHeader never panics, that what it parses re-encodes to
// the same header, and that ReadHeader agrees with it.
func FuzzParseHeader(f *testing.F) {
	for _, tc := range rfcExamples {
		f.Add(tc.wire)
	}
	f.Add([]byte{})
	f.Add([]byte{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0})       // 64-bit MSB set
	f.Add([]byte{0x82, 0x7E, 0x00, 0x05})                      // non-minimal 16-bit
	f.Add([]byte{0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3}) // one byte short
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := ParseHeader(b)
		switch {
		case err != nil:
			if n != 0 || h != (Header{}) || err != ErrLengthOverflow {
				t.Fatalf("error %v with n %d, header %+v", err, n, h)
			}
		case n == 0:
			if len(b) >= 2 && len(b) >= HeaderSize(b[0], b[1]) {
				t.Fatalf("need more with %d bytes, header size %d", len(b), HeaderSize(b[0], b[1]))
			}
		default:
			if n < 2 || n > MaxHeaderSize || n != HeaderSize(b[0], b[1]) || n > len(b) {
				t.Fatalf("n = %d for % x", n, b)
			}
			if h.Length < 0 {
				t.Fatalf("negative length %d", h.Length)
			}
			enc := h.Append(nil)
			if len(enc) != h.Size() || len(enc) > n {
				t.Fatalf("Append is %d bytes, Size %d, parsed %d", len(enc), h.Size(), n)
			}
			if len(enc) == n && !bytes.Equal(enc, b[:n]) {
				// Same size means the input used the minimal encoding: bytes must match.
				t.Fatalf("Append = % x, input % x", enc, b[:n])
			}
			h2, n2, err2 := ParseHeader(enc)
			if err2 != nil || n2 != len(enc) || h2 != h {
				t.Fatalf("reparse = %+v, %d, %v; want %+v", h2, n2, err2, h)
			}
			_ = h.Validate(Server, RSV1)
			_ = h.Validate(Client, 0)
		}
		for _, tc := range []struct {
			name   string
			r      io.Reader
			prefix bool // an empty pong precedes b, so b is already buffered (fast path)
		}{
			{"whole", bytes.NewReader(b), false},
			{"one byte", iotest.OneByteReader(bytes.NewReader(b)), false},
			{"buffered", bytes.NewReader(append([]byte{0x8A, 0x00}, b...)), true},
		} {
			name := tc.name
			br := bufio.NewReaderSize(tc.r, 64)
			if tc.prefix {
				if ph, perr := ReadHeader(br); perr != nil || ph.Opcode != OpPong {
					t.Fatalf("prefix: %+v, %v", ph, perr)
				}
			}
			rh, rerr := ReadHeader(br)
			switch {
			case err != nil:
				if rerr != err {
					t.Fatalf("%s: ReadHeader err %v, ParseHeader err %v", name, rerr, err)
				}
			case n == 0:
				want := io.ErrUnexpectedEOF
				if len(b) == 0 {
					want = io.EOF
				}
				if rerr != want {
					t.Fatalf("%s: ReadHeader err %v on a short header, want %v", name, rerr, want)
				}
			default:
				if rerr != nil || rh != h {
					t.Fatalf("%s: ReadHeader = %+v, %v; ParseHeader %+v", name, rh, rerr, h)
				}
				rest, _ := io.ReadAll(br)
				if !bytes.Equal(rest, b[n:]) {
					t.Fatalf("%s: ReadHeader consumed the wrong number of bytes", name)
				}
			}
		}
	})
}

// FuzzHeaderRoundTrip checks that any header with in-range fields survives Append and
// ParseHeader unchanged, with the minimal encoding.
func FuzzHeaderRoundTrip(f *testing.F) {
	f.Add(true, byte(0), byte(1), false, uint32(0), int64(5))
	f.Add(true, byte(0x40), byte(2), true, uint32(0x37fa213d), int64(126))
	f.Add(false, byte(0x70), byte(0), true, uint32(1), int64(65535))
	f.Add(true, byte(0), byte(9), false, uint32(0), int64(65536))
	f.Add(true, byte(0), byte(2), true, uint32(0xFFFFFFFF), int64(1<<63-1))
	f.Fuzz(func(t *testing.T, fin bool, rsv, op byte, masked bool, key uint32, length int64) {
		if length < 0 {
			length = -(length + 1) // map onto 0..2^63-1
		}
		h := Header{Fin: fin, Rsv: rsv & (RSV1 | RSV2 | RSV3), Opcode: Opcode(op & 0x0F), Masked: masked, Length: length}
		if masked {
			h.Key = [4]byte{byte(key >> 24), byte(key >> 16), byte(key >> 8), byte(key)}
		}
		enc := h.Append(make([]byte, 0, MaxHeaderSize))
		if len(enc) != h.Size() {
			t.Fatalf("len(Append) = %d, Size = %d", len(enc), h.Size())
		}
		want := 2
		if length > 125 {
			want += 2
		}
		if length > 0xFFFF {
			want += 6
		}
		if masked {
			want += 4
		}
		if len(enc) != want {
			t.Fatalf("encoded %d bytes, minimal is %d", len(enc), want)
		}
		got, n, err := ParseHeader(enc)
		if err != nil || n != len(enc) || got != h {
			t.Fatalf("ParseHeader(Append(%+v)) = %+v, %d, %v", h, got, n, err)
		}
	})
}

// FuzzParseClose checks that ParseClose never panics, returns only the documented errors,
// and that what it accepts AppendClose re-encodes byte for byte.
func FuzzParseClose(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0x03})
	f.Add([]byte{0x03, 0xE8})
	f.Add([]byte{0x03, 0xE8, 'b', 'y', 'e'})
	f.Add([]byte{0x03, 0xED})
	f.Add([]byte{0x03, 0xE8, 0xED, 0xA0, 0x80})
	f.Add(append([]byte{0x0F, 0xA0}, bytes.Repeat([]byte("x"), 124)...))
	f.Fuzz(func(t *testing.T, p []byte) {
		code, reason, err := ParseClose(p)
		if err != nil {
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a *Error", err)
			}
			switch err {
			case ErrBadClosePayload:
				if len(p) != 1 && len(p) <= MaxControlPayload {
					t.Fatalf("ErrBadClosePayload for %d bytes", len(p))
				}
			case ErrBadCloseCode:
				if CloseCode(uint16(p[0])<<8 | uint16(p[1])).ValidOnWire() {
					t.Fatalf("ErrBadCloseCode for a valid code")
				}
			case ErrCloseReasonUTF8:
				if utf8.Valid(p[2:]) {
					t.Fatal("ErrCloseReasonUTF8 for a valid reason")
				}
			default:
				t.Fatalf("undocumented error %v", err)
			}
			if code != 0 || reason != "" {
				t.Fatalf("error with code %v, reason %q", code, reason)
			}
			return
		}
		if len(p) == 0 {
			if code != CloseNoStatus || reason != "" {
				t.Fatalf("empty payload = %v, %q", code, reason)
			}
		} else if !code.ValidOnWire() {
			t.Fatalf("accepted code %v", code)
		}
		enc, err := AppendClose(nil, code, reason)
		if err != nil || !bytes.Equal(enc, p) {
			t.Fatalf("AppendClose(%v, %q) = % x, %v; want % x", code, reason, enc, err, p)
		}
	})
}
