package frame

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestValidOnWire(t *testing.T) {
	// RFC 6455 §7.4.1, §7.4.2 and the IANA registry (1012–1014). Autobahn 7.7.x sends
	// valid codes, 7.9.x invalid ones (0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999).
	valid := map[CloseCode]bool{}
	for c := 1000; c <= 1003; c++ {
		valid[CloseCode(c)] = true
	}
	for c := 1007; c <= 1014; c++ {
		valid[CloseCode(c)] = true
	}
	for c := 3000; c <= 4999; c++ {
		valid[CloseCode(c)] = true
	}
	for c := 0; c <= 0xFFFF; c++ {
		if got := CloseCode(c).ValidOnWire(); got != valid[CloseCode(c)] {
			t.Fatalf("CloseCode(%d).ValidOnWire() = %v, want %v", c, got, valid[CloseCode(c)])
		}
	}
	named := []struct {
		c    CloseCode
		want bool
	}{
		{CloseNormal, true}, {CloseGoingAway, true}, {CloseProtocolError, true},
		{CloseUnsupportedData, true}, {CloseNoStatus, false}, {CloseAbnormal, false},
		{CloseInvalidPayload, true}, {ClosePolicyViolation, true}, {CloseTooBig, true},
		{CloseMandatoryExtension, true}, {CloseInternalError, true},
		{CloseServiceRestart, true}, {CloseTryAgainLater, true}, {CloseBadGateway, true},
		{CloseTLSHandshake, false}, {1004, false}, {999, false}, {1016, false},
		{2999, false}, {3000, true}, {4999, true}, {5000, false},
	}
	for _, tc := range named {
		t.Run(tc.c.String(), func(t *testing.T) {
			if got := tc.c.ValidOnWire(); got != tc.want {
				t.Fatalf("ValidOnWire = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCloseCodeString(t *testing.T) {
	cases := []struct {
		c    CloseCode
		want string
	}{
		{CloseNormal, "normal closure (1000)"},
		{CloseProtocolError, "protocol error (1002)"},
		{CloseNoStatus, "no status received (1005)"},
		{CloseTooBig, "message too big (1009)"},
		{CloseTLSHandshake, "TLS handshake failure (1015)"},
		{1004, "close code 1004"},
		{1016, "close code 1016"},
		{4000, "close code 4000"},
		{0, "close code 0"},
		{999, "close code 999"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.c.String(); got != tc.want {
				t.Fatalf("String = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseClose(t *testing.T) {
	long := strings.Repeat("r", MaxCloseReason)
	cases := []struct {
		name       string
		in         []byte
		wantCode   CloseCode
		wantReason string
		wantErr    *Error
	}{
		{"empty is no status (§5.5.1)", nil, CloseNoStatus, "", nil},
		{"code only", []byte{0x03, 0xE8}, CloseNormal, "", nil},
		{"code and reason", []byte{0x03, 0xE9, 'b', 'y', 'e'}, CloseGoingAway, "bye", nil},
		{"private code 4999", []byte{0x13, 0x87}, 4999, "", nil},
		{"registered code 1012", []byte{0x03, 0xF4}, CloseServiceRestart, "", nil},
		{"reason 123 bytes (§5.5)", append([]byte{0x03, 0xE8}, long...), CloseNormal, long, nil},
		{"multi-byte UTF-8 reason", append([]byte{0x0B, 0xB8}, "κόσμε"...), 3000, "κόσμε", nil},
		{"one byte (§5.5.1)", []byte{0x03}, 0, "", ErrBadClosePayload},
		{"126 bytes (§5.5)", append([]byte{0x03, 0xE8}, long+"x"...), 0, "", ErrBadClosePayload},
		{"code 0 (§7.4.2)", []byte{0x00, 0x00}, 0, "", ErrBadCloseCode},
		{"code 999 (§7.4.2)", []byte{0x03, 0xE7}, 0, "", ErrBadCloseCode},
		{"code 1004 reserved (§7.4.1)", []byte{0x03, 0xEC}, 0, "", ErrBadCloseCode},
		{"code 1005 never on wire (§7.4.1)", []byte{0x03, 0xED}, 0, "", ErrBadCloseCode},
		{"code 1006 never on wire (§7.4.1)", []byte{0x03, 0xEE}, 0, "", ErrBadCloseCode},
		{"code 1015 never on wire (§7.4.1)", []byte{0x03, 0xF7}, 0, "", ErrBadCloseCode},
		{"code 1016 unassigned", []byte{0x03, 0xF8}, 0, "", ErrBadCloseCode},
		{"code 2999 unassigned", []byte{0x0B, 0xB7}, 0, "", ErrBadCloseCode},
		{"code 5000", []byte{0x13, 0x88}, 0, "", ErrBadCloseCode},
		{"code 65535", []byte{0xFF, 0xFF}, 0, "", ErrBadCloseCode},
		{"bad code beats bad UTF-8", []byte{0x03, 0xED, 0xFF}, 0, "", ErrBadCloseCode},
		// Autobahn 7.5.1: a reason with an encoded surrogate.
		{"surrogate in reason (§8.1)", append([]byte{0x03, 0xE8}, 0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64), 0, "", ErrCloseReasonUTF8},
		{"truncated code point", []byte{0x03, 0xE8, 0xE2, 0x82}, 0, "", ErrCloseReasonUTF8},
		{"overlong", []byte{0x03, 0xE8, 0xC0, 0xAF}, 0, "", ErrCloseReasonUTF8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, reason, err := ParseClose(tc.in)
			if tc.wantErr != nil {
				if err != tc.wantErr || code != 0 || reason != "" {
					t.Fatalf("ParseClose = %v, %q, %v; want 0, \"\", %v", code, reason, err, tc.wantErr)
				}
				return
			}
			if err != nil || code != tc.wantCode || reason != tc.wantReason {
				t.Fatalf("ParseClose = %v, %q, %v; want %v, %q, nil", code, reason, err, tc.wantCode, tc.wantReason)
			}
		})
	}
}

func TestAppendClose(t *testing.T) {
	cases := []struct {
		name    string
		code    CloseCode
		reason  string
		want    []byte
		wantErr error
	}{
		{"no status is empty (§5.5.1)", CloseNoStatus, "", []byte{}, nil},
		{"normal", CloseNormal, "", []byte{0x03, 0xE8}, nil},
		{"with reason", CloseGoingAway, "bye", []byte{0x03, 0xE9, 'b', 'y', 'e'}, nil},
		{"reason of 123 bytes", 4000, strings.Repeat("a", 123), append([]byte{0x0F, 0xA0}, strings.Repeat("a", 123)...), nil},
		{"reason of 124 bytes", 4000, strings.Repeat("a", 124), nil, ErrCloseReasonTooLong},
		{"no status with a reason", CloseNoStatus, "x", nil, ErrBadCloseCode},
		{"1006 never on wire", CloseAbnormal, "", nil, ErrBadCloseCode},
		{"1015 never on wire", CloseTLSHandshake, "", nil, ErrBadCloseCode},
		{"code 0", 0, "", nil, ErrBadCloseCode},
		{"code 5000", 5000, "", nil, ErrBadCloseCode},
		{"invalid UTF-8 reason", CloseNormal, "\xff", nil, ErrCloseReasonUTF8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte("pre")
			got, err := AppendClose(dst, tc.code, tc.reason)
			if err != tc.wantErr {
				t.Fatalf("AppendClose error = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				if string(got) != "pre" {
					t.Fatalf("AppendClose changed dst on error: %q", got)
				}
				return
			}
			if !bytes.Equal(got[3:], tc.want) || string(got[:3]) != "pre" {
				t.Fatalf("AppendClose = % x, want pre + % x", got, tc.want)
			}
			// Round trip through ParseClose.
			code, reason, err := ParseClose(got[3:])
			if err != nil || code != tc.code || reason != tc.reason {
				t.Fatalf("ParseClose(AppendClose) = %v, %q, %v", code, reason, err)
			}
		})
	}
}

func TestCloseAllocs(t *testing.T) {
	buf := make([]byte, 0, MaxControlPayload)
	codeOnly := []byte{0x03, 0xE8}
	withReason := []byte{0x03, 0xE8, 'b', 'y', 'e'}
	cases := []struct {
		name string
		max  float64
		f    func()
	}{
		{"ParseClose empty", 0, func() { _, _, _ = ParseClose(nil) }},
		{"ParseClose code only", 0, func() { _, _, _ = ParseClose(codeOnly) }},
		{"ParseClose reason", 1, func() { _, _, _ = ParseClose(withReason) }},
		{"ParseClose error", 0, func() { _, _, _ = ParseClose([]byte{1}) }},
		{"AppendClose", 0, func() { buf, _ = AppendClose(buf[:0], CloseNormal, "bye") }},
		{"AppendClose error", 0, func() { _, _ = AppendClose(buf[:0], CloseAbnormal, "") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if a := testing.AllocsPerRun(100, tc.f); a > tc.max {
				t.Fatalf("%v allocs, want ≤ %v", a, tc.max)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		err  *Error
		code CloseCode
	}{
		{ErrReservedOpcode, CloseProtocolError},
		{ErrReservedBits, CloseProtocolError},
		{ErrControlTooLong, CloseProtocolError},
		{ErrControlFragmented, CloseProtocolError},
		{ErrUnmasked, CloseProtocolError},
		{ErrMasked, CloseProtocolError},
		{ErrLengthOverflow, CloseProtocolError},
		{ErrTooBig, CloseTooBig},
		{ErrInvalidUTF8, CloseInvalidPayload},
		{ErrUnexpectedContinuation, CloseProtocolError},
		{ErrExpectedContinuation, CloseProtocolError},
		{ErrBadClosePayload, CloseProtocolError},
		{ErrBadCloseCode, CloseProtocolError},
		{ErrCloseReasonUTF8, CloseInvalidPayload},
		{ErrCloseReasonTooLong, CloseProtocolError},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.err.Msg, func(t *testing.T) {
			if tc.err.Code != tc.code {
				t.Errorf("Code = %v, want %v", tc.err.Code, tc.code)
			}
			if !tc.code.ValidOnWire() {
				t.Errorf("Code %v cannot be sent", tc.err.Code)
			}
			msg := tc.err.Error()
			if !strings.HasPrefix(msg, "frame: ") || len(msg) <= len("frame: ") {
				t.Errorf("Error() = %q, want a message prefixed with \"frame: \"", msg)
			}
			if seen[msg] {
				t.Errorf("duplicate message %q", msg)
			}
			seen[msg] = true
			var err error = tc.err
			wrapped := errors.Join(errors.New("context"), err)
			if !errors.Is(wrapped, tc.err) {
				t.Error("errors.Is fails through a wrapper")
			}
			var fe *Error
			if !errors.As(wrapped, &fe) || fe.Code != tc.code {
				t.Errorf("errors.As = %v, %v", fe, fe != nil)
			}
			for _, other := range cases {
				if other.err != tc.err && errors.Is(err, other.err) {
					t.Errorf("errors.Is(%v, %v) = true", err, other.err)
				}
			}
		})
	}
}
