package handshake

import (
	"bufio"
	"errors"
	"io"
	"net/http"
)

// ReadRequest reads a client's opening handshake directly from br, without net/http, and
// validates it with the same rules as CheckRequest. It is for servers that accept on a
// net.Conn themselves and want the fewest allocations: header fields are inspected in br's
// buffer, and the strings the Request keeps are copied out in one allocation.
//
// It reads at most cfg.MaxHeaderBytes (default 16 KiB; the check may consume up to one of
// br's buffers more before it fires, but never keeps more than the limit in memory) and
// cfg.MaxHeaders fields (default 100): a request line over the byte limit is answered 414,
// header fields over either limit 431. Line folding (obs-fold) and whitespace before a
// field's colon are answered 400 (RFC 7230 §3.2.4), as is a request with a body.
//
// ReadRequest does not bound time: set a read deadline on the connection before calling
// it (nc.SetReadDeadline(time.Now().Add(10*time.Second))) and clear it after, or a client
// that sends nothing holds the goroutine forever.
//
// Errors: an *Error is a handshake to refuse; write it with WriteRaw and close. Any other
// error (io.EOF before the first byte, io.ErrUnexpectedEOF, a deadline) is an I/O failure:
// close without answering. On success, write the 101 answer with WriteResponse and hand br
// (which may hold bytes the client sent after the handshake) to the connection.
func ReadRequest(br *bufio.Reader, cfg *Config) (Request, error) {
	p := rawParser{br: br, left: DefaultMaxHeaderBytes}
	maxFields := DefaultMaxHeaders
	var onHeader func(name, value []byte) error
	if cfg != nil {
		if cfg.MaxHeaderBytes > 0 {
			p.left = cfg.MaxHeaderBytes
		}
		if cfg.MaxHeaders > 0 {
			maxFields = cfg.MaxHeaders
		}
		onHeader = cfg.OnHeader
	}
	bp := getBuf()
	defer putBuf(bp)
	p.scratch = (*bp)[:0]
	defer func() { *bp = p.scratch }()

	var f fields
	var (
		uri, host, key, origin span
		protoSpans, extSpans   spans
	)

	// Request line, after any empty lines (RFC 7230 §3.5).
	var line []byte
	for {
		var err error
		line, err = p.readLine(true)
		if err != nil {
			return Request{}, err
		}
		if len(line) > 0 {
			break
		}
	}
	method, target, major, minor, ok := parseRequestLine(line)
	if !ok {
		return Request{}, newError(http.StatusBadRequest, ErrMalformed, "malformed request line")
	}
	f.method = methodString(method)
	f.major, f.minor = major, minor
	uri = p.keep(target)

	// Header fields up to the empty line.
	for n := 0; ; n++ {
		line, err := p.readLine(false)
		if err != nil {
			return Request{}, err
		}
		if len(line) == 0 {
			break
		}
		if n >= maxFields {
			return Request{}, newError(http.StatusRequestHeaderFieldsTooLarge, ErrHeaderTooLarge,
				"too many header fields")
		}
		// RFC 7230 §3.2.4: obs-fold in a request MUST be rejected (or replaced); we reject.
		if line[0] == ' ' || line[0] == '\t' {
			return Request{}, newError(http.StatusBadRequest, ErrMalformed, "obsolete line folding")
		}
		colon := 0
		for colon < len(line) && line[colon] != ':' {
			colon++
		}
		// RFC 7230 §3.2.4: whitespace between field-name and colon MUST be answered 400;
		// a name must be a token.
		if colon == len(line) || !isTokenOf(line[:colon]) {
			return Request{}, newError(http.StatusBadRequest, ErrMalformed, "malformed header field")
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		if !validFieldValue(value) {
			return Request{}, newError(http.StatusBadRequest, ErrMalformed, "control character in header field")
		}
		if onHeader != nil {
			if err := onHeader(name, value); err != nil {
				var he *Error
				if errors.As(err, &he) {
					return Request{}, he
				}
				return Request{}, &Error{Status: http.StatusBadRequest, Reason: "header field rejected", Err: err}
			}
		}
		switch {
		case equalFold(name, "host"):
			f.hosts++
			host = p.keep(value)
		case equalFold(name, "upgrade"):
			f.upgrade = f.upgrade || hasToken(value, "websocket")
		case equalFold(name, "connection"):
			f.connection = f.connection || hasToken(value, "upgrade")
		case equalFold(name, "sec-websocket-version"):
			f.versions++
			if string(value) == "13" {
				f.version = "13"
			}
		case equalFold(name, "sec-websocket-key"):
			f.keys++
			key = p.keep(value)
		case equalFold(name, "origin"):
			f.origins++
			origin = p.keep(value)
		case equalFold(name, "sec-websocket-protocol"):
			protoSpans.add(p.keep(value))
		case equalFold(name, "sec-websocket-extensions"):
			extSpans.add(p.keep(value))
		case equalFold(name, "content-length"):
			if string(value) != "0" {
				f.body = true
			}
		case equalFold(name, "transfer-encoding"):
			f.body = true
		}
	}

	s := string(p.scratch) // the one copy of every kept value
	f.uri = uri.of(s)
	f.host = host.of(s)
	f.key = key.of(s)
	f.origin = origin.of(s)
	protoSpans.each(s, f.protocols.add)
	extSpans.each(s, f.extensions.add)
	return f.validate(cfg)
}

// span is a [start, end) range of the parser's scratch buffer.
type span struct{ start, end int }

func (sp span) of(s string) string { return s[sp.start:sp.end] }

// spans collects the values of a repeated field; the first few without allocating.
type spans struct {
	n     int
	first [4]span
	more  []span
}

func (ss *spans) add(sp span) {
	if ss.n < len(ss.first) {
		ss.first[ss.n] = sp
	} else {
		ss.more = append(ss.more, sp)
	}
	ss.n++
}

func (ss *spans) each(s string, fn func(string)) {
	for i := 0; i < ss.n; i++ {
		if i < len(ss.first) {
			fn(ss.first[i].of(s))
		} else {
			fn(ss.more[i-len(ss.first)].of(s))
		}
	}
}

type rawParser struct {
	br      *bufio.Reader
	left    int    // header bytes still allowed
	scratch []byte // kept values, converted to one string at the end
	long    []byte // a line longer than br's buffer, assembled
}

// keep copies b into the scratch buffer and returns where it lies.
func (p *rawParser) keep(b []byte) span {
	start := len(p.scratch)
	p.scratch = append(p.scratch, b...)
	return span{start, len(p.scratch)}
}

// readLine returns the next line without its CRLF (or bare LF, RFC 7230 §3.5), valid until
// the next call. It charges the line to the byte limit before keeping any of it, so memory
// stays bounded by the limit whatever br's size.
func (p *rawParser) readLine(requestLine bool) ([]byte, error) {
	line, err := p.br.ReadSlice('\n')
	if err == nil {
		if len(line) > p.left {
			return nil, p.tooLarge(requestLine)
		}
		p.left -= len(line)
		return trimEOL(line), nil
	}
	p.long = p.long[:0]
	for {
		if len(line) > p.left {
			return nil, p.tooLarge(requestLine)
		}
		p.left -= len(line)
		p.long = append(p.long, line...)
		switch err {
		case nil:
			return trimEOL(p.long), nil
		case bufio.ErrBufferFull:
			line, err = p.br.ReadSlice('\n')
		case io.EOF:
			if requestLine && len(p.long) == 0 {
				return nil, io.EOF // closed before sending anything
			}
			return nil, io.ErrUnexpectedEOF
		default:
			return nil, err
		}
	}
}

func (p *rawParser) tooLarge(requestLine bool) error {
	if requestLine {
		return newError(http.StatusRequestURITooLong, ErrURITooLong, "request line too long")
	}
	return newError(http.StatusRequestHeaderFieldsTooLarge, ErrHeaderTooLarge, "request header too large")
}

func trimEOL(b []byte) []byte {
	b = b[:len(b)-1]
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b
}

// parseRequestLine splits "METHOD SP request-target SP HTTP/x.y" (RFC 7230 §3.1.1).
func parseRequestLine(line []byte) (method, target []byte, major, minor int, ok bool) {
	sp1 := indexByte(line, ' ')
	if sp1 <= 0 {
		return
	}
	method, rest := line[:sp1], line[sp1+1:]
	sp2 := indexByte(rest, ' ')
	if sp2 <= 0 {
		return
	}
	target, proto := rest[:sp2], rest[sp2+1:]
	if !isTokenOf(method) {
		return
	}
	for _, c := range target {
		if c <= ' ' || c == 0x7f {
			return
		}
	}
	// HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 7230 §2.6).
	if len(proto) != 8 || string(proto[:5]) != "HTTP/" || proto[6] != '.' ||
		!isDigit(proto[5]) || !isDigit(proto[7]) {
		return
	}
	return method, target, int(proto[5] - '0'), int(proto[7] - '0'), true
}

// methodString avoids allocating for GET, the only method that passes.
func methodString(m []byte) string {
	if string(m) == http.MethodGet {
		return http.MethodGet
	}
	return "other"
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
