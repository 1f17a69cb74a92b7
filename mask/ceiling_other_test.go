//go:build purego || !amd64

package mask

// haveReadCeiling reports whether readCeiling can run here: there is no read-bandwidth
// reference outside amd64 (see ceiling_amd64_test.go).
const haveReadCeiling = false

// readCeiling is never called where haveReadCeiling is false.
func readCeiling([]byte) byte { panic("mask: no read reference on this build") }
