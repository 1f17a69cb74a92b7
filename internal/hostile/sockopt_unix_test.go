//go:build unix

package hostile

import "syscall"

// setRecvBuffer sets SO_RCVBUF on a socket before it connects, so the TCP window is
// small from the start (shrinking it on an established connection stalls the peer on
// zero-window probes instead of modelling a slow reader).
func setRecvBuffer(fd uintptr, n int) {
	syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, n)
}
