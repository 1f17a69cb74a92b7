package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"unicode/utf8"
)

// chatName's output is always printable, valid UTF-8 and short, whatever it is given.
func FuzzChatName(f *testing.F) {
	for _, s := range []string{"", "ann", " bob ", "\x00\xff", strings.Repeat("界", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := chatName(s)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > 24 {
			t.Fatalf("chatName(%q) = %q", s, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("chatName(%q) = %q keeps a control character", s, got)
			}
		}
	})
}

// A client input line decodes to what was encoded: hex (any spacing, any case) and
// base64 round-trip, and a line that is not valid in the format is an error, never a
// panic.
func FuzzEncode(f *testing.F) {
	for _, b := range [][]byte{nil, {0}, []byte("hello"), {0xff, 0xfe, 0x10}} {
		f.Add(b, "")
	}
	f.Add([]byte{}, "zz")
	f.Add([]byte{}, "AA==\n")
	f.Fuzz(func(t *testing.T, p []byte, junk string) {
		hexLine := strings.ToUpper(hex.EncodeToString(p))
		if len(hexLine) > 2 {
			hexLine = hexLine[:2] + " \t" + hexLine[2:]
		}
		for _, tt := range []struct{ format, line string }{
			{"hex", hexLine},
			{"base64", base64.StdEncoding.EncodeToString(p)},
			{"raw", string(p)},
		} {
			cf := &clientFlags{binary: true, format: tt.format}
			m, err := cf.encode(tt.line)
			if err != nil || !bytes.Equal(m.p, p) {
				t.Fatalf("%s %q: %v %x, want %x", tt.format, tt.line, err, m.p, p)
			}
			_, _ = cf.encode(junk) // an error or a payload, no panic
		}
	})
}
