package deflate

import (
	"encoding/binary"
	"errors"
	"io"
	"sync"
)

// This file is the package's own DEFLATE decoder (RFC 1951). It accepts and rejects
// exactly what compress/flate does (FuzzInflateDifferential checks it), but it decodes
// from a 64-bit bit buffer refilled eight bytes at a time, builds its Huffman tables
// without allocating, copies matches with memmove, reads a preset history (the context
// taken over from earlier messages) where it lies instead of copying it in, and keeps
// the output in one buffer, so a message costs no allocation and no copy beyond handing
// the output out.

// errInflate is any violation of RFC 1951 found while decoding; the Decompressor reports
// it as ErrCorrupt.
var errInflate = errors.New("deflate: invalid DEFLATE data")

const (
	maxCodeBits   = 15                  // RFC 1951 §3.2.7: code lengths 0-15
	fastBits      = 10                  // codes up to this long decode with one table lookup
	maxHistory    = 32768               // RFC 1951 §2: distances reach at most 32768 bytes back
	inflateHist   = maxHistory + 16<<10 // output space; past it the last 32 KiB slide to the front
	maxLitSymbols = 286                 // RFC 1951 §3.2.5: 286 and 287 never occur
	maxDistSyms   = 30
)

// huffDecoder decodes one canonical Huffman code (RFC 1951 §3.2.2). fast maps the next
// tableBits input bits to symbol<<4 | length for codes of at most fastBits bits; 0 means
// a longer code (or none), decoded from count and symbol.
type huffDecoder struct {
	mask   uint64                // 1<<tableBits - 1, tableBits = min(fastBits, longest code)
	fast   [1 << fastBits]uint16 // fast[:mask+1] is in use
	count  [maxCodeBits + 1]uint16
	symbol [maxLitSymbols + 2]uint16
}

// init builds the decoder for the code lengths lens. It accepts what compress/flate
// accepts: a complete code, a single code of length 1, or no code at all (any symbol
// then fails to decode).
func (h *huffDecoder) init(lens []uint8) bool {
	h.count = [maxCodeBits + 1]uint16{}
	for _, l := range lens {
		if l != 0 {
			h.count[l]++
		}
	}
	left, total := 1, 0
	for l := 1; l <= maxCodeBits; l++ {
		left = left<<1 - int(h.count[l])
		total += int(h.count[l])
		if left < 0 {
			return false // over-subscribed
		}
	}
	if left > 0 && total != 0 && !(total == 1 && h.count[1] == 1) {
		return false // incomplete
	}
	var offs, next [maxCodeBits + 2]uint16
	code, longest := uint16(0), 0
	for l := 1; l <= maxCodeBits; l++ {
		offs[l+1] = offs[l] + h.count[l]
		next[l] = code
		code = (code + h.count[l]) << 1
		if h.count[l] != 0 {
			longest = l
		}
	}
	// A small code gets a small table: less to clear and fill per block.
	size := 1 << min(fastBits, longest)
	h.mask = uint64(size - 1)
	fast := h.fast[:size]
	clear(fast)
	for sym, l := range lens {
		if l == 0 {
			continue
		}
		h.symbol[offs[l]] = uint16(sym)
		offs[l]++
		c := next[l]
		next[l]++
		if l <= fastBits {
			e := uint16(sym)<<4 | uint16(l)
			for i := int(reverse(c, l)); i < size; i += 1 << l {
				fast[i] = e
			}
		}
	}
	return true
}

// Fixed codes (RFC 1951 §3.2.6), built once.
var (
	fixedOnce                 sync.Once
	fixedLitDec, fixedDistDec huffDecoder
)

func initFixed() {
	var lens [288]uint8
	for i := range lens {
		switch {
		case i < 144:
			lens[i] = 8
		case i < 256:
			lens[i] = 9
		case i < 280:
			lens[i] = 7
		default:
			lens[i] = 8
		}
	}
	fixedLitDec.init(lens[:])
	var dl [32]uint8
	for i := range dl {
		dl[i] = 5
	}
	fixedDistDec.init(dl[:])
}

// Decoding state between calls to decode.
const (
	stateHeader  = iota // at a block header
	stateStored         // storedLeft bytes of a stored block to copy
	stateHuffman        // inside a Huffman block
	stateDone           // the final block has ended
)

// inflater decodes a DEFLATE stream from src into hist. The history is dict (a preset
// dictionary, read in place) followed by hist[:wpos] (output); hist[rpos:wpos] is output
// not yet handed out. Once hist slides it holds the whole window and dict is dropped.
type inflater struct {
	src   source
	bits  uint64 // input bits not yet used, the next one lowest; nothing above nbits
	nbits uint

	dict       []byte // preset history before hist[0]; nil once hist has slid
	hist       []byte
	rpos, wpos int
	err        error // sticky: the first error decoding met

	state      int
	final      bool
	storedLeft int
	lit, dist  *huffDecoder
	dynLit     huffDecoder
	dynDist    huffDecoder
	cl         huffDecoder
	lens       [maxLitSymbols + maxDistSyms]uint8
}

var inflaterPool sync.Pool

func getInflater(dict []byte) *inflater {
	f, _ := inflaterPool.Get().(*inflater)
	if f == nil {
		fixedOnce.Do(initFixed)
		f = &inflater{hist: make([]byte, inflateHist)}
	}
	f.dict = dict[max(0, len(dict)-maxHistory):]
	f.rpos, f.wpos = 0, 0
	f.bits, f.nbits = 0, 0
	f.state, f.final, f.storedLeft, f.err = stateHeader, false, 0, nil
	return f
}

func putInflater(f *inflater) {
	f.dict = nil
	buf := f.src.buf
	f.src = source{buf: buf[:cap(buf)]}
	inflaterPool.Put(f)
}

// need makes at least n (<= 57) bits available, reading only the bytes it must: the
// source may be a network connection, and bytes past the current block may not have
// been sent yet.
func (f *inflater) need(n uint) error {
	for f.nbits < n {
		s := &f.src
		if len(s.b) == 0 {
			if err := s.fill(); err != nil {
				if err == io.EOF {
					return errInflate // the stream stops inside a block
				}
				return err
			}
			continue
		}
		f.bits |= uint64(s.b[0]) << f.nbits
		f.nbits += 8
		s.b = s.b[1:]
	}
	return nil
}

// refill tops the bit buffer up to at least 56 bits from bytes already at hand, without
// reading the source.
func (f *inflater) refill() {
	if s := &f.src; f.nbits < 56 && len(s.b) >= 8 {
		f.bits |= binary.LittleEndian.Uint64(s.b) << f.nbits
		k := (63 - f.nbits) >> 3
		s.b = s.b[k:]
		f.nbits += k << 3
		f.bits &= 1<<f.nbits - 1
	}
}

func (f *inflater) take(n uint) uint64 {
	v := f.bits & (1<<n - 1)
	f.bits >>= n
	f.nbits -= n
	return v
}

// sym decodes one symbol with h.
func (f *inflater) sym(h *huffDecoder) (int, error) {
	for {
		e := h.fast[f.bits&h.mask]
		if n := uint(e & 15); n != 0 && n <= f.nbits {
			f.bits >>= n
			f.nbits -= n
			return int(e >> 4), nil
		} else if n == 0 && f.nbits >= fastBits {
			return f.symSlow(h)
		}
		// Too few bits at hand to tell: take one more byte.
		if err := f.need(f.nbits + 1); err != nil {
			return 0, err
		}
	}
}

// symSlow decodes a code longer than fastBits one bit at a time (or finds none).
func (f *inflater) symSlow(h *huffDecoder) (int, error) {
	code, first, index := 0, 0, 0
	for l := uint(1); l <= maxCodeBits; l++ {
		if err := f.need(l); err != nil {
			return 0, err
		}
		code |= int(f.bits>>(l-1)) & 1
		count := int(h.count[l])
		if code-count < first {
			f.take(l)
			return int(h.symbol[index+code-first]), nil
		}
		index += count
		first = (first + count) << 1
		code <<= 1
	}
	return 0, errInflate
}

// decode decodes into hist until it is full (less than one longest match of room), the
// final block ends, or an error. The caller makes room first.
// An error is final: decode returns it again (the input position is lost).
func (f *inflater) decode() error {
	for f.err == nil && f.state != stateDone && f.wpos+leanMaxMatch <= len(f.hist) {
		switch f.state {
		case stateHeader:
			f.err = f.header()
		case stateStored:
			f.err = f.stored()
		case stateHuffman:
			f.err = f.huffman()
		}
	}
	return f.err
}

// header reads a block header (RFC 1951 §3.2.3) and, for a dynamic block, its code
// lengths (§3.2.7).
func (f *inflater) header() error {
	if err := f.need(3); err != nil {
		return err
	}
	f.final = f.take(1) == 1
	switch f.take(2) {
	case 0: // stored (§3.2.4): skip to a byte boundary, then LEN and NLEN
		f.take(f.nbits & 7)
		if err := f.need(32); err != nil {
			return err
		}
		n, nn := uint16(f.take(16)), uint16(f.take(16))
		if nn != ^n {
			return errInflate
		}
		f.storedLeft, f.state = int(n), stateStored
		return nil
	case 1:
		f.lit, f.dist, f.state = &fixedLitDec, &fixedDistDec, stateHuffman
		return nil
	case 2:
		if err := f.dynamic(); err != nil {
			return err
		}
		f.lit, f.dist, f.state = &f.dynLit, &f.dynDist, stateHuffman
		return nil
	}
	return errInflate // BTYPE 11 is reserved
}

func (f *inflater) dynamic() error {
	if err := f.need(14); err != nil {
		return err
	}
	nlit := int(f.take(5)) + 257
	ndist := int(f.take(5)) + 1
	nclen := int(f.take(4)) + 4
	if nlit > maxLitSymbols || ndist > maxDistSyms {
		return errInflate
	}
	var cl [numCL]uint8
	for _, sym := range clOrder[:nclen] {
		if err := f.need(3); err != nil {
			return err
		}
		cl[sym] = uint8(f.take(3))
	}
	if !f.cl.init(cl[:]) {
		return errInflate
	}
	lens := f.lens[:nlit+ndist]
	for i := 0; i < len(lens); {
		f.refill()
		x, err := f.sym(&f.cl)
		if err != nil {
			return err
		}
		if x < 16 {
			lens[i] = uint8(x)
			i++
			continue
		}
		var rep int
		var nb uint
		var v uint8
		switch x {
		case 16:
			if i == 0 {
				return errInflate
			}
			rep, nb, v = 3, 2, lens[i-1]
		case 17:
			rep, nb = 3, 3
		case 18:
			rep, nb = 11, 7
		default:
			return errInflate
		}
		if err := f.need(nb); err != nil {
			return err
		}
		rep += int(f.take(nb))
		if i+rep > len(lens) {
			return errInflate
		}
		for ; rep > 0; rep-- {
			lens[i] = v
			i++
		}
	}
	if !f.dynLit.init(lens[:nlit]) || !f.dynDist.init(lens[nlit:]) {
		return errInflate
	}
	return nil
}

// stored copies what it can of a stored block into hist.
func (f *inflater) stored() error {
	// Whole bytes may be waiting in the bit buffer (it is byte-aligned here).
	for f.storedLeft > 0 && f.nbits >= 8 && f.wpos < len(f.hist) {
		f.hist[f.wpos] = byte(f.take(8))
		f.wpos++
		f.storedLeft--
	}
	s := &f.src
	for f.storedLeft > 0 && f.wpos < len(f.hist) {
		if len(s.b) == 0 {
			if err := s.fill(); err != nil {
				if err == io.EOF {
					return errInflate
				}
				return err
			}
		}
		n := copy(f.hist[f.wpos:f.wpos+min(f.storedLeft, len(f.hist)-f.wpos)], s.b)
		s.b = s.b[n:]
		f.wpos += n
		f.storedLeft -= n
	}
	if f.storedLeft == 0 {
		f.endBlock()
	}
	return nil
}

func (f *inflater) endBlock() {
	if f.final {
		f.state = stateDone
	} else {
		f.state = stateHeader
	}
}

// huffman decodes symbols of a fixed or dynamic block (RFC 1951 §3.2.5) while hist has
// room for a longest match: with the fast loop while eight input bytes are at hand, else
// one symbol at a time, reading the source only for the bits it must have.
func (f *inflater) huffman() error {
	for f.wpos+leanMaxMatch <= len(f.hist) && f.state == stateHuffman {
		if len(f.src.b) >= 8 {
			if err := f.huffmanFast(); err != nil {
				return err
			}
			continue
		}
		if err := f.huffmanOne(); err != nil {
			return err
		}
	}
	return nil
}

// huffmanFast decodes while at least eight input bytes are unread and hist has room for
// a longest match, keeping the bit buffer and output position in locals. Each step
// tops the bit buffer up to 56 bits or more, which hold a whole literal or a whole
// length/distance pair: a 15-bit length code, 5 extra bits, a 15-bit distance code and
// 13 extra bits (48 bits). A code longer than the lookup table, or none at all, goes to
// symSlow with the state stored back. Bits above nbits in the local buffer are always
// the next input bits (the refill loads eight bytes and consumes only whole ones), so
// or-ing the same bytes in again is harmless; they are cleared when the state is stored.
// Shift counts are masked to their known range so that each shift is one instruction.
func (f *inflater) huffmanFast() error {
	hist, lit, dist := f.hist, f.lit, f.dist
	bits, nbits, in, w := f.bits, f.nbits, f.src.b, f.wpos
	litMask, distMask := lit.mask, dist.mask
	var err error
	for len(in) >= 8 && w+leanMaxMatch <= len(hist) {
		bits |= binary.LittleEndian.Uint64(in) << (nbits & 63)
		k := (63 - nbits) >> 3
		in = in[k:]
		nbits += k << 3

		e := lit.fast[bits&litMask]
		n := uint(e & 15)
		var v int
		if n == 0 {
			f.bits, f.nbits, f.src.b = bits&(1<<nbits-1), nbits, in
			if v, err = f.symSlow(lit); err != nil {
				break
			}
			bits, nbits = f.bits, f.nbits
		} else {
			bits >>= n
			nbits -= n
			v = int(e >> 4)
		}
		if v < 256 {
			hist[w] = byte(v)
			w++
			// A second literal from the same refill (56 - 15 bits remain).
			e = lit.fast[bits&litMask]
			if n = uint(e & 15); n != 0 && e>>4 < 256 {
				bits >>= n
				nbits -= n
				hist[w] = byte(e >> 4)
				w++
			}
			continue
		}
		if v == 256 {
			f.endBlock()
			break
		}
		if v >= maxLitSymbols {
			err = errInflate
			break
		}
		ls := v - 257
		length := int(lengthBase[ls])
		if n := uint(lengthExtra[ls]) & 7; n > 0 {
			length += int(bits & (1<<n - 1))
			bits >>= n
			nbits -= n
		}
		e = dist.fast[bits&distMask]
		var ds int
		if n = uint(e & 15); n == 0 {
			f.bits, f.nbits, f.src.b = bits&(1<<nbits-1), nbits, in
			if ds, err = f.symSlow(dist); err != nil {
				break
			}
			bits, nbits = f.bits, f.nbits
		} else {
			bits >>= n
			nbits -= n
			ds = int(e >> 4)
		}
		if ds >= maxDistSyms {
			err = errInflate
			break
		}
		d := int(distBase[ds])
		if n := uint(distExtra[ds]) & 15; n > 0 {
			d += int(bits & (1<<n - 1))
			bits >>= n
			nbits -= n
		}
		if w, err = f.copyMatch(w, length, d); err != nil {
			break
		}
	}
	f.bits, f.nbits, f.src.b, f.wpos = bits&(1<<nbits-1), nbits, in, w
	return err
}

// huffmanOne decodes one symbol (and its match), reading the source only for the bits it
// needs.
func (f *inflater) huffmanOne() error {
	f.refill()
	v, err := f.sym(f.lit)
	if err != nil {
		return err
	}
	if v < 256 {
		f.hist[f.wpos] = byte(v)
		f.wpos++
		return nil
	}
	if v == 256 {
		f.endBlock()
		return nil
	}
	if v >= maxLitSymbols {
		return errInflate
	}
	ls := v - 257
	length := int(lengthBase[ls])
	if n := uint(lengthExtra[ls]); n > 0 {
		if err := f.need(n); err != nil {
			return err
		}
		length += int(f.take(n))
	}
	ds, err := f.sym(f.dist)
	if err != nil {
		return err
	}
	if ds >= maxDistSyms {
		return errInflate
	}
	d := int(distBase[ds])
	if n := uint(distExtra[ds]); n > 0 {
		if err := f.need(n); err != nil {
			return err
		}
		d += int(f.take(n))
	}
	f.wpos, err = f.copyMatch(f.wpos, length, d)
	return err
}

// copyMatch appends the length bytes found d bytes back (RFC 1951 §3.2.3) at hist[w:]
// and returns the new output position; hist has room for them (w+258 <= len(hist)).
func (f *inflater) copyMatch(w, length, d int) (int, error) {
	hist := f.hist
	end := w + length
	src := w - d
	if src < 0 {
		// The match starts in the preset history.
		far := -src
		if far > len(f.dict) {
			return w, errInflate // before the start of the history
		}
		from := len(f.dict) - far
		if length <= 64 && far >= length+8 && end+8 <= len(hist) {
			// A short match all in the history, with 8 bytes to spare: 8 bytes a
			// step (memmove is faster only for long ones).
			for ; w < end; w, from = w+8, from+8 {
				binary.LittleEndian.PutUint64(hist[w:], binary.LittleEndian.Uint64(f.dict[from:]))
			}
			return end, nil
		}
		w += copy(hist[w:end], f.dict[from:])
		src = 0
	} else if end+8 <= len(hist) {
		if d >= 8 {
			// Eight bytes a step: each load reads bytes already written (d >= 8); the
			// last store may run up to 7 bytes past end, into space not yet written.
			for ; w < end; w, src = w+8, src+8 {
				binary.LittleEndian.PutUint64(hist[w:], binary.LittleEndian.Uint64(hist[src:]))
			}
			return end, nil
		}
		if length <= 16 {
			for ; w < end; w, src = w+1, src+1 {
				hist[w] = hist[src]
			}
			return end, nil
		}
	}
	// Copy, doubling the source run while the match overlaps itself.
	for w < end {
		w += copy(hist[w:end], hist[src:w])
	}
	return end, nil
}

// read hands out decoded bytes, decoding more as needed; io.EOF after the final block.
func (f *inflater) read(p []byte) (int, error) {
	for f.rpos == f.wpos {
		if f.state == stateDone {
			return 0, io.EOF
		}
		if f.wpos+leanMaxMatch > len(f.hist) {
			// Keep the last maxHistory bytes as history; all output was handed out.
			n := copy(f.hist, f.hist[f.wpos-maxHistory:f.wpos])
			f.rpos, f.wpos, f.dict = n, n, nil
		}
		if err := f.decode(); err != nil {
			if f.rpos < f.wpos {
				break // hand out what was decoded first; the error comes next time
			}
			return 0, err
		}
	}
	n := copy(p, f.hist[f.rpos:f.wpos])
	f.rpos += n
	return n, nil
}

// saveWindow sets *w to the last n bytes of history (fewer if there are not that
// many), reusing its array; *w may be the preset history itself.
func (f *inflater) saveWindow(w *[]byte, n int) {
	out := f.hist[:f.wpos]
	if len(out) >= n {
		*w = append((*w)[:0], out[len(out)-n:]...)
		return
	}
	keep := min(len(f.dict), n-len(out))
	// f.dict may alias *w: move its tail to the front first, then add the output.
	k := copy((*w)[:cap(*w)], f.dict[len(f.dict)-keep:])
	*w = append((*w)[:k], out...)
}
