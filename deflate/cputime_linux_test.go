package deflate

import (
	"syscall"
	"time"
)

// threadCPU returns the CPU time (user+system) the calling OS thread has used; with the
// goroutine locked to its thread, a benchmark can report CPU per op, which stays
// meaningful on a machine shared with other load where wall-clock ns/op does not.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
