package handshake

import (
	"errors"
	"strconv"
	"strings"
)

// Param is one extension parameter: `name` or `name=value` (RFC 6455 §9.1).
// Name is lower-cased by ParseExtensions; Value is the unescaped value, kept as sent.
// HasValue distinguishes `p` from `p=""`.
type Param struct {
	Name     string
	Value    string
	HasValue bool
}

// Extension is one element of a Sec-WebSocket-Extensions list (RFC 6455 §9.1): an
// extension token and its parameters in the order they were sent. Name is lower-cased by
// ParseExtensions because extension tokens compare case-insensitively.
type Extension struct {
	Name   string
	Params []Param
}

// Errors returned by ParseExtensions, wrapped with the position of the fault.
var (
	// ErrExtensionSyntax reports a Sec-WebSocket-Extensions value that does not match the
	// grammar of RFC 6455 §9.1 with the token and quoted-string rules of RFC 7230 §3.2.6.
	ErrExtensionSyntax = errors.New("handshake: malformed Sec-WebSocket-Extensions")
)

// maxExtensionElements bounds the work ParseExtensions does on a hostile header: the number
// of extensions plus parameters it will return. Real offers have a handful.
const maxExtensionElements = 128

// ParseExtensions parses the values of one or more Sec-WebSocket-Extensions header fields
// (as in http.Header["Sec-Websocket-Extensions"]) into extensions, in order.
//
// Grammar (RFC 6455 §9.1, RFC 7230 §3.2.6 and §7):
//
//	extension-list = 1#extension
//	extension      = token *( OWS ";" OWS param )
//	param          = token [ BWS "=" BWS ( token / quoted-string ) ]
//
// Extension and parameter names are lower-cased. A quoted value is unescaped and must then
// be a token (RFC 6455 §9.1). Empty list elements (", ,") are ignored as RFC 7230 §7
// requires; an entirely empty field yields no extensions. Anything else that does not match
// the grammar returns an error wrapping ErrExtensionSyntax, and no extensions.
func ParseExtensions(values []string) ([]Extension, error) {
	var exts []Extension
	count := 0
	for _, v := range values {
		var err error
		if exts, err = appendParsedExtensions(exts, v, &count); err != nil {
			return nil, err
		}
	}
	return exts, nil
}

// appendParsedExtensions parses one field value onto exts; count carries the number of
// extensions and parameters seen so far, for the bound.
func appendParsedExtensions(exts []Extension, v string, count *int) ([]Extension, error) {
	p := extParser{s: v}
	for {
		p.skipOWS()
		if p.eof() {
			return exts, nil
		}
		if p.peek() == ',' { // empty list element, RFC 7230 §7
			p.i++
			continue
		}
		name, ok := p.token()
		if !ok {
			return nil, p.fail("expected extension token")
		}
		ext := Extension{Name: lower(name)}
		*count++
		for {
			p.skipOWS()
			if p.eof() || p.peek() == ',' {
				break
			}
			if p.peek() != ';' {
				return nil, p.fail("expected ';' or ','")
			}
			p.i++
			p.skipOWS()
			pname, ok := p.token()
			if !ok {
				return nil, p.fail("expected parameter token")
			}
			prm := Param{Name: lower(pname)}
			p.skipOWS()
			if !p.eof() && p.peek() == '=' {
				p.i++
				p.skipOWS()
				if p.eof() {
					return nil, p.fail("missing parameter value")
				}
				var val string
				if p.peek() == '"' {
					val, ok = p.quoted()
					if !ok {
						return nil, p.fail("bad quoted-string")
					}
					// RFC 6455 §9.1: the unescaped quoted value MUST be a token.
					if !isToken(val) {
						return nil, p.fail("quoted value is not a token")
					}
				} else {
					val, ok = p.token()
					if !ok {
						return nil, p.fail("expected parameter value")
					}
				}
				prm.Value, prm.HasValue = val, true
			}
			if ext.Params == nil {
				ext.Params = make([]Param, 0, 2) // one allocation for typical offers
			}
			ext.Params = append(ext.Params, prm)
			*count++
		}
		if *count > maxExtensionElements {
			return nil, p.fail("too many extensions or parameters")
		}
		exts = append(exts, ext)
	}
}

// AppendExtensions appends exts to dst in the Sec-WebSocket-Extensions syntax:
// `name; p; q=v, other`. A value that is not a token, or an empty value with HasValue set,
// is written as a quoted-string. Names are written as given; the caller supplies tokens.
func AppendExtensions(dst []byte, exts []Extension) []byte {
	for i, e := range exts {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = e.append(dst)
	}
	return dst
}

// String returns the extension in header syntax, e.g.
// `permessage-deflate; client_max_window_bits=10`.
func (e Extension) String() string {
	return string(e.append(make([]byte, 0, 32)))
}

func (e Extension) append(dst []byte) []byte {
	dst = append(dst, e.Name...)
	for _, p := range e.Params {
		dst = append(dst, "; "...)
		dst = append(dst, p.Name...)
		if !p.HasValue {
			continue
		}
		dst = append(dst, '=')
		if p.Value != "" && isToken(p.Value) {
			dst = append(dst, p.Value...)
			continue
		}
		dst = appendQuoted(dst, p.Value)
	}
	return dst
}

// appendQuoted writes s as an RFC 7230 §3.2.6 quoted-string, escaping '"' and '\'.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' {
			dst = append(dst, '\\')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

type extParser struct {
	s string
	i int
}

func (p *extParser) eof() bool  { return p.i >= len(p.s) }
func (p *extParser) peek() byte { return p.s[p.i] }

func (p *extParser) fail(msg string) error {
	return &syntaxError{err: ErrExtensionSyntax, msg: msg, pos: p.i}
}

// skipOWS skips optional whitespace: *( SP / HTAB ) (RFC 7230 §3.2.3).
func (p *extParser) skipOWS() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *extParser) token() (string, bool) {
	start := p.i
	for p.i < len(p.s) && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i], p.i > start
}

// quoted reads a quoted-string starting at '"' and returns its unescaped content
// (RFC 7230 §3.2.6). It allocates only when the string contains a quoted-pair.
func (p *extParser) quoted() (string, bool) {
	p.i++ // opening DQUOTE
	start := p.i
	var buf []byte
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			var v string
			if buf == nil {
				v = p.s[start:p.i]
			} else {
				v = string(buf)
			}
			p.i++
			return v, true
		case c == '\\':
			if p.i+1 >= len(p.s) || !isQuotedPairChar(p.s[p.i+1]) {
				return "", false
			}
			if buf == nil {
				buf = append(make([]byte, 0, 16), p.s[start:p.i]...)
			}
			buf = append(buf, p.s[p.i+1])
			p.i += 2
		case isQdtext(c):
			if buf != nil {
				buf = append(buf, c)
			}
			p.i++
		default:
			return "", false
		}
	}
	return "", false // unterminated
}

// syntaxError is a parse failure with its byte offset in the field value.
type syntaxError struct {
	err error
	msg string
	pos int
}

func (e *syntaxError) Error() string {
	return e.err.Error() + ": " + e.msg + " at offset " + strconv.Itoa(e.pos)
}

func (e *syntaxError) Unwrap() error { return e.err }

// tcharTable marks the token characters of RFC 7230 §3.2.6:
// "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" /
// DIGIT / ALPHA.
var tcharTable = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
		t[c-'a'+'A'] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

func isTchar(c byte) bool { return tcharTable[c] }

func isToken(s string) bool { return isTokenOf(s) }

// isQdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 7230 §3.2.6).
func isQdtext(c byte) bool {
	return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5B) ||
		(c >= 0x5D && c <= 0x7E) || c >= 0x80
}

// isQuotedPairChar: HTAB / SP / VCHAR / obs-text (RFC 7230 §3.2.6).
func isQuotedPairChar(c byte) bool {
	return c == '\t' || c == ' ' || (c >= 0x21 && c <= 0x7E) || c >= 0x80
}

// lower returns s in ASCII lower case, without allocating when it already is.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(s)
		}
	}
	return s
}
