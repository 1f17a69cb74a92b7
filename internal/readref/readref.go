// Package readref is the read-bandwidth reference of the mask and utf8 benchmarks: a loop
// that loads every byte of a buffer once and does nothing else. No pass that reads every
// byte (validating, masking in place) can be faster, so benchmarks and speed-up gates put it
// beside their numbers to show how close to the machine's limit they run.
//
// It is for tests and benchmarks only, and only on amd64 with AVX2 (Available reports it);
// elsewhere there is no reference. It is not a checksum or a hash.
package readref

// OR returns the bitwise OR of every byte of b, loading each once, 256 bytes per step in
// four independent chains. len(b) must be a positive multiple of 256 and Available must be
// true, else OR panics.
func OR(b []byte) byte {
	if !Available() || len(b) == 0 || len(b)%256 != 0 {
		panic("readref: OR needs AVX2 and a positive multiple of 256 bytes")
	}
	return or(b)
}
