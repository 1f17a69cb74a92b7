package mask

import "github.com/duplexws/duplex/internal/readref"

// haveReadCeiling reports whether readCeiling can run here (amd64 with AVX2).
var haveReadCeiling = readref.Available()

// readCeiling is the read-bandwidth reference of BenchmarkApply and the speed-up gate: a
// loop that loads every byte of b once and does nothing else (internal/readref). len(b)
// must be a positive multiple of 256.
func readCeiling(b []byte) byte { return readref.OR(b) }
