package fuzz

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seed is a named peer byte stream for the connection targets.
type seed struct {
	name string
	in   []byte
}

var rfcKey = []byte{0x37, 0xfa, 0x21, 0x3d} // the masking key of RFC 6455 §5.7

// seedStreams returns the interesting streams, with every frame masked with key (nil: not
// masked), so each can be made right for either role.
func seedStreams(key []byte) []seed {
	f := func(fin bool, op byte, p []byte) []byte { return frameBytes(fin, 0, op, key, p, 0) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	closeF := func(code uint16, reason string) []byte { return f(true, 8, closePayload(code, reason)) }
	bye := closeF(1000, "bye")
	big := bytes.Repeat([]byte{0xab}, 256)
	var tiny [][]byte
	tiny = append(tiny, f(false, 1, []byte("a")))
	for i := 0; i < 200; i++ {
		tiny = append(tiny, f(false, 0, []byte{'b'}))
	}
	tiny = append(tiny, f(true, 0, nil), bye)
	var pings [][]byte
	for i := 0; i < 20; i++ {
		pings = append(pings, f(true, 9, []byte{byte(i)}))
	}
	pings = append(pings, f(true, 1, []byte("after")), bye)
	huge := func(n uint64) []byte {
		b := []byte{0x82, 127, byte(n >> 56), byte(n >> 48), byte(n >> 40), byte(n >> 32),
			byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
		if key != nil {
			b[1] |= 0x80
			b = append(b, key...)
		}
		return append(b, 1, 2, 3)
	}
	return []seed{
		{"empty", nil},
		{"rfc-hello", cat(f(true, 1, []byte("Hello")), bye)},
		{"rfc-fragmented-hello", cat(f(false, 1, []byte("Hel")), f(true, 0, []byte("lo")), bye)},
		{"rfc-ping-pong", cat(f(true, 9, []byte("Hello")), f(true, 10, []byte("Hello")), bye)},
		{"rfc-256-binary", cat(f(true, 2, big), bye)},
		{"rfc-64k-binary", cat(f(true, 2, bytes.Repeat([]byte{7}, 65536)), bye)},
		{"ping-between-fragments", cat(f(false, 1, []byte("frag")), f(true, 9, []byte("p")),
			f(false, 0, []byte("ment")), f(true, 10, nil), f(true, 0, []byte("ed")), bye)},
		{"close-empty", f(true, 8, nil)},
		{"close-1-byte", f(true, 8, []byte{3})},
		{"close-1005", closeF(1005, "")},
		{"close-999", closeF(999, "")},
		{"close-1004", closeF(1004, "")},
		{"close-1014", closeF(1014, "")},
		{"close-3000", closeF(3000, "app")},
		{"close-4999", closeF(4999, "")},
		{"close-5000", closeF(5000, "")},
		{"close-bad-reason", closeF(1000, "\xff\xfe")},
		{"close-then-data", cat(bye, f(true, 1, []byte("ignored")), []byte{0xff, 0xff})},
		{"text-invalid", cat(f(true, 1, []byte("a\xffb")), bye)},
		{"text-split-code-point", cat(f(false, 1, []byte("\xe2\x82")), f(true, 0, []byte("\xac")), bye)},
		{"text-ends-mid-code-point", cat(f(false, 1, []byte("ok")), f(true, 0, []byte("\xe2\x82")), bye)},
		{"text-fail-fast", cat(f(false, 1, []byte("\xf4\x90")), f(true, 0, []byte("\x80\x80")), bye)},
		{"text-surrogate", cat(f(true, 1, []byte("\xed\xa0\x80")), bye)},
		{"text-overlong", cat(f(true, 1, []byte("\xc0\xaf")), bye)},
		{"text-truncated-valid", f(true, 1, []byte("abc"))[:5]},
		{"length-2^63-1", huge(1<<63 - 1)},
		{"length-msb-set", huge(1 << 63)},
		{"length-2^32", huge(1 << 32)},
		{"reserved-opcode-3", cat(f(true, 3, nil), bye)},
		{"reserved-opcode-b", cat(f(true, 0xb, nil), bye)},
		{"rsv1", cat(frameBytes(true, 0x40, 1, key, []byte("x"), 0), bye)},
		{"rsv3", cat(frameBytes(true, 0x10, 2, key, []byte("x"), 0), bye)},
		{"continuation-first", cat(f(true, 0, []byte("x")), bye)},
		{"new-message-mid-message", cat(f(false, 1, []byte("a")), f(true, 1, []byte("b")), bye)},
		{"ping-126", cat(frameBytes(true, 0, 9, key, make([]byte, 126), 0), bye)},
		{"ping-fragmented", cat(f(false, 9, nil), bye)},
		{"non-minimal-length-16", cat(frameBytes(true, 0, 1, key, []byte("short"), 126), bye)},
		{"non-minimal-length-64", cat(frameBytes(true, 0, 2, key, []byte("short"), 127), bye)},
		{"tiny-fragments", cat(tiny...)},
		{"ping-flood", cat(pings...)},
		{"message-then-garbage", cat(f(true, 2, []byte{1, 2, 3}), []byte{0x0f, 0x0f, 0x0f})},
		{"limit-64-exact", cat(f(true, 2, make([]byte, 64)), f(false, 2, make([]byte, 60)),
			f(true, 0, make([]byte, 5)), bye)},
		{"header-truncated", f(true, 2, make([]byte, 300))[:3]},
		{"empty-messages", cat(f(true, 1, nil), f(true, 2, nil), f(false, 2, nil), f(true, 0, nil), bye)},
	}
}

// modes are the role/stream/limit/chunking combinations every seed is added with.
var seedModes = []uint8{0x00, 0x01, 0x02, 0x03, 0x34, 0x35, 0x5e, 0x7f, 0xa8, 0xf1}

// TestWriteSeedCorpus writes the seeds to testdata/fuzz/FuzzConnRead (run it with
// DUPLEX_WRITE_CORPUS=1 after changing seedStreams); without the variable it checks that
// the corpus on disk holds one file per seed and role, so the two cannot drift apart.
func TestWriteSeedCorpus(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzConnRead")
	write := os.Getenv("DUPLEX_WRITE_CORPUS") != ""
	for _, masked := range []bool{true, false} {
		var key []byte
		mode := uint8(0x01) // client: receives unmasked frames
		suffix := "to-client"
		if masked {
			key, mode, suffix = rfcKey, 0x00, "to-server"
		}
		for _, s := range seedStreams(key) {
			name := filepath.Join(dir, s.name+"-"+suffix)
			want := corpusFile(s.in, mode)
			if write {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("%v (regenerate with DUPLEX_WRITE_CORPUS=1)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s differs from seedStreams (regenerate with DUPLEX_WRITE_CORPUS=1)", name)
			}
		}
	}
}

// corpusFile encodes one input of FuzzConnRead in the go test fuzz v1 format.
func corpusFile(in []byte, mode uint8) []byte {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	fmt.Fprintf(&b, "[]byte(%q)\n", in)
	fmt.Fprintf(&b, "byte(%q)\n", mode)
	return []byte(b.String())
}
