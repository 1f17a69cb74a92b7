package client

import (
	"crypto/tls"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/duplexws/duplex/internal/leak"
)

func TestHostPort(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://example.com/x", "example.com:80"},
		{"https://example.com/x", "example.com:443"},
		{"http://example.com:8080", "example.com:8080"},
		{"https://[::1]/", "[::1]:443"},
		{"http://[::1]:9/", "[::1]:9"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := url.Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := hostPort(u); got != tt.want {
				t.Errorf("hostPort(%s) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedirectTarget(t *testing.T) {
	tests := []struct {
		from, loc, want string
		err             error
	}{
		{"http://a.example/x/y", "z", "ws://a.example/x/z", nil},
		{"http://a.example/x", "/other?q=1", "ws://a.example/other?q=1", nil},
		{"http://a.example/", "https://b.example/s", "wss://b.example/s", nil},
		{"http://a.example/", "wss://b.example/s#frag", "wss://b.example/s", nil},
		{"https://a.example/", "/p", "wss://a.example/p", nil},
		{"https://a.example/", "http://a.example/p", "", ErrInsecureRedirect},
		{"https://a.example/", "ws://a.example/p", "", ErrInsecureRedirect},
		{"http://a.example/", "ftp://a.example/p", "", ErrRedirect},
		{"http://a.example/", "%zz", "", ErrRedirect},
	}
	for _, tt := range tests {
		t.Run(tt.from+" -> "+tt.loc, func(t *testing.T) {
			from, _ := url.Parse(tt.from)
			got, err := redirectTarget(from, tt.loc)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("redirectTarget = %v, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestDialTLSUntrusted(t *testing.T) {
	leak.Check(t)
	srv := newHTTPEchoServer(t, true)
	_, resp, err := Dial(ctxT(t), "wss"+strings.TrimPrefix(srv.URL, "https")+"/", nil)
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) || resp != nil {
		t.Fatalf("err = %v, resp %v; want a certificate verification error", err, resp)
	}
}
