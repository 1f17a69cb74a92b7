package handshake

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParseExtensions checks that ParseExtensions never panics, and that whatever it
// accepts survives AppendExtensions and a second parse unchanged.
func FuzzParseExtensions(f *testing.F) {
	for _, s := range []string{
		"permessage-deflate",
		"permessage-deflate; client_max_window_bits; server_max_window_bits=10",
		`x; p="a\bc", y`,
		" , ,a;b=c",
		`a; b="c d"`,
		"a;;b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		exts, err := ParseExtensions([]string{s})
		if err != nil {
			return
		}
		out := AppendExtensions(nil, exts)
		again, err := ParseExtensions([]string{string(out)})
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", out, s, err)
		}
		if len(again) != len(exts) {
			t.Fatalf("round trip changed count: %d -> %d", len(exts), len(again))
		}
		for i := range exts {
			if exts[i].String() != again[i].String() {
				t.Fatalf("round trip changed %q -> %q", exts[i].String(), again[i].String())
			}
		}
	})
}

// FuzzReadRequest drives the raw request parser with arbitrary bytes. It must never panic
// or read past its limit; an accepted request must satisfy the handshake's invariants, and a
// refused one must produce an error response that net/http can read.
func FuzzReadRequest(f *testing.F) {
	f.Add([]byte(rawRequest("GET /chat HTTP/1.1", baseFields("Origin: http://example.com",
		"Sec-WebSocket-Protocol: chat, v2", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")...)))
	f.Add([]byte(rawRequest("POST / HTTP/1.0", "Host: a")))
	f.Add([]byte("GET / HTTP/1.1\nHost: a\n folded\n\n"))
	f.Add([]byte("\r\n\r\nGET / HTTP/1.1\r\nX : y\r\n\r\n"))
	const limit = 1024
	cfg := &Config{MaxHeaderBytes: limit, MaxHeaders: 32}
	f.Fuzz(func(t *testing.T, in []byte) {
		cr := &countingReader{r: bytes.NewReader(in)}
		br := bufio.NewReaderSize(cr, 16)
		req, err := ReadRequest(br, cfg)
		// The limit is checked per line or per buffer-full chunk: ReadRequest may take
		// one of br's buffers (16 bytes here) past it, never more.
		if consumed := cr.n - br.Buffered(); consumed > limit+16 {
			t.Fatalf("consumed %d bytes, limit %d + 16", consumed, limit)
		}
		if err == nil {
			if !validKey(req.Key) || req.Host == "" {
				t.Fatalf("accepted request with key %q host %q", req.Key, req.Host)
			}
			for _, p := range req.Protocols {
				if !isToken(p) {
					t.Fatalf("accepted non-token subprotocol %q", p)
				}
			}
			resp := AppendResponse(nil, req.Key, &Response{Protocol: req.SelectProtocol([]string{"chat"}), Extensions: req.Extensions})
			if _, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(resp)), nil); err != nil {
				t.Fatalf("our 101 response is unreadable: %v\n%q", err, resp)
			}
			return
		}
		var he *Error
		if !errors.As(err, &he) {
			return // I/O error: truncated input
		}
		raw := he.AppendRaw(nil)
		resp, rerr := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
		if rerr != nil || resp.StatusCode != he.Status {
			t.Fatalf("error response unreadable: %v\n%q", rerr, raw)
		}
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzVerifyResponse feeds arbitrary server responses to VerifyResponse. It must never
// panic, and what it accepts must only contain what was offered.
func FuzzVerifyResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n" +
		"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 101 OK\r\nUpgrade: WebSocket\r\nConnection: keep-alive, upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Extensions: x-foo\r\n\r\n"))
	offer := &Offer{Key: sampleKey, Protocols: []string{"chat", "v2"},
		Extensions: []Extension{{Name: "permessage-deflate"}}}
	f.Fuzz(func(t *testing.T, in []byte) {
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(in)), nil)
		if err != nil {
			return
		}
		got, err := VerifyResponse(resp, offer)
		if err != nil {
			return
		}
		if resp.StatusCode != 101 {
			t.Fatalf("accepted status %d", resp.StatusCode)
		}
		if got.Protocol != "" && got.Protocol != "chat" && got.Protocol != "v2" {
			t.Fatalf("accepted unoffered subprotocol %q", got.Protocol)
		}
		for _, e := range got.Extensions {
			if e.Name != "permessage-deflate" {
				t.Fatalf("accepted unoffered extension %q", e.Name)
			}
		}
	})
}

// FuzzPathsAgree checks that the raw path and the net/http path share their rules: for any
// input net/http can parse, ReadRequest and CheckRequest accept or refuse it together, and
// accepted requests have equal fields. Inputs the raw path refuses as malformed are skipped:
// it is stricter than net/http about syntax on purpose (RFC 7230 §3.2.4).
func FuzzPathsAgree(f *testing.F) {
	f.Add([]byte(rawRequest("GET /chat HTTP/1.1", baseFields("Origin: http://example.com",
		"Sec-WebSocket-Protocol: chat, v2", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")...)))
	f.Add([]byte(benchRequest))
	f.Add([]byte(rawRequest("GET / HTTP/1.1", baseFields("Origin: https://evil.example")...)))
	f.Fuzz(func(t *testing.T, in []byte) {
		raw, rerr := ReadRequest(bufio.NewReader(bytes.NewReader(in)), nil)
		var he *Error
		if rerr != nil && (!errors.As(rerr, &he) || errors.Is(rerr, ErrMalformed)) {
			return
		}
		hr, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(in)))
		if err != nil {
			return
		}
		viaHTTP, herr := CheckRequest(hr, nil)
		if (rerr == nil) != (herr == nil) {
			t.Fatalf("paths disagree\nraw:      %v\nnet/http: %v", rerr, herr)
		}
		if rerr == nil {
			if diff := cmp.Diff(raw, viaHTTP); diff != "" {
				t.Fatalf("paths disagree (-raw +net/http):\n%s", diff)
			}
		}
	})
}
