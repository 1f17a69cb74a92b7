package conn

import "sync"

// Buffers are pooled process-wide by size class so that an idle connection holds none:
// a Conn borrows one for the duration of a read or a write and gives it back after.
// Each class's buffers have slack for frame headers and a queued control frame on top of
// the nominal size, so a message of exactly the class size still fits one buffer.
const bufSlack = 2 * (frame14 + 125)

const frame14 = 14 // frame.MaxHeaderSize, kept local for constant arithmetic

var classSizes = [...]int{1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20}

var pools [len(classSizes)]sync.Pool

// maxPooled is the largest capacity that goes back to a pool; larger buffers are left to
// the garbage collector.
var maxPooled = classSizes[len(classSizes)-1] + bufSlack

// getBuf returns a buffer with capacity of at least n and length 0. The pointer is what
// putBuf takes back (pooling pointers keeps Get/Put free of allocations).
func getBuf(n int) *[]byte {
	for i, sz := range classSizes {
		if n <= sz+bufSlack {
			if v := pools[i].Get(); v != nil {
				return v.(*[]byte)
			}
			b := make([]byte, 0, sz+bufSlack)
			return &b
		}
	}
	b := make([]byte, 0, n)
	return &b
}

// putBuf returns a buffer from getBuf to its pool.
func putBuf(bp *[]byte) {
	c := cap(*bp)
	if c > maxPooled {
		return
	}
	for i := len(classSizes) - 1; i >= 0; i-- {
		if c >= classSizes[i]+bufSlack {
			*bp = (*bp)[:0]
			pools[i].Put(bp)
			return
		}
	}
}
