package mask

import (
	"flag"
	"fmt"
	"testing"
	"time"
)

var speedup = flag.Bool("mask.speedup", false, "run TestSpeedup: time Apply against copy() and the portable code and check the speed-up targets")

// TestSpeedup is an on-demand performance gate, off by default (timings on a shared CI
// machine are too noisy to fail a build on). Enable it with
//
//	go test -run TestSpeedup -v ./mask -mask.speedup
//
// For every size it times copy() of the same size, the portable code, Apply and, on amd64
// with AVX2 at multiples of 256 bytes, the read reference (internal/readref, a loop that only
// loads every byte), each as the fastest of 30 interleaved batches of about 4 MiB (the
// minimum filters out time stolen by other processes far better than a mean or a median
// does), logs the table and checks the targets: with SIMD, Apply at least 0.8x copy() at
// 16 KiB and 1 MiB; at least 3x the portable code from 1 KiB up, or, where that is faster
// than the machine can read the buffer, within 10% of the read reference; and no slower
// than the portable code at 8, 16 and 125 bytes.
func TestSpeedup(t *testing.T) {
	if !*speedup {
		t.Skip("performance gate; enable with -mask.speedup")
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, n := range benchSizes {
		buf := make([]byte, n)
		src := make([]byte, n)
		fs := []func(){
			func() { copy(buf, src) },
			func() { applyGeneric(buf, key, 1) },
			func() { Apply(buf, key, 1) },
		}
		haveRead := haveReadCeiling && n%256 == 0
		if haveRead {
			fs = append(fs, func() { bsink = readCeiling(buf) })
		}
		iters := max(4, (4<<20)/n)
		best := make([]time.Duration, len(fs))
		for i := range best {
			best[i] = time.Duration(1 << 62)
		}
		for range 30 {
			for i, f := range fs {
				start := time.Now()
				for range iters {
					f()
				}
				best[i] = min(best[i], time.Since(start))
			}
		}
		ns := make([]float64, len(fs))
		for i, d := range best {
			ns[i] = float64(d.Nanoseconds()) / float64(iters)
		}
		cp, gen, fast := ns[0], ns[1], ns[2]
		line := fmt.Sprintf("%6s  copy %9.1f ns  generic %9.1f ns  Apply %9.1f ns (%5.2fx copy, %5.2fx generic)",
			sizeName(n), cp, gen, fast, cp/fast, gen/fast)
		read := 0.0
		if haveRead {
			read = ns[3]
			line += fmt.Sprintf("  read reference %9.1f ns (%5.2fx generic)", read, gen/read)
		}
		t.Log(line)
		if !haveSIMD {
			continue
		}
		// 10% slack for timer granularity at the smallest sizes.
		if n <= 125 && fast > gen*1.1 {
			t.Errorf("%s: Apply %.1f ns, slower than the portable code %.1f ns", sizeName(n), fast, gen)
		}
		if n >= 16<<10 && cp/fast < 0.8 {
			t.Errorf("%s: Apply %.2fx copy(), want >= 0.8x", sizeName(n), cp/fast)
		}
		if n >= 1<<10 && gen/fast < 3 && (read == 0 || fast > read*1.1) {
			t.Errorf("%s: Apply %.2fx the portable code, want >= 3x or within 10%% of the read reference (%.2fx)",
				sizeName(n), gen/fast, gen/read)
		}
	}
}

// TestSpeedupCopy is TestSpeedup for ApplyCopy, off by default like it (same flag):
//
//	go test -run TestSpeedupCopy -v ./mask -mask.speedup
//
// For every size it times copy(), copy() followed by Apply (the two passes ApplyCopy
// replaces), the portable ApplyCopy and ApplyCopy, from a source 8 bytes past an aligned
// address (a payload behind a frame header) into a separate buffer, as the fastest of 30
// interleaved batches, logs the table and checks the targets: with SIMD, ApplyCopy at
// least 1.3x copy()+Apply from 1 KiB up and no slower than it (10% slack) below, and at
// least 0.8x copy() from 1 KiB up.
func TestSpeedupCopy(t *testing.T) {
	if !*speedup {
		t.Skip("performance gate; enable with -mask.speedup")
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	for _, n := range benchSizes {
		raw := make([]byte, 8+n)
		src := raw[8:]
		dst := make([]byte, n)
		fs := []func(){
			func() { copy(dst, src) },
			func() { copy(dst, src); Apply(dst, key, 1) },
			func() { applyCopyGeneric(dst, src, key, 1) },
			func() { ApplyCopy(dst, src, key, 1) },
		}
		iters := max(4, (4<<20)/n)
		best := make([]time.Duration, len(fs))
		for i := range best {
			best[i] = time.Duration(1 << 62)
		}
		for range 30 {
			for i, f := range fs {
				start := time.Now()
				for range iters {
					f()
				}
				best[i] = min(best[i], time.Since(start))
			}
		}
		ns := make([]float64, len(fs))
		for i, d := range best {
			ns[i] = float64(d.Nanoseconds()) / float64(iters)
		}
		cp, two, gen, fast := ns[0], ns[1], ns[2], ns[3]
		t.Logf("%6s  copy %9.1f ns  copy+Apply %9.1f ns  generic %9.1f ns  ApplyCopy %9.1f ns (%5.2fx copy+Apply, %5.2fx copy, %5.2fx generic)",
			sizeName(n), cp, two, gen, fast, two/fast, cp/fast, gen/fast)
		if !haveSIMD {
			continue
		}
		if n < 1<<10 && fast > two*1.1 {
			t.Errorf("%s: ApplyCopy %.1f ns, slower than copy()+Apply %.1f ns", sizeName(n), fast, two)
		}
		if n >= 1<<10 && two/fast < 1.3 {
			t.Errorf("%s: ApplyCopy %.2fx copy()+Apply, want >= 1.3x", sizeName(n), two/fast)
		}
		if n >= 1<<10 && cp/fast < 0.8 {
			t.Errorf("%s: ApplyCopy %.2fx copy(), want >= 0.8x", sizeName(n), cp/fast)
		}
	}
}
