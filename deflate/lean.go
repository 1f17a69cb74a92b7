package deflate

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
	"sync"
)

// LowMemory is the default Options.Level: this package's own DEFLATE encoder instead of
// compress/flate. It runs greedy LZ77 over an 8192-entry hash table (16-bit positions),
// 8 KiB of input at a time, trying at each position the distance of the previous match
// as well as the hash candidate, and writes blocks of up to 16K tokens (two chunks or
// more) with fixed or dynamic Huffman codes, whichever is smaller (RFC 1951 §3.2.6,
// §3.2.7). Its output is about the size of compress/flate's BestSpeed, and much smaller
// when a message repeats what the window holds. With context takeover it keeps
// 1<<window_bits + 24 KiB for the sending direction (~57 KiB at the default 32 KiB
// window, against ~1.2 MB for BestSpeed), and it honours any server_max_window_bits /
// client_max_window_bits from 8 to 15 by never referring further back than the window.
const LowMemory = -8

const (
	leanHashBits = 13
	leanHashLen  = 5       // bytes hashed; compress stops 8 bytes before a chunk's end
	leanChunk    = 8 << 10 // input encoded per step; the buffer holds window + one chunk
	// leanBlockTokens bounds a block's tokens (pooled scratch, not per connection).
	leanBlockTokens = 2 * leanChunk
	leanMinMatch    = 4
	leanMaxMatch    = 258 // RFC 1951 §3.2.5
	leanOutFlush    = 4 << 10
)

// Fixed-Huffman tables (RFC 1951 §3.2.6), codes bit-reversed for an LSB-first writer.
var (
	fixedLitCode [288]uint16
	fixedLitLen  [288]uint8
	fixedDist    [30]uint8 // 5-bit codes, reversed
	lengthSym    [leanMaxMatch + 1]uint8
	lengthBase   = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra  = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase     = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra    = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	distSym      [512]uint8 // (d-1) < 256: distSym[d-1]; else distSym[256+(d-1)>>7]
)

func reverse(code uint16, n uint8) uint16 { return bits.Reverse16(code) >> (16 - n) }

func init() {
	for v := range 288 {
		var code uint16
		var n uint8
		switch {
		case v < 144:
			code, n = uint16(0x30+v), 8
		case v < 256:
			code, n = uint16(0x190+v-144), 9
		case v < 280:
			code, n = uint16(v-256), 7
		default:
			code, n = uint16(0xc0+v-280), 8
		}
		fixedLitCode[v], fixedLitLen[v] = reverse(code, n), n
	}
	for i := range fixedDist {
		fixedDist[i] = uint8(reverse(uint16(i), 5))
		fixedDistCode[i], fixedDistLen[i] = uint16(fixedDist[i]), 5
	}
	for s := range lengthBase {
		hi := leanMaxMatch
		if s+1 < len(lengthBase) {
			hi = int(lengthBase[s+1]) - 1
		}
		for l := int(lengthBase[s]); l <= hi && l <= leanMaxMatch; l++ {
			lengthSym[l] = uint8(s)
		}
	}
	lengthSym[leanMaxMatch] = 28 // 258 has its own code, not 227+31
	for s := range distBase {
		lo := int(distBase[s])
		hi := 32768
		if s+1 < len(distBase) {
			hi = int(distBase[s+1]) - 1
		}
		for d := lo; d <= hi; d++ {
			if d-1 < 256 {
				distSym[d-1] = uint8(s)
			} else {
				distSym[256+(d-1)>>7] = uint8(s)
			}
		}
	}
}

// leanEncoder is the LowMemory encoder. buf holds up to winSize bytes of history
// followed by the chunk being encoded; table maps a 4-byte hash to the absolute stream
// position (plus one) where it was last seen.
type leanEncoder struct {
	winSize int
	buf     []byte
	pend    int                       // buf[pend:] is input not yet encoded
	base    uint32                    // stream position of buf[0], modulo 1<<32
	table   [1 << leanHashBits]uint16 // 4-byte hash -> last position seen, modulo 1<<16

	bits  uint64
	nbits uint

	out   []byte    // output: the caller's dst, or stage when w != nil
	w     io.Writer // stream destination
	stage []byte    // staging buffer for streamed output, kept between messages
	err   error

	maxDist int // largest distance emitted since the last forget; tests check the window
	rep     int // distance of the last match (0: none since the last forget)

	sc *leanScratch // the block being gathered, held only during a message
}

var leanPools [MaxWindowBits + 1]sync.Pool

func getLean(bits int) *leanEncoder {
	if e, _ := leanPools[bits].Get().(*leanEncoder); e != nil {
		return e
	}
	return &leanEncoder{winSize: 1 << bits}
}

func putLean(e *leanEncoder) {
	e.forget()
	e.out, e.w, e.err = nil, nil, nil
	leanPools[bits.Len(uint(e.winSize))-1].Put(e)
}

// forget drops the LZ77 context. Stale table entries would be harmless (compress checks
// every candidate against buf, which then holds only the new context), but they would
// make the output depend on what the encoder compressed before; clearing keeps it a
// function of the message and its context alone.
func (e *leanEncoder) forget() {
	e.dropScratch()
	clear(e.table[:])
	e.buf = e.buf[:0]
	e.pend = 0
	e.bits, e.nbits, e.maxDist, e.rep = 0, 0, 0, 0
}

func (e *leanEncoder) writeBits(b uint64, n uint) {
	e.bits |= b << e.nbits
	e.nbits += n
	if e.nbits >= 32 {
		e.out = binary.LittleEndian.AppendUint32(e.out, uint32(e.bits))
		e.bits >>= 32
		e.nbits -= 32
		if e.w != nil && len(e.out) >= leanOutFlush {
			e.flushOut()
		}
	}
}

func (e *leanEncoder) flushOut() {
	if e.err == nil && len(e.out) > 0 {
		_, e.err = e.w.Write(e.out)
	}
	e.out = e.out[:0]
}

// write buffers p and encodes it a chunk (leanChunk bytes) at a time, so the output does
// not depend on how the message was split into writes.
func (e *leanEncoder) write(p []byte) error {
	if e.buf == nil {
		e.buf = make([]byte, 0, e.winSize+leanChunk)
	}
	for len(p) > 0 && e.err == nil {
		n := min(len(p), leanChunk-(len(e.buf)-e.pend))
		if len(e.buf)+n > cap(e.buf) {
			e.slide()
		}
		e.buf = append(e.buf, p[:n]...)
		p = p[n:]
		if len(e.buf)-e.pend == leanChunk {
			e.encodePending()
		}
	}
	return e.err
}

// slide drops history older than the window from the front of buf, keeping the
// pending (not yet encoded) bytes.
func (e *leanEncoder) slide() {
	drop := e.pend - min(e.pend, e.winSize)
	copy(e.buf, e.buf[drop:])
	e.buf = e.buf[:len(e.buf)-drop]
	e.pend -= drop
	e.base += uint32(drop)
}

// encodePending LZ77-encodes buf[pend:] into the block being gathered. A block spans
// chunks until its token buffer might not hold another chunk: fewer, larger blocks mean
// fewer Huffman tables to build here and to decode at the peer.
func (e *leanEncoder) encodePending() {
	if e.pend == len(e.buf) {
		return
	}
	if e.sc == nil {
		e.sc = scratchPool.Get().(*leanScratch)
		e.sc.reset()
	}
	e.compress(e.pend, e.sc)
	e.pend = len(e.buf)
	if len(e.sc.toks) > leanBlockTokens-leanChunk {
		e.flushBlock()
	}
}

// flushBlock writes the gathered block, if any, and gives its scratch back to the pool.
func (e *leanEncoder) flushBlock() {
	if e.sc == nil {
		return
	}
	e.writeBlock(e.sc)
	e.dropScratch()
}

func (e *leanEncoder) dropScratch() {
	if e.sc != nil {
		scratchPool.Put(e.sc)
		e.sc = nil
	}
}

// load64 returns the 8 bytes at b[i:] as a little-endian word, zero-padded past the
// end of b.
func load64(b []byte, i int) uint64 {
	if i+8 <= len(b) {
		return binary.LittleEndian.Uint64(b[i:])
	}
	var u uint64
	for k, c := range b[i:] {
		u |= uint64(c) << (8 * k)
	}
	return u
}

// hashN hashes the low leanHashLen bytes of u (multiplicative). Five bytes rather than
// the minimum match's four: on JSON the commonest 4-byte strings ("\":\"", "\",\"")
// keep overwriting each other's slots, and a 5-byte key finds longer matches (-7% wire
// bytes on the varied-JSON echo, at the same speed).
func hashN(u uint64) uint32 {
	return uint32(((u << (64 - 8*leanHashLen)) * 0xcf1bbcdcb7a56463) >> (64 - leanHashBits))
}

// compress turns buf[start:] into tokens in sc, counting symbol frequencies.
//
// At each position it tries two candidates and keeps the longer match: the distance of
// the previous match (messages on one connection often repeat structure at a fixed
// offset, and with context takeover a repeated message is one match per 258 bytes), and
// the last position with the same 5-byte hash. The table keeps positions modulo 1<<16:
// a candidate is only a guess, checked against the bytes and the window, so an entry
// that is stale or from before a forget costs a failed comparison, never a wrong match.
func (e *leanEncoder) compress(start int, sc *leanScratch) {
	buf := e.buf
	end := len(buf)
	table := &e.table
	base, rep, win := e.base, e.rep, e.winSize
	maxDist := e.maxDist
	toks := sc.toks
	litFreq := &sc.litFreq
	s, lit := start, start
	for s+leanMinMatch <= end {
		cur64 := load64(buf, s)
		cur := uint32(cur64)
		h := hashN(cur64)
		pos := uint16(base + uint32(s))
		back := int(pos - table[h]) // 0: never seen, or 64 KiB back
		table[h] = pos
		maxL := min(leanMaxMatch, end-s)
		l, d := 0, 0
		if rep > 0 && rep <= s && binary.LittleEndian.Uint32(buf[s-rep:]) == cur {
			l, d = leanMinMatch+matchLen(buf[s-rep+leanMinMatch:], buf[s+leanMinMatch:s+maxL]), rep
		}
		if l < maxL && back > 0 && back <= win && back <= s && back != d &&
			binary.LittleEndian.Uint32(buf[s-back:]) == cur {
			if cl := leanMinMatch + matchLen(buf[s-back+leanMinMatch:], buf[s+leanMinMatch:s+maxL]); cl > l {
				l, d = cl, back
			}
		}
		if l > 0 {
			for _, c := range buf[lit:s] {
				toks = append(toks, uint32(c)|litToken)
				litFreq[c]++
			}
			ls, ds := lengthSym[l], distSymbol(d)
			toks = append(toks, uint32(257+int(ls))|uint32(l-int(lengthBase[ls]))<<9|
				uint32(ds)<<14|uint32(d-int(distBase[ds]))<<19)
			litFreq[257+int(ls)]++
			sc.distFreq[ds]++
			maxDist = max(maxDist, d)
			rep = d
			s += l
			lit = s
			// Index the last position of the match too: runs of repeats find it.
			if p := s - 1; p+leanMinMatch <= end {
				table[hashN(load64(buf, p))] = uint16(base + uint32(p))
			}
			continue
		}
		// Skip faster through data that does not match (as snappy does).
		s += 1 + (s-lit)>>5
	}
	for _, c := range buf[lit:end] {
		toks = append(toks, uint32(c)|litToken)
		litFreq[c]++
	}
	sc.toks = toks
	e.rep, e.maxDist = rep, maxDist
}

// matchLen returns how many leading bytes of b equal those of a; len(a) >= len(b).
// The first word settles most short matches; past it, bytes.Equal (vectorised) settles
// a match that runs to the end, as a repeated message's do, and a word loop finds where
// a long match stops.
func matchLen(a, b []byte) int {
	n := 0
	if len(b) >= 8 {
		if x := binary.LittleEndian.Uint64(a) ^ binary.LittleEndian.Uint64(b); x != 0 {
			return bits.TrailingZeros64(x) >> 3
		}
		if bytes.Equal(a[8:len(b)], b[8:]) {
			return len(b)
		}
		n = 8
	}
	for len(b)-n >= 8 {
		if x := binary.LittleEndian.Uint64(a[n:]) ^ binary.LittleEndian.Uint64(b[n:]); x != 0 {
			return n + bits.TrailingZeros64(x)>>3
		}
		n += 8
	}
	for n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// finish ends the message (after writing the last block): the header of an empty
// stored block, padded to a byte; its LEN/NLEN (00 00 ff ff) are the tail RFC 7692
// §7.2.1 removes.
func (e *leanEncoder) finish() error {
	e.encodePending()
	e.flushBlock()
	e.writeBits(0, 3) // BFINAL=0, BTYPE=00
	for e.nbits > 0 {
		e.out = append(e.out, byte(e.bits))
		e.bits >>= 8
		e.nbits -= min(e.nbits, 8)
	}
	e.bits, e.nbits = 0, 0
	if e.w != nil {
		e.flushOut()
	}
	return e.err
}
