package handshake

import (
	"encoding/base64"
	"testing"
)

func TestAcceptKey(t *testing.T) {
	tests := []struct{ key, want string }{
		// RFC 6455 §1.3 and §4.2.2 item 5.4.
		{"dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
		// Expected values computed independently (Python hashlib).
		{"x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk="},
		// Keys of another length take the general path; the RFC hashes the key string
		// as sent, not its decoding.
		{"", "Kfh9QIsMVZcl6xEPYxPHzW8SZ8w="},
		{"short", "JQHdhQRrQ3pd0VAHx7vMGlEiL+4="},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := AcceptKey(tt.key); got != tt.want {
				t.Errorf("AcceptKey(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

func TestAcceptKeyAllocs(t *testing.T) {
	if a := testing.AllocsPerRun(100, func() { _ = AcceptKey(sampleKey) }); a > 1 {
		t.Errorf("AcceptKey allocs = %v, want <= 1 (the result)", a)
	}
	dst := make([]byte, 0, acceptLen)
	if a := testing.AllocsPerRun(100, func() { dst = appendAccept(dst[:0], sampleKey) }); a != 0 {
		t.Errorf("appendAccept allocs = %v, want 0", a)
	}
}

func TestValidKey(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{sampleKey, true},
		{"AAAAAAAAAAAAAAAAAAAAAA==", true},
		{"AAAAAAAAAAAAAAAAAAAAAA=", false},  // 23 chars
		{"AAAAAAAAAAAAAAAAAAAAAAA=", false}, // 17 bytes
		{"AAAAAAAAAAAAAAAAAAAAAAAA", false}, // 18 bytes, no padding
		{"AAAAAAAAAAAAAAAAAAAA*A==", false}, // not base64
		{"AAAAAAAAAAAAAAAAAAAAAA-_", false}, // URL alphabet, no padding
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := validKey(tt.key); got != tt.want {
				t.Errorf("validKey(%q) = %v, want %v", tt.key, got, tt.want)
			}
		})
	}
}

func TestNewKey(t *testing.T) {
	seen := make(map[string]bool)
	for range 100 {
		k := NewKey()
		// RFC 6455 §4.1 item 7: base64 of a 16-byte nonce...
		raw, err := base64.StdEncoding.DecodeString(k)
		if err != nil || len(raw) != 16 || !validKey(k) {
			t.Fatalf("NewKey() = %q: %d bytes, %v", k, len(raw), err)
		}
		// ...randomly selected for each connection.
		if seen[k] {
			t.Fatalf("NewKey repeated %q", k)
		}
		seen[k] = true
	}
}
