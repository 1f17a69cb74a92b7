package frame

import (
	"encoding/binary"
	"strconv"

	"github.com/duplexws/duplex/utf8"
)

// CloseCode is the status code of a close frame (RFC 6455 §7.4).
type CloseCode uint16

// Close codes defined by RFC 6455 §7.4.1 and registered with IANA (§11.7).
const (
	CloseNormal             CloseCode = 1000
	CloseGoingAway          CloseCode = 1001
	CloseProtocolError      CloseCode = 1002
	CloseUnsupportedData    CloseCode = 1003
	CloseNoStatus           CloseCode = 1005 // never on the wire: the close frame had no code
	CloseAbnormal           CloseCode = 1006 // never on the wire: the connection dropped
	CloseInvalidPayload     CloseCode = 1007
	ClosePolicyViolation    CloseCode = 1008
	CloseTooBig             CloseCode = 1009
	CloseMandatoryExtension CloseCode = 1010
	CloseInternalError      CloseCode = 1011
	CloseServiceRestart     CloseCode = 1012
	CloseTryAgainLater      CloseCode = 1013
	CloseBadGateway         CloseCode = 1014
	CloseTLSHandshake       CloseCode = 1015 // never on the wire: the TLS handshake failed
)

// MaxCloseReason is the longest close reason that fits in a control frame: 125 bytes of
// payload minus the 2-byte code (RFC 6455 §5.5).
const MaxCloseReason = MaxControlPayload - 2

// ValidOnWire reports whether c may be sent in, and accepted from, a close frame:
// 1000–1003, 1007–1014 (defined or registered) and 3000–4999 (libraries, frameworks and
// applications). 0–999, 1004 (reserved), 1005, 1006, 1015 (reserved for local use only),
// the unassigned 1016–2999 and 5000 and above are not (RFC 6455 §7.4.1, §7.4.2).
func (c CloseCode) ValidOnWire() bool {
	switch {
	case c >= 1000 && c <= 1003:
		return true
	case c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

var closeNames = [...]string{
	CloseNormal - 1000:             "normal closure",
	CloseGoingAway - 1000:          "going away",
	CloseProtocolError - 1000:      "protocol error",
	CloseUnsupportedData - 1000:    "unsupported data",
	1004 - 1000:                    "",
	CloseNoStatus - 1000:           "no status received",
	CloseAbnormal - 1000:           "abnormal closure",
	CloseInvalidPayload - 1000:     "invalid payload data",
	ClosePolicyViolation - 1000:    "policy violation",
	CloseTooBig - 1000:             "message too big",
	CloseMandatoryExtension - 1000: "mandatory extension",
	CloseInternalError - 1000:      "internal error",
	CloseServiceRestart - 1000:     "service restart",
	CloseTryAgainLater - 1000:      "try again later",
	CloseBadGateway - 1000:         "bad gateway",
	CloseTLSHandshake - 1000:       "TLS handshake failure",
}

// String returns the code's name followed by its number, "normal closure (1000)", or
// "close code N" for a code without a name.
func (c CloseCode) String() string {
	if c >= 1000 && int(c-1000) < len(closeNames) && closeNames[c-1000] != "" {
		return closeNames[c-1000] + " (" + strconv.Itoa(int(c)) + ")"
	}
	return "close code " + strconv.Itoa(int(c))
}

// ParseClose decodes the payload of a close frame (RFC 6455 §5.5.1). An empty payload
// gives CloseNoStatus and no error. A 1-byte payload or one over 125 bytes is
// ErrBadClosePayload (1002); a code that is not ValidOnWire is ErrBadCloseCode (1002); a
// reason that is not valid UTF-8 is ErrCloseReasonUTF8 (1007). The payload must already
// be unmasked. The reason is copied into a new string (no allocation when it is empty).
func ParseClose(p []byte) (code CloseCode, reason string, err error) {
	switch {
	case len(p) == 0:
		return CloseNoStatus, "", nil
	case len(p) == 1, len(p) > MaxControlPayload:
		// RFC 6455 §5.5.1: the body, if any, starts with a 2-byte code; §5.5: ≤ 125 bytes.
		return 0, "", ErrBadClosePayload
	}
	code = CloseCode(binary.BigEndian.Uint16(p))
	if !code.ValidOnWire() {
		// RFC 6455 §7.4.1, §7.4.2: 1005, 1006, 1015 and unassigned codes never appear.
		return 0, "", ErrBadCloseCode
	}
	r := p[2:]
	if !utf8.Valid(r) {
		// RFC 6455 §5.5.1: the reason is UTF-8; §8.1: invalid UTF-8 fails with 1007.
		return 0, "", ErrCloseReasonUTF8
	}
	if len(r) > 0 {
		reason = string(r)
	}
	return code, reason, nil
}

// AppendClose appends the payload of a close frame with code and reason to dst.
// CloseNoStatus with an empty reason appends nothing (a close frame without a body,
// §5.5.1). It does not truncate: a code that is not ValidOnWire (CloseNoStatus with a
// reason included) is ErrBadCloseCode, a reason over MaxCloseReason bytes is
// ErrCloseReasonTooLong and a reason that is not valid UTF-8 is ErrCloseReasonUTF8; dst
// is returned unchanged with the error. It allocates only if dst lacks capacity.
func AppendClose(dst []byte, code CloseCode, reason string) ([]byte, error) {
	if code == CloseNoStatus && reason == "" {
		return dst, nil
	}
	if !code.ValidOnWire() {
		return dst, ErrBadCloseCode
	}
	if len(reason) > MaxCloseReason {
		return dst, ErrCloseReasonTooLong
	}
	// The bytes are only read, never written or retained.
	if !utf8.ValidString(reason) {
		return dst, ErrCloseReasonUTF8
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	return append(dst, reason...), nil
}
