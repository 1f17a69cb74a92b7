package mask

// Apply XORs b in place with the masking key (RFC 6455 §5.3), starting at key byte pos&3,
// and returns the key position to continue with: (pos+len(b))&3. Masking a payload in
// chunks, threading the returned pos, gives the same bytes as masking it whole.
//
// Apply never allocates and touches no memory outside b. Because XOR is its own inverse,
// the same call masks (client side) and unmasks (server side).
func Apply(b []byte, key [4]byte, pos int) int {
	return apply(b, key, pos)
}

// ApplyCopy writes src XORed with the masking key (RFC 6455 §5.3) to dst: dst[i] =
// src[i] ^ key[(pos+i)&3] for every i < len(src), and returns the key position to
// continue with, (pos+len(src))&3, like [Apply]. It is copy followed by Apply in one pass
// over the bytes: it reads src and writes dst[:len(src)] once each, and src is not
// modified (unless it is dst).
//
// dst must be at least len(src) long, else ApplyCopy panics; bytes of dst from len(src)
// on are left untouched. dst and src may be exactly the same bytes (the same start, as
// in ApplyCopy(b, b, ...), which is Apply(b, ...)), but must not overlap in any other
// way: with a partial overlap the result is unspecified.
//
// ApplyCopy never allocates and touches no memory outside src and dst[:len(src)].
func ApplyCopy(dst, src []byte, key [4]byte, pos int) int {
	return applyCopy(dst[:len(src):len(dst)], src, key, pos)
}

// implementation is one way of computing Apply, so tests and benchmarks can run each
// variant this machine supports against the byte-at-a-time reference.
type implementation struct {
	name string
	fn   func(b []byte, key [4]byte, pos int) int
}

// copyImplementation is one way of computing ApplyCopy, for the same purpose.
type copyImplementation struct {
	name string
	fn   func(dst, src []byte, key [4]byte, pos int) int
}
