package fuzz

import (
	"bytes"
	"compress/flate"
	"testing"

	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
)

// zlimits are the read limits (on inflated size) FuzzConnReadDeflate picks from.
var zlimits = [4]int64{64, 1024, 125, 64 << 10}

// zsplits are the read chunkings FuzzConnReadDeflate picks from.
var zsplits = [4]uint8{0, 0x35, 0x5a, 0xe1}

// zMode decodes the mode byte of FuzzConnReadDeflate: bit 0 client, bit 1 streaming,
// bits 2-3 limit, bit 4 the peer compresses with context takeover, bit 5 the Conn does,
// bits 6-7 read chunking.
func zMode(m uint8) run {
	local, peer := frame.Server, frame.Client
	if m&1 != 0 {
		local, peer = peer, local
	}
	peerTakeover, ownTakeover := m&0x10 != 0, m&0x20 != 0
	p := &deflate.Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Threshold: 16}
	if local == frame.Server {
		p.ClientNoContextTakeover, p.ServerNoContextTakeover = !peerTakeover, !ownTakeover
	} else {
		p.ServerNoContextTakeover, p.ClientNoContextTakeover = !peerTakeover, !ownTakeover
	}
	limit := zlimits[(m>>2)&3]
	return run{
		local: local, stream: m&2 != 0, split: zsplits[m>>6], limit: limit, params: p,
		in:  modelCfg{receiver: local, limit: limit, deflate: true, takeover: peerTakeover},
		out: modelCfg{receiver: peer, limit: 1 << 30, deflate: true, takeover: ownTakeover},
	}
}

// FuzzConnReadDeflate is FuzzConnRead with permessage-deflate negotiated (RFC 7692): the
// model inflates compressed messages with compress/flate (context takeover as a preset
// dictionary) and predicts 1007 for corrupt data or inflated text that is not UTF-8, 1009
// past the read limit on the inflated size, 1002 for RSV1 where §6.1 forbids it; conn's
// compressed echoes are inflated back and compared. Allocation stays bounded by the read
// limit whatever the compression ratio.
func FuzzConnReadDeflate(f *testing.F) {
	for _, s := range deflateSeeds(rfcKey) {
		for _, m := range []uint8{0x00, 0x30, 0x12, 0x64, 0xbc, 0xf6} {
			f.Add(s.in, m&^1)
		}
	}
	for _, s := range deflateSeeds(nil) {
		for _, m := range []uint8{0x01, 0x31, 0x13, 0x65, 0xbd, 0xf7} {
			f.Add(s.in, m|1)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		checkRun(t, in, zMode(mode))
	})
}

// compressed returns the permessage-deflate payload of msg (sync flush, tail removed).
func compressed(msg []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestSpeed)
	w.Write(msg)
	w.Flush()
	return bytes.TrimSuffix(b.Bytes(), []byte{0, 0, 0xff, 0xff})
}

// deflateSeeds are compressed streams: the examples of RFC 7692 §7.2.3 and the faults a
// receiver must catch, masked with key (nil: unmasked).
func deflateSeeds(key []byte) []seed {
	z := func(fin bool, op byte, p []byte) []byte { return frameBytes(fin, 0x40, op, key, p, 0) }
	f := func(fin bool, op byte, p []byte) []byte { return frameBytes(fin, 0, op, key, p, 0) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	bye := f(true, 8, closePayload(1000, "bye"))
	hello := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00} // RFC 7692 §7.2.3.1
	json := bytes.Repeat([]byte(`{"id":1,"name":"duplex","tags":["a","b"]},`), 40)
	bomb := compressed(make([]byte, 256<<10))
	return []seed{
		{"rfc7692-hello", cat(z(true, 1, hello), bye)},
		{"rfc7692-hello-fragmented", cat(z(false, 1, hello[:3]), f(true, 0, hello[3:]), bye)},
		{"rfc7692-shared-window", cat(z(true, 1, hello), z(true, 1, []byte{0xf2, 0x00, 0x11, 0x00, 0x00}), bye)},
		{"rfc7692-stored-block", cat(z(true, 1, []byte{0x00, 0x05, 0x00, 0xfa, 0xff, 'H', 'e', 'l', 'l', 'o', 0x00}), bye)},
		{"rfc7692-bfinal", cat(z(true, 1, []byte{0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}), bye)},
		{"rfc7692-two-blocks", cat(z(true, 1, []byte{0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff,
			0xca, 0xc9, 0xc9, 0x07, 0x00}), bye)},
		{"json-binary", cat(z(true, 2, compressed(json)), f(true, 9, []byte("p")), z(true, 2, compressed(json)), bye)},
		{"mixed-compressed-plain", cat(f(true, 1, []byte("plain")), z(true, 1, compressed([]byte("squeezed"))), bye)},
		{"bomb", cat(z(true, 2, bomb), bye)},
		{"corrupt", cat(z(true, 2, []byte{0xff, 0xff, 0xff, 0xff}), bye)},
		{"inflated-text-not-utf8", cat(z(true, 1, compressed([]byte("a\xffb"))), bye)},
		{"inflated-text-split-code-point", cat(z(false, 1, compressed([]byte("\xe2\x82"))[:2]),
			f(true, 0, compressed([]byte("\xe2\x82"))[2:]), bye)},
		{"rsv1-on-continuation", cat(f(false, 2, []byte("a")), z(true, 0, []byte("b")), bye)},
		{"rsv1-on-ping", cat(frameBytes(true, 0x40, 9, key, nil, 0), bye)},
		{"rsv2", cat(frameBytes(true, 0x20, 1, key, []byte("x"), 0), bye)},
		{"empty-compressed", cat(z(true, 1, []byte{0x00}), z(true, 2, nil), bye)}, // §7.2.3.6, then none
		{"compressed-truncated", z(true, 2, compressed(json))[:40]},
		{"ping-inside-compressed", cat(z(false, 1, hello[:2]), f(true, 9, []byte("x")), f(true, 0, hello[2:]), bye)},
	}
}
