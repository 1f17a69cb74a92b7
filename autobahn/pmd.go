package autobahn

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// pmdParams are the permessage-deflate parameters agreed for one connection, seen from
// the harness: what it compresses with (out) and what the peer compresses with (in).
type pmdParams struct {
	outNoContext bool // the harness resets its compressor for every message
	outMaxBits   int  // window the harness may use (15 = full)
	inNoContext  bool // the peer agreed not to use context takeover
}

// extParam is one parameter of one extension in a Sec-WebSocket-Extensions value.
type extParam struct {
	name, value string
	hasValue    bool
}

type extension struct {
	name   string
	params []extParam
}

// parseExtensions parses Sec-WebSocket-Extensions values (RFC 6455 §9.1), tolerating
// quoted values. It is deliberately independent of package handshake.
func parseExtensions(values []string) []extension {
	var out []extension
	for _, v := range values {
		for _, item := range strings.Split(v, ",") {
			parts := strings.Split(item, ";")
			name := strings.TrimSpace(parts[0])
			if name == "" {
				continue
			}
			e := extension{name: strings.ToLower(name)}
			for _, p := range parts[1:] {
				p = strings.TrimSpace(p)
				if p == "" {
					continue
				}
				k, val, has := strings.Cut(p, "=")
				e.params = append(e.params, extParam{name: strings.ToLower(strings.TrimSpace(k)),
					value: strings.Trim(strings.TrimSpace(val), `"`), hasValue: has})
			}
			out = append(out, e)
		}
	}
	return out
}

func (e extension) param(name string) (extParam, bool) {
	for _, p := range e.params {
		if p.name == name {
			return p, true
		}
	}
	return extParam{}, false
}

// pmdOffer is one client offer of the suite (autobahn's PerMessageDeflateOffer): the
// client accepts client_no_context_takeover and client_max_window_bits, and may request
// server_no_context_takeover and server_max_window_bits.
type pmdOffer struct {
	requestNoContext bool
	requestMaxBits   int // 0 = not requested
}

// String renders the offer as the suite sends it.
func (o pmdOffer) String() string {
	s := "permessage-deflate; client_no_context_takeover; client_max_window_bits"
	if o.requestNoContext {
		s += "; server_no_context_takeover"
	}
	if o.requestMaxBits != 0 {
		s += "; server_max_window_bits=" + strconv.Itoa(o.requestMaxBits)
	}
	return s
}

func offersString(offers []pmdOffer) string {
	var parts []string
	for _, o := range offers {
		parts = append(parts, o.String())
	}
	return strings.Join(parts, ", ")
}

// clientParams checks the server's answer to offers (RFC 7692 §7.1) and returns the
// parameters, from the harness (client) side.
func clientParams(answer []string, offers []pmdOffer) (*pmdParams, error) {
	exts := parseExtensions(answer)
	if len(exts) == 0 {
		return nil, nil
	}
	if len(exts) > 1 || exts[0].name != "permessage-deflate" {
		return nil, fmt.Errorf("server answered extensions %q", strings.Join(answer, ", "))
	}
	e := exts[0]
	p := &pmdParams{outNoContext: true, outMaxBits: 15}
	// The suite's offers all carry client_no_context_takeover: the harness never uses
	// context takeover for what it sends (RFC 7692 §7.1.1.2).
	for _, prm := range e.params {
		switch prm.name {
		case "server_no_context_takeover":
			p.inNoContext = true
		case "client_no_context_takeover":
		case "server_max_window_bits":
			n, err := strconv.Atoi(prm.value)
			if err != nil || n < 8 || n > 15 {
				return nil, fmt.Errorf("bad server_max_window_bits %q", prm.value)
			}
		case "client_max_window_bits":
			n, err := strconv.Atoi(prm.value)
			if err != nil || n < 8 || n > 15 {
				return nil, fmt.Errorf("bad client_max_window_bits %q", prm.value)
			}
			p.outMaxBits = n
		default:
			return nil, fmt.Errorf("unknown permessage-deflate parameter %q", prm.name)
		}
	}
	// RFC 7692 §7.1.1.1: a server must honour server_no_context_takeover if every offer
	// had it; the answer must correspond to one of the offers.
	all := true
	for _, o := range offers {
		all = all && o.requestNoContext
	}
	if all && !p.inNoContext {
		return nil, errors.New("server ignored server_no_context_takeover")
	}
	return p, nil
}

// pmdAccept is one of the suite's server accept policies (accept1 .. accept7 of
// case12_x_x.py): which offers it takes and what it asks of the client.
type pmdAccept struct {
	requireNoContextOK bool // offer must carry client_no_context_takeover
	requireMaxBitsOK   bool // offer must carry client_max_window_bits
	askNoContext       bool // answer client_no_context_takeover
	askMaxBits         int  // answer client_max_window_bits=N (0 = no)
}

// serverAnswer applies a chain of accept policies to the client's offers and returns the
// answer and the parameters from the harness (server) side, or "" if none fits.
func serverAnswer(offerValues []string, policies []pmdAccept) (string, *pmdParams) {
	for _, pol := range policies {
		for _, e := range parseExtensions(offerValues) {
			if e.name != "permessage-deflate" {
				continue
			}
			_, noCtxOK := e.param("client_no_context_takeover")
			_, bitsOK := e.param("client_max_window_bits")
			if pol.requireNoContextOK && !noCtxOK || pol.requireMaxBitsOK && !bitsOK {
				continue
			}
			p := &pmdParams{outMaxBits: 15}
			ans := "permessage-deflate"
			if _, ok := e.param("server_no_context_takeover"); ok {
				ans += "; server_no_context_takeover"
				p.outNoContext = true
			}
			if prm, ok := e.param("server_max_window_bits"); ok && prm.hasValue {
				n, err := strconv.Atoi(prm.value)
				if err != nil || n < 8 || n > 15 {
					continue
				}
				ans += "; server_max_window_bits=" + prm.value
				p.outMaxBits = n
			}
			if pol.askNoContext {
				ans += "; client_no_context_takeover"
				p.inNoContext = true
			}
			if noCtxOK {
				p.inNoContext = true // the client announced it will not use context takeover
			}
			if pol.askMaxBits != 0 {
				ans += "; client_max_window_bits=" + strconv.Itoa(pol.askMaxBits)
			}
			return ans, p
		}
	}
	return "", nil
}

// pmdState is the compression state of one connection. The out half is used only by the
// case goroutine, the in half only by the reader goroutine.
type pmdState struct {
	params pmdParams

	out    *flate.Writer
	outBuf bytes.Buffer

	in     io.ReadCloser
	inSrc  bytes.Reader
	window []byte // last 32 KiB the peer sent, the dictionary for context takeover
}

const deflateTail = "\x00\x00\xff\xff"

func newPMD(p *pmdParams) *pmdState {
	return &pmdState{params: *p}
}

// compress returns the compressed payload of one message (RFC 7692 §7.2.1): deflate,
// flushed, without the trailing 00 00 ff ff. A window smaller than 32 KiB is honoured by
// Huffman-only coding, which makes no back-references at all.
func (d *pmdState) compress(msg []byte) ([]byte, error) {
	d.outBuf.Reset()
	if d.out == nil {
		level := flate.BestSpeed
		if d.params.outMaxBits < 15 {
			level = flate.HuffmanOnly
		}
		w, err := flate.NewWriter(&d.outBuf, level)
		if err != nil {
			return nil, err
		}
		d.out = w
	} else if d.params.outNoContext {
		d.out.Reset(&d.outBuf)
	}
	if _, err := d.out.Write(msg); err != nil {
		return nil, err
	}
	if err := d.out.Flush(); err != nil {
		return nil, err
	}
	b := d.outBuf.Bytes()
	if !bytes.HasSuffix(b, []byte(deflateTail)) {
		return nil, errors.New("autobahn: deflate flush without sync marker")
	}
	return append([]byte(nil), b[:len(b)-4]...), nil
}

// errInflateLimit reports a message that inflates past the harness's limit.
var errInflateLimit = errors.New("autobahn: message inflates past the limit")

// decompress inflates one message (RFC 7692 §7.2.2), using the previous messages as the
// dictionary unless the peer agreed to no context takeover.
func (d *pmdState) decompress(payload []byte, limit int64) ([]byte, error) {
	src := make([]byte, 0, len(payload)+9)
	src = append(src, payload...)
	src = append(src, deflateTail+"\x01\x00\x00\xff\xff"...) // sync marker, then a final empty block
	d.inSrc.Reset(src)
	var dict []byte
	if !d.params.inNoContext {
		dict = d.window
	}
	if d.in == nil {
		d.in = flate.NewReaderDict(&d.inSrc, dict)
	} else if err := d.in.(flate.Resetter).Reset(&d.inSrc, dict); err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(d.in, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(out)) > limit {
		return nil, errInflateLimit
	}
	if !d.params.inNoContext {
		d.window = append(d.window, out...)
		if len(d.window) > 32<<10 {
			d.window = append(d.window[:0:0], d.window[len(d.window)-32<<10:]...)
		}
	}
	return out, nil
}
