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

// implementation is one way of computing Apply, so tests and benchmarks can run each
// variant this machine supports against the byte-at-a-time reference.
type implementation struct {
	name string
	fn   func(b []byte, key [4]byte, pos int) int
}
