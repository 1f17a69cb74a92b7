package server

import (
	"math/bits"
	"sync"
)

// Send copies each message into a buffer from these pools and the writer returns it once
// the message is written, so steady sending allocates nothing. Classes are powers of two
// from 64 B to 64 KiB; a bigger message gets its own buffer, left to the GC.
const (
	minClassBits = 6
	maxClassBits = 16
)

var sendPools [maxClassBits - minClassBits + 1]sync.Pool

// getSendBuf returns a buffer of length n, pooled when n fits a class.
func getSendBuf(n int) *[]byte {
	if n > 1<<maxClassBits {
		b := make([]byte, n)
		return &b
	}
	class := 0
	if n > 1<<minClassBits {
		class = bits.Len(uint(n-1)) - minClassBits
	}
	if v := sendPools[class].Get(); v != nil {
		bp := v.(*[]byte)
		*bp = (*bp)[:n]
		return bp
	}
	b := make([]byte, n, 1<<(class+minClassBits))
	return &b
}

// putSendBuf gives a buffer from getSendBuf back to its pool.
func putSendBuf(bp *[]byte) {
	c := cap(*bp)
	if c > 1<<maxClassBits || c < 1<<minClassBits || c&(c-1) != 0 {
		return
	}
	sendPools[bits.Len(uint(c))-1-minClassBits].Put(bp)
}
