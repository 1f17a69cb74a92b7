package autobahn

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"testing"
)

// FuzzReadFrame: the harness's frame reader never panics or over-allocates on any input,
// and whatever it parses re-encodes to the same octets.
func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("\x81\x05Hello"))
	f.Add([]byte("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"))
	f.Add([]byte("\x82\x7e\x01\x00"))
	f.Add([]byte("\x82\x7f\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("\x88\x02\x03\xe8"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := readFrame(bufio.NewReader(bytes.NewReader(b)), 1<<16)
		if err != nil {
			return
		}
		if fr.length != uint64(len(fr.payload)) {
			t.Fatalf("length %d, payload %d", fr.length, len(fr.payload))
		}
		p := append([]byte(nil), fr.payload...)
		enc := encodeFrame(nil, fr.fin, fr.rsv, fr.op, p, fr.masked, fr.key)
		// Only minimal length encodings round-trip byte for byte.
		if minimal(b) && !bytes.Equal(enc, b[:len(enc)]) {
			t.Fatalf("re-encoded %x, input %x", enc, b[:len(enc)])
		}
	})
}

// minimal reports whether the frame in b uses the shortest length encoding.
func minimal(b []byte) bool {
	switch b[1] & 0x7f {
	case 126:
		return binary.BigEndian.Uint16(b[2:4]) > 125
	case 127:
		return binary.BigEndian.Uint64(b[2:10]) > 0xffff
	}
	return true
}

// FuzzNegotiation: extension parsing and both sides of permessage-deflate negotiation
// never panic on any header value.
func FuzzNegotiation(f *testing.F) {
	f.Add("permessage-deflate; client_max_window_bits")
	f.Add(`permessage-deflate; server_max_window_bits="10", x; y=1`)
	f.Add("permessage-deflate; client_max_window_bits=99,,;")
	f.Fuzz(func(t *testing.T, v string) {
		_ = parseExtensions([]string{v})
		_, _ = clientParams([]string{v}, []pmdOffer{{}, {requestNoContext: true}})
		ans, p := serverAnswer([]string{v}, []pmdAccept{accept5, accept2, accept1})
		if (ans == "") != (p == nil) {
			t.Fatalf("answer %q with params %v", ans, p)
		}
	})
}
