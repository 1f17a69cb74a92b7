package handshake

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
)

// benchRequest is a typical browser handshake (Chrome's fields and sizes).
var benchRequest = rawRequest("GET /chat HTTP/1.1",
	"Host: example.com:8080",
	"Connection: Upgrade",
	"Pragma: no-cache",
	"Cache-Control: no-cache",
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	"Upgrade: websocket",
	"Origin: http://example.com:8080",
	"Sec-WebSocket-Version: 13",
	"Accept-Encoding: gzip, deflate, br",
	"Accept-Language: en-US,en;q=0.9",
	"Sec-WebSocket-Key: "+sampleKey,
	"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
)

func BenchmarkAcceptKey(b *testing.B) {
	b.Run("duplex", func(b *testing.B) {
		b.SetBytes(keyLen)
		b.ReportAllocs()
		for b.Loop() {
			_ = AcceptKey(sampleKey)
		}
	})
	b.Run("duplex-append", func(b *testing.B) {
		b.SetBytes(keyLen)
		b.ReportAllocs()
		dst := make([]byte, 0, acceptLen)
		for b.Loop() {
			dst = appendAccept(dst[:0], sampleKey)
		}
	})
	// Baseline: the common idiom (concatenate, hash, EncodeToString).
	b.Run("baseline-naive", func(b *testing.B) {
		b.SetBytes(keyLen)
		b.ReportAllocs()
		for b.Loop() {
			sum := sha1.Sum([]byte(sampleKey + websocketGUID))
			_ = base64.StdEncoding.EncodeToString(sum[:])
		}
	})
}

// BenchmarkRequest compares the raw path with net/http's parser plus CheckRequest, the
// baseline every net/http-based server pays.
func BenchmarkRequest(b *testing.B) {
	b.Run("raw-ReadRequest", func(b *testing.B) {
		sr := strings.NewReader(benchRequest)
		br := bufio.NewReader(sr)
		cfg := &Config{Origin: OriginPolicy{AllowAll: true}}
		b.SetBytes(int64(len(benchRequest)))
		b.ReportAllocs()
		for b.Loop() {
			sr.Reset(benchRequest)
			br.Reset(sr)
			if _, err := ReadRequest(br, cfg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-http.ReadRequest+CheckRequest", func(b *testing.B) {
		sr := strings.NewReader(benchRequest)
		br := bufio.NewReader(sr)
		cfg := &Config{Origin: OriginPolicy{AllowAll: true}}
		b.SetBytes(int64(len(benchRequest)))
		b.ReportAllocs()
		for b.Loop() {
			sr.Reset(benchRequest)
			br.Reset(sr)
			r, err := http.ReadRequest(br)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := CheckRequest(r, cfg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkCheckRequest(b *testing.B) {
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(benchRequest)))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("CheckRequest", func(b *testing.B) {
		b.SetBytes(int64(len(benchRequest)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := CheckRequest(r, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("IsUpgrade", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !IsUpgrade(r) {
				b.Fatal("not an upgrade")
			}
		}
	})
}

func BenchmarkWriteResponse(b *testing.B) {
	resp := &Response{Protocol: "chat", Extensions: []Extension{{Name: "permessage-deflate",
		Params: []Param{{Name: "server_no_context_takeover"}}}}}
	n := int64(len(AppendResponse(nil, sampleKey, resp)))
	b.Run("duplex", func(b *testing.B) {
		b.SetBytes(n)
		b.ReportAllocs()
		for b.Loop() {
			if err := WriteResponse(io.Discard, sampleKey, resp); err != nil {
				b.Fatal(err)
			}
		}
	})
	// Baseline: what a handler using net/http types would do.
	b.Run("baseline-http.Response.Write", func(b *testing.B) {
		b.SetBytes(n)
		b.ReportAllocs()
		for b.Loop() {
			r := &http.Response{StatusCode: 101, ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{
				"Upgrade":                  {"websocket"},
				"Connection":               {"Upgrade"},
				"Sec-Websocket-Accept":     {AcceptKey(sampleKey)},
				"Sec-Websocket-Protocol":   {resp.Protocol},
				"Sec-Websocket-Extensions": {resp.Extensions[0].String()},
			}}
			if err := r.Write(io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkParseExtensions(b *testing.B) {
	v := []string{"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate"}
	b.SetBytes(int64(len(v[0])))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseExtensions(v); err != nil {
			b.Fatal(err)
		}
	}
}
