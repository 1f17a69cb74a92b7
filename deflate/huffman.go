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

// token: a literal byte (bit 31 clear), or a match: 1<<31 | length<<16 | (distance-1).
const matchFlag = 1 << 31

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
		e.writeTokens(sc.toks, fixedLitCode[:numLit], fixedLitLen[:numLit], fixedDistCode[:], fixedDistLen[:])
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
	e.writeTokens(sc.toks, sc.litCode[:], sc.litLen[:], sc.distCode[:], sc.distLen[:])
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

// writeTokens writes toks with the given codes, then end-of-block. The bit buffer lives
// in locals for the loop: at most 31 bits wait between tokens, a length code with its
// extra bits adds at most 20 and a distance with its extra bits at most 28.
func (e *leanEncoder) writeTokens(toks []uint32, litCode []uint16, litLen []uint8, distCode []uint16, distLen []uint8) {
	acc, n, out := e.bits, e.nbits, e.out
	litCode, litLen = litCode[:numLit], litLen[:numLit]
	distCode, distLen = distCode[:numDist], distLen[:numDist]
	for _, t := range toks {
		if t&matchFlag == 0 {
			t &= 0xff
			acc |= uint64(litCode[t]) << n
			n += uint(litLen[t])
		} else {
			l := int(t>>16) & 0x1ff
			d := int(t&0xffff) + 1
			ls := lengthSym[l]
			sym := 257 + int(ls)
			acc |= uint64(litCode[sym]) << n
			n += uint(litLen[sym])
			acc |= uint64(l-int(lengthBase[ls])) << n
			n += uint(lengthExtra[ls])
			if n >= 32 {
				out = binary.LittleEndian.AppendUint32(out, uint32(acc))
				acc >>= 32
				n -= 32
			}
			ds := distSymbol(d)
			acc |= uint64(distCode[ds]) << n
			n += uint(distLen[ds])
			acc |= uint64(d-int(distBase[ds])) << n
			n += uint(distExtra[ds])
		}
		if n >= 32 {
			out = binary.LittleEndian.AppendUint32(out, uint32(acc))
			acc >>= 32
			n -= 32
			if len(out) >= leanOutFlush && e.w != nil {
				e.out = out
				e.flushOut()
				out = e.out
			}
		}
	}
	e.bits, e.nbits, e.out = acc, n, out
	e.writeBits(uint64(litCode[256]), uint(litLen[256])) // end of block
}

func distSymbol(d int) uint8 {
	if d-1 < 256 {
		return distSym[d-1]
	}
	return distSym[256+(d-1)>>7]
}
