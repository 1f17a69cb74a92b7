//go:build !linux

package deflate

import "time"

// threadCPU is not available here: benchmarks report no CPU metric.
func threadCPU() time.Duration { return 0 }
