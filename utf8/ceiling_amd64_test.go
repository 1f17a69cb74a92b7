//go:build !purego

package utf8

import "unsafe"

// haveReadCeiling reports whether readCeiling can run here (it needs AVX2).
var haveReadCeiling = haveSIMD

// readCeiling is the read-bandwidth reference for benchmarks: an AVX2 loop that loads every
// byte of data once and does nothing else (readAVX2). It reports whether data is all ASCII.
// len(data) must be a positive multiple of 256.
func readCeiling(data []byte) bool {
	return readAVX2(unsafe.SliceData(data), len(data))
}
