package handshake

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNewRequest(t *testing.T) {
	key := NewKey()
	tests := []struct {
		name     string
		url      string
		offer    *Offer
		wantURL  string
		wantHost string
		check    func(t *testing.T, r *http.Request)
	}{
		{name: "ws maps to http (RFC 6455 §3)", url: "ws://example.com/chat?a=1", offer: &Offer{Key: key},
			wantURL: "http://example.com/chat?a=1", wantHost: "example.com"},
		{name: "wss maps to https", url: "wss://example.com:8443", offer: &Offer{Key: key},
			wantURL: "https://example.com:8443", wantHost: "example.com:8443"},
		{name: "http accepted", url: "http://127.0.0.1:80/", offer: &Offer{Key: key},
			wantURL: "http://127.0.0.1:80/", wantHost: "127.0.0.1:80"},
		{name: "WSS upper case", url: "WSS://example.com/", offer: &Offer{Key: key},
			wantURL: "https://example.com/", wantHost: "example.com"},
		{name: "handshake fields (RFC 6455 §4.1 items 5-11)", url: "ws://h/", offer: &Offer{Key: key,
			Protocols:  []string{"chat", "v2"},
			Extensions: []Extension{{Name: "permessage-deflate", Params: []Param{{Name: "client_max_window_bits"}}}},
			Header: http.Header{"Origin": {"http://h"}, "Sec-Websocket-Key": {"overridden"},
				"Sec-Websocket-Protocol": {"dropped"}}},
			wantURL: "http://h/", wantHost: "h",
			check: func(t *testing.T, r *http.Request) {
				want := http.Header{
					"Upgrade":                  {"websocket"},
					"Connection":               {"Upgrade"},
					"Sec-Websocket-Key":        {key},
					"Sec-Websocket-Version":    {"13"},
					"Sec-Websocket-Protocol":   {"chat, v2"},
					"Sec-Websocket-Extensions": {"permessage-deflate; client_max_window_bits"},
					"Origin":                   {"http://h"},
				}
				if diff := cmp.Diff(want, r.Header); diff != "" {
					t.Errorf("header (-want +got):\n%s", diff)
				}
			}},
		{name: "Host override", url: "ws://127.0.0.1:1/", offer: &Offer{Key: key, Header: http.Header{"Host": {"virt.example"}}},
			wantURL: "http://127.0.0.1:1/", wantHost: "virt.example",
			check: func(t *testing.T, r *http.Request) {
				if _, ok := r.Header["Host"]; ok {
					t.Error("Host left in Header")
				}
			}},
		{name: "userinfo becomes Basic auth", url: "ws://u:p@h/", offer: &Offer{Key: key},
			wantURL: "http://h/", wantHost: "h",
			check: func(t *testing.T, r *http.Request) {
				if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p" {
					t.Errorf("BasicAuth = %q %q %v", u, p, ok)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRequest(context.Background(), tt.url, tt.offer)
			if err != nil {
				t.Fatal(err)
			}
			if r.URL.String() != tt.wantURL || r.Host != tt.wantHost && r.URL.Host != tt.wantHost {
				t.Errorf("URL %q host %q/%q, want %q %q", r.URL, r.Host, r.URL.Host, tt.wantURL, tt.wantHost)
			}
			if r.Method != http.MethodGet {
				t.Errorf("method %q", r.Method)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

func TestNewRequestErrors(t *testing.T) {
	key := NewKey()
	tests := []struct {
		name  string
		url   string
		offer *Offer
		want  error
	}{
		{"fragment (RFC 6455 §3)", "ws://h/#frag", &Offer{Key: key}, ErrBadURL},
		{"empty fragment", "ws://h/#", &Offer{Key: key}, ErrBadURL},
		{"ftp scheme", "ftp://h/", &Offer{Key: key}, ErrBadURL},
		{"no host", "ws:///path", &Offer{Key: key}, ErrBadURL},
		{"unparsable", "ws://h/%zz", &Offer{Key: key}, ErrBadURL},
		{"nil offer", "ws://h/", nil, ErrOffer},
		{"empty key", "ws://h/", &Offer{}, ErrOffer},
		{"bad key", "ws://h/", &Offer{Key: "abc"}, ErrOffer},
		{"subprotocol not a token (RFC 6455 §4.1 item 10)", "ws://h/", &Offer{Key: key, Protocols: []string{"a b"}}, ErrOffer},
		{"header injection", "ws://h/", &Offer{Key: key, Header: http.Header{"X": {"a\r\nEvil: 1"}}}, ErrOffer},
		{"bad header name", "ws://h/", &Offer{Key: key, Header: http.Header{"X Y": {"a"}}}, ErrOffer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewRequest(context.Background(), tt.url, tt.offer)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestClientServerRoundTrip runs the client's raw request through both server paths and
// the server's raw response through VerifyResponse.
func TestClientServerRoundTrip(t *testing.T) {
	offer := &Offer{
		Key:        NewKey(),
		Protocols:  []string{"chat", "superchat"},
		Extensions: []Extension{{Name: "permessage-deflate", Params: []Param{{Name: "client_max_window_bits"}}}},
		Header:     http.Header{"Origin": {"http://example.com"}, "Cookie": {"s=1"}},
	}
	req, err := NewRequest(context.Background(), "ws://example.com/chat?room=1", offer)
	if err != nil {
		t.Fatal(err)
	}
	raw := AppendRequest(nil, req)

	for _, path := range []string{"raw", "net/http"} {
		t.Run(path, func(t *testing.T) {
			var got Request
			if path == "raw" {
				got, err = ReadRequest(bufio.NewReader(strings.NewReader(string(raw))), nil)
			} else {
				var hr *http.Request
				hr, err = http.ReadRequest(bufio.NewReader(strings.NewReader(string(raw))))
				if err != nil {
					t.Fatal(err)
				}
				got, err = CheckRequest(hr, nil)
			}
			if err != nil {
				t.Fatalf("server rejected the client's request: %v\n%s", err, raw)
			}
			want := Request{URI: "/chat?room=1", Host: "example.com", Key: offer.Key, Origin: "http://example.com",
				Protocols: offer.Protocols, Extensions: offer.Extensions}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("server saw (-want +got):\n%s", diff)
			}
			answer := &Response{Protocol: got.SelectProtocol([]string{"superchat", "chat"}), Extensions: got.Extensions[:1]}
			respBytes := AppendResponse(nil, got.Key, answer)
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(string(respBytes))), req)
			if err != nil {
				t.Fatal(err)
			}
			agreed, err := VerifyResponse(resp, offer)
			if err != nil {
				t.Fatalf("client rejected the server's response: %v\n%s", err, respBytes)
			}
			if agreed.Protocol != "superchat" || len(agreed.Extensions) != 1 || agreed.Extensions[0].String() != "permessage-deflate; client_max_window_bits" {
				t.Errorf("agreed %+v", agreed)
			}
		})
	}
}

func TestAppendRequest(t *testing.T) {
	key := sampleKey
	req, err := NewRequest(context.Background(), "ws://server.example.com/chat", &Offer{Key: key,
		Protocols: []string{"chat", "superchat"}, Header: http.Header{"Origin": {"http://example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	// The RFC 6455 §1.2 sample request, fields in sorted order.
	want := "GET /chat HTTP/1.1\r\n" +
		"Host: server.example.com\r\n" +
		"Connection: Upgrade\r\n" +
		"Origin: http://example.com\r\n" +
		"Sec-Websocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Sec-Websocket-Protocol: chat, superchat\r\n" +
		"Sec-Websocket-Version: 13\r\n" +
		"Upgrade: websocket\r\n\r\n"
	if got := string(AppendRequest(nil, req)); got != want {
		t.Errorf("AppendRequest =\n%q\nwant\n%q", got, want)
	}
}

func TestVerifyResponse(t *testing.T) {
	offer := &Offer{Key: sampleKey, Protocols: []string{"chat"},
		Extensions: []Extension{{Name: "permessage-deflate"}}}
	good := []string{
		"Upgrade: websocket",
		"Connection: Upgrade",
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
	}
	tests := []struct {
		name   string
		status string
		fields []string
		want   error
		proto  string
		exts   int
	}{
		{name: "accepted, nothing agreed", fields: good},
		{name: "case-insensitive tokens", fields: []string{"upgrade: WebSocket", "connection: keep-alive, UPGRADE",
			"sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}},
		{name: "offered subprotocol", fields: append(good, "Sec-WebSocket-Protocol: chat"), proto: "chat"},
		{name: "offered extension", fields: append(good, "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover"), exts: 1},
		{name: "status 200 (RFC 6455 §4.1: not 101)", status: "200 OK", fields: good, want: ErrStatus},
		{name: "redirect status", status: "302 Found", fields: append(good, "Location: /x"), want: ErrStatus},
		{name: "no Upgrade (§4.1 item 2)", fields: without(good, "Upgrade"), want: ErrResponseUpgrade},
		{name: "Upgrade h2c", fields: replace(good, "Upgrade", "h2c"), want: ErrResponseUpgrade},
		{name: "no Connection upgrade (§4.1 item 3)", fields: replace(good, "Connection", "close"), want: ErrResponseConnection},
		{name: "wrong accept (§4.1 item 4)", fields: replace(good, "Sec-WebSocket-Accept", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="), want: ErrAccept},
		{name: "missing accept", fields: without(good, "Sec-WebSocket-Accept"), want: ErrAccept},
		{name: "repeated accept", fields: append(good, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), want: ErrAccept},
		{name: "unoffered extension (§4.1 item 5)", fields: append(good, "Sec-WebSocket-Extensions: x-foo"), want: ErrUnofferedExtension},
		{name: "malformed extensions", fields: append(good, "Sec-WebSocket-Extensions: permessage-deflate;;"), want: ErrResponseMalformed},
		{name: "unoffered subprotocol (§4.1 item 6)", fields: append(good, "Sec-WebSocket-Protocol: superchat"), want: ErrUnofferedProtocol},
		{name: "subprotocol list is not one offered", fields: append(good, "Sec-WebSocket-Protocol: chat, chat"), want: ErrUnofferedProtocol},
		{name: "repeated subprotocol field", fields: append(good, "Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: chat"), want: ErrResponseMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := tt.status
			if status == "" {
				status = "101 Switching Protocols"
			}
			raw := rawRequest("HTTP/1.1 "+status, tt.fields...)
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := VerifyResponse(resp, offer)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Protocol != tt.proto || len(got.Extensions) != tt.exts {
				t.Errorf("got protocol %q, %d extensions", got.Protocol, len(got.Extensions))
			}
		})
	}
	t.Run("no subprotocol offered, one answered", func(t *testing.T) {
		raw := rawRequest("HTTP/1.1 101 Switching Protocols", append(good, "Sec-WebSocket-Protocol: chat")...)
		resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(raw)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := VerifyResponse(resp, &Offer{Key: sampleKey}); !errors.Is(err, ErrUnofferedProtocol) {
			t.Fatalf("err = %v, want ErrUnofferedProtocol", err)
		}
	})
}
