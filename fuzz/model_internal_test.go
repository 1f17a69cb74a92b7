package fuzz

import (
	"fmt"
	"testing"

	"github.com/duplexws/duplex/frame"
)

// TestModel checks the oracle itself on hand-made streams, so a wrong model cannot make
// FuzzConnRead agree with a wrong conn.
func TestModel(t *testing.T) {
	k := rfcKey
	f := func(fin bool, op byte, p string) []byte { return frameBytes(fin, 0, op, k, []byte(p), 0) }
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	tests := []struct {
		name   string
		in     []byte
		role   frame.Role
		limit  int64
		end    endKind
		code   frame.CloseCode
		msgs   int
		pings  int
		pongs  int
		usedAt int // -1: len(in)
	}{
		// RFC 6455 §5.7: "A single-frame masked text message" is exactly these bytes.
		{"rfc-masked-hello", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58},
			frame.Server, -1, endEOF, 1006, 1, 0, 0, -1},
		{"rfc-unmasked-hello-to-client", []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f},
			frame.Client, -1, endEOF, 1006, 1, 0, 0, -1},
		{"rfc-unmasked-hello-to-server", []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f},
			frame.Server, -1, endViolation, 1002, 0, 0, 0, 2},
		{"masked-to-client", f(true, 1, "x"), frame.Client, -1, endViolation, 1002, 0, 0, 0, 6},
		{"close-echo", cat(f(true, 1, "a"), f(true, 8, "\x03\xe8bye"), f(true, 1, "b")),
			frame.Server, -1, endPeerClose, 1000, 1, 0, 0, 18},
		{"close-empty", f(true, 8, ""), frame.Server, -1, endPeerClose, 1005, 0, 0, 0, -1},
		{"close-1-byte", f(true, 8, "\x03"), frame.Server, -1, endViolation, 1002, 0, 0, 0, -1},
		{"close-1006", f(true, 8, "\x03\xee"), frame.Server, -1, endViolation, 1002, 0, 0, 0, -1},
		{"close-reason-utf8", f(true, 8, "\x03\xe8\xff"), frame.Server, -1, endViolation, 1007, 0, 0, 0, -1},
		{"ping-pong", cat(f(true, 9, "a"), f(true, 10, "b")), frame.Server, -1, endEOF, 1006, 0, 1, 1, -1},
		{"ping-mid-message", cat(f(false, 2, "a"), f(true, 9, ""), f(true, 0, "b")),
			frame.Server, -1, endEOF, 1006, 1, 1, 0, -1},
		{"limit-exact", f(true, 2, "12345"), frame.Server, 5, endEOF, 1006, 1, 0, 0, -1},
		{"limit-over-fragments", cat(f(false, 2, "123"), f(true, 0, "456")),
			frame.Server, 5, endViolation, 1009, 0, 0, 0, 15},
		{"limit-declared-only", []byte{0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4},
			frame.Server, 1024, endViolation, 1009, 0, 0, 0, -1},
		{"length-msb", []byte{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4},
			frame.Server, -1, endViolation, 1002, 0, 0, 0, -1},
		{"rsv-before-limit", frameBytes(true, 0x40, 2, k, make([]byte, 9), 0),
			frame.Server, 5, endViolation, 1002, 0, 0, 0, 6},
		{"utf8-fail-fast", cat(f(false, 1, "\xf4\x90"), []byte{0x00}),
			frame.Server, -1, endViolation, 1007, 0, 0, 0, 8},
		{"utf8-truncated-prefix-ok", f(true, 1, "abc\xe2\x82\xac")[:9],
			frame.Server, -1, endEOF, 1006, 0, 0, 0, -1},
		{"utf8-truncated-prefix-bad", f(true, 1, "ab\xffcd")[:9],
			frame.Server, -1, endViolation, 1007, 0, 0, 0, -1},
		{"utf8-ends-mid-code-point", cat(f(false, 1, "\xe2\x82"), f(true, 0, "")),
			frame.Server, -1, endViolation, 1007, 0, 0, 0, -1},
		{"utf8-split-ok", cat(f(false, 1, "\xe2\x82"), f(true, 0, "\xac")),
			frame.Server, -1, endEOF, 1006, 1, 0, 0, -1},
		{"header-truncated", []byte{0x82, 0xfe, 0x01}, frame.Server, -1, endEOF, 1006, 0, 0, 0, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := model(tc.in, tc.role, tc.limit)
			used := tc.usedAt
			if used < 0 {
				used = len(tc.in)
			}
			if o.end != tc.end || o.code != tc.code || len(o.msgs) != tc.msgs ||
				len(o.pings) != tc.pings || len(o.pongs) != tc.pongs || o.used != used {
				t.Fatalf("model = %v code %d (%s), %d msgs, %d pings, %d pongs, used %d; want %v %d, %d, %d, %d, used %d",
					o.end, o.code, o.why, len(o.msgs), len(o.pings), len(o.pongs), o.used,
					tc.end, tc.code, tc.msgs, tc.pings, tc.pongs, used)
			}
		})
	}
}

func TestValidSoFar(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", true}, {"abc", true}, {"\xe2", true}, {"\xe2\x82", true}, {"\xe2\x82\xac", true},
		{"\xe0\x80", false}, {"\xe0\xa0", true}, {"\xed\xa0", false}, {"\xed\x9f", true},
		{"\xf4\x8f", true}, {"\xf4\x90", false}, {"\xf5", false}, {"\xc0", false}, {"\xc2", true},
		{"\x80", false}, {"a\xff", false}, {"\xf0\x90\x80", true}, {"\xf0\x90\x80\x80", true},
		{"\xe2\x82a", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := validSoFar([]byte(tc.in)); got != tc.want {
				t.Fatalf("validSoFar(% x) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestModelDeflate checks the model's permessage-deflate side on the RFC 7692 §7.2.3
// examples and on the faults it must report.
func TestModelDeflate(t *testing.T) {
	byName := map[string][]byte{}
	for _, s := range deflateSeeds(rfcKey) {
		byName[s.name] = s.in
	}
	tests := []struct {
		name      string
		takeover  bool
		limit     int64
		msgs      []string
		end       endKind
		code      frame.CloseCode
		ambiguous bool
	}{
		{"rfc7692-hello", false, 1024, []string{"Hello"}, endPeerClose, 1000, false},
		{"rfc7692-hello-fragmented", false, 1024, []string{"Hello"}, endPeerClose, 1000, false},
		{"rfc7692-shared-window", true, 1024, []string{"Hello", "Hello"}, endPeerClose, 1000, false},
		{"rfc7692-shared-window", false, 1024, []string{"Hello"}, endViolation, 1007, false},
		{"rfc7692-stored-block", false, 1024, []string{"Hello"}, endPeerClose, 1000, false},
		{"rfc7692-two-blocks", false, 1024, []string{"Hello"}, endPeerClose, 1000, false},
		{"rfc7692-bfinal", false, 1024, nil, endViolation, 0, true},
		{"bomb", false, 64 << 10, nil, endViolation, 1009, false},
		{"corrupt", false, 1024, nil, endViolation, 1007, false},
		{"inflated-text-not-utf8", false, 1024, nil, endViolation, 1007, false},
		{"rsv1-on-continuation", false, 1024, nil, endViolation, 1002, false},
		{"rsv1-on-ping", false, 1024, nil, endViolation, 1002, false},
		{"empty-compressed", false, 1024, []string{""}, endViolation, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := modelWith(byName[tc.name], modelCfg{receiver: frame.Server, limit: tc.limit,
				deflate: true, takeover: tc.takeover})
			var msgs []string
			for _, m := range o.msgs {
				msgs = append(msgs, string(m.Data))
			}
			if o.ambiguous != tc.ambiguous || o.ambiguous && len(msgs) != len(tc.msgs) ||
				!o.ambiguous && (o.end != tc.end || o.code != tc.code || fmt.Sprint(msgs) != fmt.Sprint(tc.msgs)) {
				t.Fatalf("model = %v %d (%s) ambiguous %v, messages %q; want %v %d ambiguous %v, %q",
					o.end, o.code, o.why, o.ambiguous, msgs, tc.end, tc.code, tc.ambiguous, tc.msgs)
			}
		})
	}
}
