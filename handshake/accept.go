package handshake

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"sync"
)

// websocketGUID is the fixed string RFC 6455 §1.3 concatenates with the key.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// acceptLen is the length of a Sec-WebSocket-Accept value: base64 of a 20-byte SHA-1.
const acceptLen = 28

// keyLen is the length of a valid Sec-WebSocket-Key: base64 of 16 bytes.
const keyLen = 24

// AcceptKey returns the Sec-WebSocket-Accept value for a Sec-WebSocket-Key (RFC 6455 §4.2.2
// item 5.4): base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")). The key is used as
// sent, without decoding. AcceptKey("dGhlIHNhbXBsZSBub25jZQ==") is
// "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=".
func AcceptKey(key string) string {
	var b [acceptLen]byte
	return string(appendAccept(b[:0], key))
}

// appendAccept appends the accept value for key to dst without allocating for keys of the
// valid length.
func appendAccept[T text](dst []byte, key T) []byte {
	var sum [sha1.Size]byte
	if len(key) == keyLen {
		var in [keyLen + len(websocketGUID)]byte
		copy(in[:], key)
		copy(in[keyLen:], websocketGUID)
		sum = sha1.Sum(in[:])
	} else {
		h := sha1.New()
		h.Write([]byte(key))
		h.Write([]byte(websocketGUID))
		h.Sum(sum[:0])
	}
	var out [acceptLen]byte
	base64.StdEncoding.Encode(out[:], sum[:])
	return append(dst, out[:]...)
}

// validKey reports whether a Sec-WebSocket-Key value is the base64 encoding of exactly 16
// bytes (RFC 6455 §4.1 item 7, §4.2.1 item 5). Canonical padded standard encoding is the
// only form: 24 characters ending in "==".
func validKey[T text](key T) bool {
	if len(key) != keyLen || key[22] != '=' || key[23] != '=' {
		return false
	}
	var k [keyLen]byte
	copy(k[:], key)
	var dec [18]byte
	n, err := base64.StdEncoding.Decode(dec[:], k[:])
	return err == nil && n == 16
}

// NewKey returns a fresh Sec-WebSocket-Key: 16 bytes from crypto/rand, base64-encoded
// (RFC 6455 §4.1 item 7 requires the nonce to be randomly selected for each connection).
func NewKey() string {
	var nonce [16]byte
	rand.Read(nonce[:]) // never returns an error (crypto/rand, Go 1.24+)
	return base64.StdEncoding.EncodeToString(nonce[:])
}

// bufPool holds scratch buffers for writing responses and requests, so that a steady
// stream of handshakes does not allocate one per connection.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) <= 16<<10 {
		*b = (*b)[:0]
		bufPool.Put(b)
	}
}
