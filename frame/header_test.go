package frame

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
	"strconv"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// rfcKey is the masking key of the masked examples of RFC 6455 §5.7.
var rfcKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// rfcExamples are the byte-exact examples of RFC 6455 §5.7: the header, the payload as
// sent, and the payload after unmasking.
var rfcExamples = []struct {
	name    string
	wire    []byte // the whole frame
	header  Header
	n       int
	payload string // unmasked payload; "" for the header-only examples
}{
	{
		name:    "single-frame unmasked text Hello",
		wire:    []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f},
		header:  Header{Fin: true, Opcode: OpText, Length: 5},
		n:       2,
		payload: "Hello",
	},
	{
		name:    "single-frame masked text Hello",
		wire:    []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
		header:  Header{Fin: true, Opcode: OpText, Masked: true, Key: rfcKey, Length: 5},
		n:       6,
		payload: "Hello",
	},
	{
		name:    "fragmented unmasked text, first fragment Hel",
		wire:    []byte{0x01, 0x03, 0x48, 0x65, 0x6c},
		header:  Header{Opcode: OpText, Length: 3},
		n:       2,
		payload: "Hel",
	},
	{
		name:    "fragmented unmasked text, last fragment lo",
		wire:    []byte{0x80, 0x02, 0x6c, 0x6f},
		header:  Header{Fin: true, Opcode: OpContinuation, Length: 2},
		n:       2,
		payload: "lo",
	},
	{
		name:    "unmasked ping Hello",
		wire:    []byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f},
		header:  Header{Fin: true, Opcode: OpPing, Length: 5},
		n:       2,
		payload: "Hello",
	},
	{
		name:    "masked pong Hello",
		wire:    []byte{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
		header:  Header{Fin: true, Opcode: OpPong, Masked: true, Key: rfcKey, Length: 5},
		n:       6,
		payload: "Hello",
	},
	{
		name:   "256 bytes binary, unmasked, 16-bit length",
		wire:   []byte{0x82, 0x7E, 0x01, 0x00},
		header: Header{Fin: true, Opcode: OpBinary, Length: 256},
		n:      4,
	},
	{
		name:   "64 KiB binary, unmasked, 64-bit length",
		wire:   []byte{0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00},
		header: Header{Fin: true, Opcode: OpBinary, Length: 65536},
		n:      10,
	},
}

// unmask is a naive reference XOR, so these tests do not depend on package mask.
func unmask(p []byte, key [4]byte) []byte {
	out := make([]byte, len(p))
	for i := range p {
		out[i] = p[i] ^ key[i&3]
	}
	return out
}

func TestRFCExamples(t *testing.T) {
	for _, tc := range rfcExamples {
		t.Run(tc.name, func(t *testing.T) {
			h, n, err := ParseHeader(tc.wire)
			if err != nil || n != tc.n {
				t.Fatalf("ParseHeader = n %d, err %v; want n %d, nil", n, err, tc.n)
			}
			if diff := cmp.Diff(tc.header, h); diff != "" {
				t.Fatalf("ParseHeader header (-want +got):\n%s", diff)
			}
			if got := HeaderSize(tc.wire[0], tc.wire[1]); got != tc.n {
				t.Errorf("HeaderSize = %d, want %d", got, tc.n)
			}
			if got := h.Append(nil); !bytes.Equal(got, tc.wire[:tc.n]) {
				t.Errorf("Append = % x, want % x", got, tc.wire[:tc.n])
			}
			if h.Size() != tc.n {
				t.Errorf("Size = %d, want %d", h.Size(), tc.n)
			}
			if tc.payload != "" {
				p := tc.wire[n:]
				if int64(len(p)) != h.Length {
					t.Fatalf("payload is %d bytes, header says %d", len(p), h.Length)
				}
				if h.Masked {
					p = unmask(p, h.Key)
				}
				if string(p) != tc.payload {
					t.Errorf("payload = %q, want %q", p, tc.payload)
				}
			}
			// The masked examples are client-to-server frames, the others server-to-client.
			receiver := Client
			if h.Masked {
				receiver = Server
			}
			if err := h.Validate(receiver, 0); err != nil {
				t.Errorf("Validate(%v) = %v, want nil", receiver, err)
			}
			got, err := ReadHeader(bufio.NewReader(bytes.NewReader(tc.wire)))
			if err != nil || got != tc.header {
				t.Errorf("ReadHeader = %+v, %v; want %+v", got, err, tc.header)
			}
		})
	}
}

// TestLengthBoundaries round-trips every boundary of the three length encodings of
// RFC 6455 §5.2, masked and not, and checks the encoding is the minimal one.
func TestLengthBoundaries(t *testing.T) {
	cases := []struct {
		length   int64
		len7     byte // the 7-bit length field
		wantSize int  // unmasked header size
	}{
		{0, 0, 2},
		{1, 1, 2},
		{125, 125, 2},
		{126, 126, 4},
		{127, 126, 4},
		{65535, 126, 4},
		{65536, 127, 10},
		{1 << 32, 127, 10},
		{math.MaxInt64, 127, 10},
	}
	for _, tc := range cases {
		for _, masked := range []bool{false, true} {
			name := strconv.FormatInt(tc.length, 10) + "/unmasked"
			if masked {
				name = strconv.FormatInt(tc.length, 10) + "/masked"
			}
			t.Run(name, func(t *testing.T) {
				h := Header{Fin: true, Opcode: OpBinary, Masked: masked, Length: tc.length}
				if masked {
					h.Key = [4]byte{1, 2, 3, 4}
				}
				want := tc.wantSize
				if masked {
					want += 4
				}
				b := h.Append(nil)
				if len(b) != want || h.Size() != want {
					t.Fatalf("len(Append) = %d, Size = %d, want %d", len(b), h.Size(), want)
				}
				if b[1]&0x7F != tc.len7 {
					t.Errorf("7-bit length field = %d, want %d (minimal encoding, §5.2)", b[1]&0x7F, tc.len7)
				}
				if (b[1]&0x80 != 0) != masked {
					t.Errorf("mask bit = %v, want %v", b[1]&0x80 != 0, masked)
				}
				got, n, err := ParseHeader(b)
				if err != nil || n != want {
					t.Fatalf("ParseHeader = n %d, err %v; want %d, nil", n, err, want)
				}
				if diff := cmp.Diff(h, got); diff != "" {
					t.Errorf("round trip (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestParseHeaderNeedMore(t *testing.T) {
	for _, tc := range rfcExamples {
		t.Run(tc.name, func(t *testing.T) {
			for i := 0; i < tc.n; i++ {
				h, n, err := ParseHeader(tc.wire[:i])
				if n != 0 || err != nil || h != (Header{}) {
					t.Fatalf("ParseHeader(%d of %d bytes) = %+v, %d, %v; want zero, 0, nil", i, tc.n, h, n, err)
				}
			}
		})
	}
}

func TestParseHeaderLengths(t *testing.T) {
	cases := []struct {
		name    string
		in      []byte
		wantLen int64
		wantN   int
		wantErr error
	}{
		{"64-bit MSB set is an error (§5.2)", []byte{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}, 0, 0, ErrLengthOverflow},
		{"64-bit all ones is an error (§5.2)", []byte{0x82, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, 0, 0, ErrLengthOverflow},
		{"64-bit MSB set, masked", []byte{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}, 0, 0, ErrLengthOverflow},
		{"64-bit max 2^63-1", []byte{0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, math.MaxInt64, 10, nil},
		{"non-minimal 16-bit length accepted", []byte{0x82, 0x7E, 0x00, 0x05}, 5, 4, nil},
		{"non-minimal 64-bit length accepted", []byte{0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0x00, 0x7E}, 126, 10, nil},
		{"trailing bytes are not consumed", []byte{0x81, 0x01, 'x', 0x81}, 1, 2, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, n, err := ParseHeader(tc.in)
			if err != tc.wantErr || n != tc.wantN || h.Length != tc.wantLen {
				t.Fatalf("ParseHeader = length %d, n %d, err %v; want %d, %d, %v", h.Length, n, err, tc.wantLen, tc.wantN, tc.wantErr)
			}
		})
	}
}

func TestParseHeaderBits(t *testing.T) {
	// Every bit of byte 0 survives parse and append.
	for b0 := 0; b0 < 256; b0++ {
		in := []byte{byte(b0), 0x00}
		h, n, err := ParseHeader(in)
		if err != nil || n != 2 {
			t.Fatalf("b0 %#x: n %d err %v", b0, n, err)
		}
		if h.Fin != (b0&0x80 != 0) || h.Rsv != byte(b0)&0x70 || h.Opcode != Opcode(b0&0x0F) {
			t.Fatalf("b0 %#x: parsed %+v", b0, h)
		}
		if out := h.Append(nil); !bytes.Equal(out, in) {
			t.Fatalf("b0 %#x: Append = % x", b0, out)
		}
	}
}

func TestAppendIgnoresOutOfRangeFields(t *testing.T) {
	h := Header{Fin: true, Rsv: 0xFF, Opcode: 0xF1, Length: -5}
	got := h.Append(nil)
	want := []byte{0x80 | 0x70 | 0x01, 0x00}
	if !bytes.Equal(got, want) {
		t.Fatalf("Append = % x, want % x", got, want)
	}
	if h.Size() != len(got) {
		t.Fatalf("Size = %d, len(Append) = %d", h.Size(), len(got))
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	dst := []byte("prefix")
	got := Header{Fin: true, Opcode: OpText, Length: 300}.Append(dst)
	if !bytes.HasPrefix(got, []byte("prefix")) || len(got) != len("prefix")+4 {
		t.Fatalf("Append(dst) = %q", got)
	}
}

func TestValidate(t *testing.T) {
	masked := func(h Header) Header { h.Masked = true; h.Key = [4]byte{9, 9, 9, 9}; return h }
	text := Header{Fin: true, Opcode: OpText, Length: 10}
	cases := []struct {
		name       string
		h          Header
		allowedRsv byte
		server     error // receiver Server, frame masked as a client must
		client     error // receiver Client, frame unmasked as a server must
	}{
		{"text ok", text, 0, nil, nil},
		{"binary ok", Header{Fin: true, Opcode: OpBinary, Length: 1 << 40}, 0, nil, nil},
		{"continuation ok", Header{Opcode: OpContinuation}, 0, nil, nil},
		{"text not final ok", Header{Opcode: OpText}, 0, nil, nil},
		{"close ok", Header{Fin: true, Opcode: OpClose, Length: 2}, 0, nil, nil},
		{"ping 125 ok (§5.5)", Header{Fin: true, Opcode: OpPing, Length: 125}, 0, nil, nil},
		{"pong 0 ok", Header{Fin: true, Opcode: OpPong}, 0, nil, nil},
		{"reserved opcode 0x3 (§5.2)", Header{Fin: true, Opcode: 0x3}, 0, ErrReservedOpcode, ErrReservedOpcode},
		{"reserved opcode 0x7 (§5.2)", Header{Fin: true, Opcode: 0x7}, 0, ErrReservedOpcode, ErrReservedOpcode},
		{"reserved opcode 0xB (§5.2)", Header{Fin: true, Opcode: 0xB}, 0, ErrReservedOpcode, ErrReservedOpcode},
		{"reserved opcode 0xF (§5.2)", Header{Fin: true, Opcode: 0xF}, 0, ErrReservedOpcode, ErrReservedOpcode},
		{"reserved opcode beats RSV (§5.2)", Header{Fin: true, Opcode: 0x4, Rsv: RSV1}, 0, ErrReservedOpcode, ErrReservedOpcode},
		{"RSV1 without extension (§5.2)", Header{Fin: true, Opcode: OpText, Rsv: RSV1}, 0, ErrReservedBits, ErrReservedBits},
		{"RSV2 without extension (§5.2)", Header{Fin: true, Opcode: OpText, Rsv: RSV2}, 0, ErrReservedBits, ErrReservedBits},
		{"RSV3 without extension (§5.2)", Header{Fin: true, Opcode: OpText, Rsv: RSV3}, 0, ErrReservedBits, ErrReservedBits},
		{"RSV1 with deflate ok (RFC 7692)", Header{Fin: true, Opcode: OpText, Rsv: RSV1}, RSV1, nil, nil},
		{"RSV2 with only RSV1 allowed", Header{Fin: true, Opcode: OpText, Rsv: RSV1 | RSV2}, RSV1, ErrReservedBits, ErrReservedBits},
		{"all RSV allowed", Header{Fin: true, Opcode: OpBinary, Rsv: RSV1 | RSV2 | RSV3}, RSV1 | RSV2 | RSV3, nil, nil},
		{"ping 126 too long (§5.5)", Header{Fin: true, Opcode: OpPing, Length: 126}, 0, ErrControlTooLong, ErrControlTooLong},
		{"close 2^40 too long (§5.5)", Header{Fin: true, Opcode: OpClose, Length: 1 << 40}, 0, ErrControlTooLong, ErrControlTooLong},
		{"pong fragmented (§5.5)", Header{Opcode: OpPong, Length: 1}, 0, ErrControlFragmented, ErrControlFragmented},
		{"close fragmented (§5.5)", Header{Opcode: OpClose}, 0, ErrControlFragmented, ErrControlFragmented},
		{"too long beats fragmented", Header{Opcode: OpPing, Length: 200}, 0, ErrControlTooLong, ErrControlTooLong},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := masked(tc.h).Validate(Server, tc.allowedRsv); err != tc.server {
				t.Errorf("server receiving masked: Validate = %v, want %v", err, tc.server)
			}
			if err := tc.h.Validate(Client, tc.allowedRsv); err != tc.client {
				t.Errorf("client receiving unmasked: Validate = %v, want %v", err, tc.client)
			}
			// The mask rule (§5.1) applies to every otherwise valid frame.
			wantServer, wantClient := tc.server, tc.client
			if wantServer == nil {
				wantServer = ErrUnmasked
			}
			if wantClient == nil {
				wantClient = ErrMasked
			}
			if err := tc.h.Validate(Server, tc.allowedRsv); err != wantServer {
				t.Errorf("server receiving unmasked: Validate = %v, want %v", err, wantServer)
			}
			if err := masked(tc.h).Validate(Client, tc.allowedRsv); err != wantClient {
				t.Errorf("client receiving masked: Validate = %v, want %v", err, wantClient)
			}
		})
	}
}

func TestCheckLimit(t *testing.T) {
	cases := []struct {
		name   string
		length int64
		limit  int64
		want   error
	}{
		{"under", 10, 11, nil},
		{"equal", 11, 11, nil},
		{"over", 12, 11, ErrTooBig},
		{"zero limit, empty frame", 0, 0, nil},
		{"zero limit, one byte", 1, 0, ErrTooBig},
		{"unlimited", math.MaxInt64, -1, nil},
		{"huge declared length", math.MaxInt64, 16 << 20, ErrTooBig},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Header{Length: tc.length}.CheckLimit(tc.limit)
			if err != tc.want {
				t.Fatalf("CheckLimit = %v, want %v", err, tc.want)
			}
			var fe *Error
			if err != nil && (!errors.As(err, &fe) || fe.Code != CloseTooBig) {
				t.Fatalf("CheckLimit error %v does not carry 1009", err)
			}
		})
	}
}

func TestReadHeaderStream(t *testing.T) {
	var stream []byte
	var want []Header
	for _, tc := range rfcExamples {
		stream = append(stream, tc.wire[:tc.n]...)
		want = append(want, tc.header)
	}
	readers := map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(stream) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(stream)) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(stream)) },
		"data EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(stream)) },
	}
	for name, mk := range readers {
		t.Run(name, func(t *testing.T) {
			br := bufio.NewReaderSize(mk(), 16)
			var got []Header
			for {
				h, err := ReadHeader(br)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("ReadHeader after %d headers: %v", len(got), err)
				}
				got = append(got, h)
				if len(got) > len(want) {
					t.Fatal("more headers than written")
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadHeaderErrors(t *testing.T) {
	boom := errors.New("boom")
	overflow := []byte{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}
	cases := []struct {
		name         string
		r            io.Reader
		want         error
		wantBuffered int // bytes left in the bufio.Reader afterwards
	}{
		{"empty is EOF", bytes.NewReader(nil), io.EOF, 0},
		{"one byte is unexpected EOF", bytes.NewReader([]byte{0x81}), io.ErrUnexpectedEOF, 1},
		{"truncated extended length", bytes.NewReader([]byte{0x82, 0x7E, 0x01}), io.ErrUnexpectedEOF, 3},
		{"truncated key", bytes.NewReader([]byte{0x81, 0x85, 1, 2, 3}), io.ErrUnexpectedEOF, 5},
		{"read error passes through", iotest.ErrReader(boom), boom, 0},
		{"read error mid header", io.MultiReader(bytes.NewReader([]byte{0x81}), iotest.ErrReader(boom)), boom, 1},
		{"length overflow consumes nothing", bytes.NewReader(overflow), ErrLengthOverflow, len(overflow)},
		{"length overflow, buffered beyond the header", bytes.NewReader(append(overflow, 1, 2, 3, 4, 5, 6)), ErrLengthOverflow, len(overflow) + 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			br := bufio.NewReader(tc.r)
			// Run twice: first with nothing buffered (slow path), then, for the
			// cases where bytes stay buffered, through the fast path.
			h, err := ReadHeader(br)
			if err != tc.want || h != (Header{}) {
				t.Fatalf("ReadHeader = %+v, %v; want zero, %v", h, err, tc.want)
			}
			h, err = ReadHeader(br)
			if tc.want == boom || tc.want == io.EOF {
				return // a bufio.Reader reports a read error once
			}
			if err != tc.want || h != (Header{}) {
				t.Fatalf("ReadHeader = %+v, %v; want zero, %v", h, err, tc.want)
			}
			if br.Buffered() != tc.wantBuffered {
				t.Fatalf("Buffered = %d, want %d", br.Buffered(), tc.wantBuffered)
			}
		})
	}
}

// cycleReader yields the same bytes forever without allocating.
type cycleReader struct {
	p   []byte
	off int
}

func (c *cycleReader) Read(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k := copy(b[n:], c.p[c.off:])
		n += k
		c.off = (c.off + k) % len(c.p)
	}
	return n, nil
}

func TestNoAllocs(t *testing.T) {
	hdrs := []Header{
		{Fin: true, Opcode: OpText, Length: 5},
		{Fin: true, Opcode: OpBinary, Length: 300, Masked: true, Key: rfcKey},
		{Fin: true, Opcode: OpBinary, Length: 1 << 20, Masked: true, Key: rfcKey},
	}
	for _, h := range hdrs {
		enc := h.Append(nil)
		buf := make([]byte, 0, MaxHeaderSize)
		br := bufio.NewReader(&cycleReader{p: enc})
		var sink Header
		checks := map[string]func(){
			"ParseHeader":  func() { sink, _, _ = ParseHeader(enc) },
			"ReadHeader":   func() { sink, _ = ReadHeader(br) },
			"Append":       func() { buf = h.Append(buf[:0]) },
			"Size":         func() { _ = h.Size() },
			"Validate":     func() { _ = h.Validate(Server, RSV1) },
			"Validate err": func() { _ = h.Validate(Client, 0) },
			"CheckLimit":   func() { _ = h.CheckLimit(10) },
		}
		for name, f := range checks {
			if a := testing.AllocsPerRun(100, f); a != 0 {
				t.Errorf("%s(%d bytes): %v allocs, want 0", name, len(enc), a)
			}
		}
		if sink != h {
			t.Errorf("last parse = %+v, want %+v", sink, h)
		}
	}
}

func TestHeaderSize(t *testing.T) {
	cases := []struct {
		name string
		b1   byte
		want int
	}{
		{"7-bit 0", 0x00, 2},
		{"7-bit 125", 0x7D, 2},
		{"16-bit", 0x7E, 4},
		{"64-bit", 0x7F, 10},
		{"masked 7-bit", 0x80, 6},
		{"masked 7-bit 125", 0xFD, 6},
		{"masked 16-bit", 0xFE, 8},
		{"masked 64-bit", 0xFF, MaxHeaderSize},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, b0 := range []byte{0x00, 0x81, 0xFF} { // byte 0 never matters
				if got := HeaderSize(b0, tc.b1); got != tc.want {
					t.Fatalf("HeaderSize(%#x, %#x) = %d, want %d", b0, tc.b1, got, tc.want)
				}
			}
		})
	}
}
