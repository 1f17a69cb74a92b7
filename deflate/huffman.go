package deflate

import (
	"encoding/binary"
	"slices"
	"sync"
)

// Dynamic-Huffman block construction for the LowMemory encoder (RFC 1951 §3.2.7).
// A block gathers the tokens of one or more chunks (up to leanBlockTokens) and is
// written fixed or dynamic, whichever is smaller.

const (
	numLit  = 286 // literal/length alphabet actually used (0-285)
	numDist = 30
	numCL   = 19
)

// clOrder is the order code-length code lengths are sent in (RFC 1951 §3.2.7).
var clOrder = [numCL]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

// Fixed distance codes as a table like the dynamic ones (filled by lean.go's init).
var (
	fixedDistCode [numDist]uint16
	fixedDistLen  [numDist]uint8
)

// A token is one literal or one match, already split into what writeTokens emits, so
// that it writes either kind without a branch: bits 0-8 the literal/length symbol, 9-13
// the length's extra bits, 14-18 the distance symbol (noDist for a literal: a code of
// length 0), 19-31 the distance's extra bits (RFC 1951 §3.2.5).
const (
	noDist   = 30
	litToken = noDist << 14 // or-ed with the literal byte
)

// leanScratch is the per-chunk working set: tokens and code tables. It is pooled (shared
// by all connections), so it costs nothing per idle connection.
type leanScratch struct {
	toks     []uint32
	litFreq  [numLit]uint32
	distFreq [numDist]uint32
	litLen   [numLit]uint8
	distLen  [numDist]uint8
	litCode  [numLit]uint16
	distCode [numDist]uint16
	clFreq   [numCL]uint32
	clLen    [numCL]uint8
	clCode   [numCL]uint16
	clToks   [numLit + numDist]uint16 // symbol | extra<<5
	nclToks  int
	wbuf     [tokenBatch*6 + 8]byte // writeTokens' output, a batch of tokens at a time
	lt       [512]uint32            // writeTokens' tables for a dynamic block
	dt       [32]uint32

	keys   [numLit]uint64
	freq   [2 * numLit]uint32
	parent [2 * numLit]uint16
	depth  [2 * numLit]uint8
}

var scratchPool = sync.Pool{New: func() any { return &leanScratch{toks: make([]uint32, 0, leanBlockTokens)} }}

func (sc *leanScratch) reset() {
	sc.toks = sc.toks[:0]
	sc.litFreq = [numLit]uint32{}
	sc.distFreq = [numDist]uint32{}
}

// buildLengths computes Huffman code lengths for freq, at most maxBits long, into lens.
// At least two symbols must have a non-zero frequency. Frequencies are halved until the
// tree fits, which always ends (equal weights give a balanced tree).
func (sc *leanScratch) buildLengths(freq []uint32, lens []uint8, maxBits uint8) {
	clear(lens)
	for shift := uint(0); ; shift++ {
		keys := sc.keys[:0]
		for sym, f := range freq {
			if f > 0 {
				keys = append(keys, uint64(max(f>>shift, 1))<<16|uint64(sym))
			}
		}
		slices.Sort(keys)
		n := len(keys)
		for i, k := range keys {
			sc.freq[i] = uint32(k >> 16)
		}
		// Two-queue Huffman: leaves in order, internal nodes created in order.
		li, ii, next := 0, n, n
		for next < 2*n-1 {
			var kids [2]int
			for k := range kids {
				if li < n && (ii >= next || sc.freq[li] <= sc.freq[ii]) {
					kids[k] = li
					li++
				} else {
					kids[k] = ii
					ii++
				}
			}
			sc.freq[next] = sc.freq[kids[0]] + sc.freq[kids[1]]
			sc.parent[kids[0]], sc.parent[kids[1]] = uint16(next), uint16(next)
			next++
		}
		root := 2*n - 2
		sc.depth[root] = 0
		deepest := uint8(0)
		for i := root - 1; i >= 0; i-- {
			sc.depth[i] = sc.depth[sc.parent[i]] + 1
			if i < n {
				deepest = max(deepest, sc.depth[i])
			}
		}
		if deepest <= maxBits {
			for i, k := range keys {
				lens[uint16(k)] = sc.depth[i]
			}
			return
		}
	}
}

// canonical assigns canonical codes (RFC 1951 §3.2.2), bit-reversed for the LSB-first
// writer.
func canonical(lens []uint8, codes []uint16) {
	var count [16]uint16
	for _, l := range lens {
		if l != 0 { // most lengths are 0: counting them serialises on count[0]
			count[l]++
		}
	}
	var next [16]uint16
	code := uint16(0)
	for b := 1; b < 16; b++ {
		code = (code + count[b-1]) << 1
		next[b] = code
	}
	for sym, l := range lens {
		if l > 0 {
			codes[sym] = reverse(next[l], l)
			next[l]++
		}
	}
}

// rle run-length codes the code lengths (RFC 1951 §3.2.7: 16 repeats the previous length
// 3-6 times, 17 repeats zero 3-10 times, 18 repeats zero 11-138 times).
func (sc *leanScratch) rle(hlit, hdist int) {
	sc.nclToks = 0
	sc.clFreq = [numCL]uint32{}
	at := func(i int) uint8 {
		if i < hlit {
			return sc.litLen[i]
		}
		return sc.distLen[i-hlit]
	}
	emit := func(sym, extra int) {
		sc.clToks[sc.nclToks] = uint16(sym | extra<<5)
		sc.nclToks++
		sc.clFreq[sym]++
	}
	n := hlit + hdist
	for i := 0; i < n; {
		l := at(i)
		run := 1
		for i+run < n && at(i+run) == l {
			run++
		}
		i += run
		if l == 0 {
			for run >= 11 {
				k := min(run, 138)
				emit(18, k-11)
				run -= k
			}
			if run >= 3 {
				emit(17, run-3)
				run = 0
			}
		} else {
			emit(int(l), 0)
			run--
			for run >= 3 {
				k := min(run, 6)
				emit(16, k-3)
				run -= k
			}
		}
		for ; run > 0; run-- {
			emit(int(l), 0)
		}
	}
}

var clExtraBits = [numCL]uint8{16: 2, 17: 3, 18: 7}

// writeBlock emits the gathered tokens as one block, dynamic or fixed, whichever is
// smaller, ending with end-of-block.
func (e *leanEncoder) writeBlock(sc *leanScratch) {
	sc.litFreq[256] = 1 // end of block
	// Every alphabet needs two codes at least, or the code is incomplete.
	if used := countUsed(sc.distFreq[:]); used < 2 {
		sc.distFreq[0] = max(sc.distFreq[0], 1)
		sc.distFreq[1] = max(sc.distFreq[1], 1)
	}
	sc.buildLengths(sc.litFreq[:], sc.litLen[:], 15)
	sc.buildLengths(sc.distFreq[:], sc.distLen[:], 15)
	hlit := numLit
	for hlit > 257 && sc.litLen[hlit-1] == 0 {
		hlit--
	}
	hdist := numDist
	for hdist > 1 && sc.distLen[hdist-1] == 0 {
		hdist--
	}
	sc.rle(hlit, hdist)
	if used := countUsed(sc.clFreq[:]); used < 2 {
		for i := range 2 {
			sc.clFreq[i] = max(sc.clFreq[i], 1)
		}
	}
	sc.buildLengths(sc.clFreq[:], sc.clLen[:], 7)
	nclen := numCL
	for nclen > 4 && sc.clLen[clOrder[nclen-1]] == 0 {
		nclen--
	}

	dyn := 3 + 5 + 5 + 4 + 3*nclen
	for sym, f := range sc.clFreq {
		dyn += int(f) * (int(sc.clLen[sym]) + int(clExtraBits[sym]))
	}
	fixed := 3
	for sym, f := range sc.litFreq {
		dyn += int(f) * int(sc.litLen[sym])
		fixed += int(f) * int(fixedLitLen[sym])
	}
	for sym, f := range sc.distFreq {
		dyn += int(f) * int(sc.distLen[sym])
		fixed += int(f) * 5
	}

	if fixed <= dyn {
		e.writeBits(2, 3) // BFINAL=0, BTYPE=01: fixed Huffman (RFC 1951 §3.2.6)
		fixedTablesOnce.Do(func() {
			tokenTables(&fixedLT, &fixedDT, fixedLitCode[:numLit], fixedLitLen[:numLit], fixedDistCode[:], fixedDistLen[:])
		})
		e.writeTokens(sc.toks, &fixedLT, &fixedDT)
		return
	}
	canonical(sc.litLen[:], sc.litCode[:])
	canonical(sc.distLen[:], sc.distCode[:])
	canonical(sc.clLen[:], sc.clCode[:])
	e.writeBits(4, 3) // BFINAL=0, BTYPE=10: dynamic Huffman (RFC 1951 §3.2.7)
	e.writeBits(uint64(hlit-257), 5)
	e.writeBits(uint64(hdist-1), 5)
	e.writeBits(uint64(nclen-4), 4)
	for _, sym := range clOrder[:nclen] {
		e.writeBits(uint64(sc.clLen[sym]), 3)
	}
	for _, t := range sc.clToks[:sc.nclToks] {
		sym := t & 31
		e.writeBits(uint64(sc.clCode[sym]), uint(sc.clLen[sym]))
		if n := clExtraBits[sym]; n > 0 {
			e.writeBits(uint64(t>>5), uint(n))
		}
	}
	tokenTables(&sc.lt, &sc.dt, sc.litCode[:], sc.litLen[:], sc.distCode[:], sc.distLen[:])
	e.writeTokens(sc.toks, &sc.lt, &sc.dt)
}

func countUsed(freq []uint32) int {
	n := 0
	for _, f := range freq {
		if f > 0 {
			n++
		}
	}
	return n
}

// tokenBatch is how many tokens writeTokens encodes into wbuf before appending it to
// the output (a token is at most 48 bits).
const tokenBatch = 1024

// writeTokens writes toks with the given tables, then end-of-block. Each token costs the
// same few table lookups, shifts and one 8-byte store, literal or match alike: the
// literal/match branch, which no predictor guesses on varied JSON, is gone (on a message
// whose literals and matches alternate regularly the branchy loop was faster, ~9% of
// the compression of BenchmarkCompress's message). The bit buffer holds fewer than 8
// bits between tokens and a token adds at most 48 (15+5+15+13). Shift counts are masked
// to 63 (they are smaller anyway) so that each shift is one instruction.
func (e *leanEncoder) writeTokens(toks []uint32, lt *[512]uint32, dt *[32]uint32) {
	for e.nbits >= 8 {
		e.out = append(e.out, byte(e.bits))
		e.bits >>= 8
		e.nbits -= 8
	}
	acc, n := e.bits, e.nbits
	wb := &e.sc.wbuf
	for len(toks) > 0 {
		batch := toks[:min(len(toks), tokenBatch)]
		toks = toks[len(batch):]
		o := 0
		for _, t := range batch {
			x := lt[t&511]
			acc |= uint64(x&0xffff) << (n & 63)
			n += uint(x>>16) & 63
			acc |= uint64(t>>9&31) << (n & 63)
			n += uint(x >> 24)
			y := dt[t>>14&31]
			acc |= uint64(y&0xffff) << (n & 63)
			n += uint(y>>16) & 63
			acc |= uint64(t>>19) << (n & 63)
			n += uint(y >> 24)
			binary.LittleEndian.PutUint64(wb[o:], acc)
			k := n >> 3
			o += int(k)
			acc >>= (k << 3) & 63
			n &= 7
		}
		e.out = append(e.out, wb[:o]...)
		if len(e.out) >= leanOutFlush && e.w != nil {
			e.flushOut()
		}
	}
	e.bits, e.nbits = acc, n
	e.writeBits(uint64(lt[256]&0xffff), uint(lt[256]>>16&0xff)) // end of block
}

// tokenTables fills lt and dt, writeTokens' tables, from a code: per symbol,
// code | length<<16 | extra bits<<24. dt[noDist] and dt[31] stay 0: a literal writes
// nothing there.
func tokenTables(lt *[512]uint32, dt *[32]uint32, litCode []uint16, litLen []uint8, distCode []uint16, distLen []uint8) {
	for sym := range numLit {
		x := uint32(litCode[sym]) | uint32(litLen[sym])<<16
		if sym > 256 {
			x |= uint32(lengthExtra[sym-257]) << 24
		}
		lt[sym] = x
	}
	for sym := range numDist {
		dt[sym] = uint32(distCode[sym]) | uint32(distLen[sym])<<16 | uint32(distExtra[sym])<<24
	}
}

// The fixed code's tables for writeTokens, built once.
var (
	fixedTablesOnce sync.Once
	fixedLT         [512]uint32
	fixedDT         [32]uint32
)

func distSymbol(d int) uint8 {
	if d-1 < 256 {
		return distSym[d-1]
	}
	return distSym[256+(d-1)>>7]
}
