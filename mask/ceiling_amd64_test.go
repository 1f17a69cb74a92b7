//go:build !purego

package mask

import "unsafe"

// haveReadCeiling reports whether readCeiling can run here (it needs AVX2).
var haveReadCeiling = useAVX2

// readCeiling is the read-bandwidth reference of BenchmarkApply: an AVX2 loop that loads
// every byte of b once and does nothing else (readAVX2). len(b) must be a positive multiple
// of 256.
func readCeiling(b []byte) byte {
	return readAVX2(unsafe.SliceData(b), len(b))
}
