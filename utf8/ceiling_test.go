package utf8

import "github.com/duplexws/duplex/internal/readref"

// haveReadCeiling reports whether readCeiling can run here (amd64 with AVX2).
var haveReadCeiling = readref.Available()

// readCeiling is the read-bandwidth reference of the benchmarks and the speed-up gate: a
// loop that loads every byte of data once and does nothing else (internal/readref). It
// reports whether data is all ASCII. len(data) must be a positive multiple of 256.
func readCeiling(data []byte) bool { return readref.OR(data) < 0x80 }
