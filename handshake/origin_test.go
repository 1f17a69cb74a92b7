package handshake

import (
	"errors"
	"net/http"
	"testing"
)

func TestOriginPolicy(t *testing.T) {
	tests := []struct {
		name   string
		policy *OriginPolicy
		origin string
		host   string
		want   bool
	}{
		{"nil policy, no Origin (non-browser)", nil, "", "example.com", true},
		{"zero policy, no Origin", &OriginPolicy{}, "", "example.com", true},
		{"same host", nil, "https://example.com", "example.com", true},
		{"same host and port", nil, "http://localhost:8080", "localhost:8080", true},
		{"same host, case-insensitive", nil, "https://Example.COM", "example.com", true},
		{"same host, other port", nil, "http://localhost:9090", "localhost:8080", false},
		{"same host, default port in Host", nil, "https://example.com", "example.com:443", true},
		{"same host, default port in Origin", nil, "http://example.com:80", "example.com", true},
		{"same host, port only in Host", nil, "http://example.com", "example.com:8080", false},
		{"same host, https Origin vs Host :80", nil, "https://example.com", "example.com:80", false},
		{"empty Origin host never same", nil, "http://:80", ":80", false},
		{"same host, IPv6", nil, "http://[::1]:8080", "[::1]:8080", true},
		{"cross-site refused (RFC 6455 §10.2)", nil, "https://evil.example", "example.com", false},
		{"suffix trick refused", nil, "https://example.com.evil.example", "example.com", false},
		{"null origin refused", nil, "null", "example.com", false},
		{"origin with path is not an origin", nil, "https://example.com/x", "example.com", false},
		{"origin with userinfo refused", nil, "https://evil@example.com", "example.com", false},
		{"AllowAll", &OriginPolicy{AllowAll: true}, "https://evil.example", "example.com", true},
		{"AllowAll accepts null", &OriginPolicy{AllowAll: true}, "null", "example.com", true},
		{"wildcard subdomain", &OriginPolicy{Allow: []string{"*.example.org"}}, "https://a.b.example.org", "x", true},
		{"wildcard excludes the bare domain", &OriginPolicy{Allow: []string{"*.example.org"}}, "https://example.org", "x", false},
		{"wildcard is a label boundary", &OriginPolicy{Allow: []string{"*.example.org"}}, "https://badexample.org", "x", false},
		{"wildcard no port: default port ok", &OriginPolicy{Allow: []string{"*.example.org"}}, "https://a.example.org:443", "x", true},
		{"wildcard no port: other port refused", &OriginPolicy{Allow: []string{"*.example.org"}}, "https://a.example.org:8443", "x", false},
		{"scheme pattern", &OriginPolicy{Allow: []string{"https://app.example.com"}}, "https://APP.example.com", "x", true},
		{"scheme pattern, wrong scheme", &OriginPolicy{Allow: []string{"https://app.example.com"}}, "http://app.example.com", "x", false},
		{"port wildcard", &OriginPolicy{Allow: []string{"localhost:*"}}, "http://localhost:3000", "x", true},
		{"port wildcard, no port", &OriginPolicy{Allow: []string{"localhost:*"}}, "http://localhost", "x", true},
		{"explicit port", &OriginPolicy{Allow: []string{"localhost:3000"}}, "http://localhost:3000", "x", true},
		{"explicit port mismatch", &OriginPolicy{Allow: []string{"localhost:3000"}}, "http://localhost:3001", "x", false},
		{"explicit default port matches implicit", &OriginPolicy{Allow: []string{"example.net:443"}}, "https://example.net", "x", true},
		{"star host", &OriginPolicy{Allow: []string{"*"}}, "https://anything.example", "x", true},
		{"IPv6 literal", &OriginPolicy{Allow: []string{"[::1]:*"}}, "http://[::1]:8080", "x", true},
		{"allow list still allows same host", &OriginPolicy{Allow: []string{"other.example"}}, "https://example.com", "example.com", true},
		{"allow list does not match null", &OriginPolicy{Allow: []string{"*"}}, "null", "x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(tt.origin, tt.host)
			if tt.want {
				if err != nil {
					t.Fatalf("Check(%q, %q) = %v, want nil", tt.origin, tt.host, err)
				}
				return
			}
			var he *Error
			if !errors.As(err, &he) || he.Status != http.StatusForbidden || !errors.Is(err, ErrOrigin) {
				t.Fatalf("Check(%q, %q) = %v, want 403 ErrOrigin", tt.origin, tt.host, err)
			}
		})
	}
}
