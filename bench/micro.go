package main

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/gobwas/ws"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/mask"
)

// microCase is one implementation on one case of a micro-benchmark. prepare sets up n
// operations (untimed) and returns run, which performs them (timed), and done, which
// cleans up (untimed).
type microCase struct {
	measurement, cas, impl string
	bytes                  int // payload bytes per operation (0: no MB/s)
	prepare                func(n int) (run func() error, done func())
}

// runMicro measures every case cfg.count times, interleaved (run 1 of every case, then
// run 2, ...) so that a change in machine load touches all implementations alike, and
// records ns/op, ops/s, allocs/op, B/op and MB/s per run. Time is this process's CPU
// time (getrusage), not wall time: on a loaded machine, time spent descheduled is not
// charged to the code under test.
func runMicro(r *results, cfg *config, cases []microCase) {
	for run := range cfg.count {
		for _, c := range cases {
			ns, allocs, bytes, err := cpuBench(cfg.benchtime, c.prepare)
			if err != nil {
				r.printf("%s %s %s: %v\n\n", c.measurement, c.cas, c.impl, err)
				continue
			}
			r.add(c.measurement, c.cas, c.impl, "ns/op", "ns", run, ns)
			r.add(c.measurement, c.cas, c.impl, "ops/s", "1/s", run, 1e9/ns)
			r.add(c.measurement, c.cas, c.impl, "allocs/op", "allocs", run, allocs)
			r.add(c.measurement, c.cas, c.impl, "B/op", "B", run, bytes)
			if c.bytes > 0 {
				r.add(c.measurement, c.cas, c.impl, "MB/s", "MB/s", run, float64(c.bytes)*1e3/ns)
			}
		}
	}
}

// cpuBench grows n until one timed run takes at least benchtime of CPU, as
// testing.Benchmark does with wall time, and returns that run's CPU ns, allocations and
// allocated bytes per operation.
func cpuBench(benchtime time.Duration, prepare func(n int) (func() error, func())) (ns, allocs, bytes float64, err error) {
	n := 1
	for {
		run, done := prepare(n)
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		c0 := processCPU()
		err := run()
		c1 := processCPU()
		runtime.ReadMemStats(&m1)
		done()
		if err != nil {
			return 0, 0, 0, err
		}
		d := c1 - c0
		if d >= benchtime || n >= 1e9 {
			fn := float64(n)
			return float64(d.Nanoseconds()) / fn, float64(m1.Mallocs-m0.Mallocs) / fn,
				float64(m1.TotalAlloc-m0.TotalAlloc) / fn, nil
		}
		// Aim 20% past benchtime, growing at most 100× and at least by one.
		next := int64(n) * 100
		if d > 0 {
			next = min(next, int64(float64(n)*1.2*float64(benchtime)/float64(d)))
		}
		n = int(max(next, int64(n)+1))
	}
}

var maskSizes = []struct {
	name string
	n    int
}{{"8 B", 8}, {"125 B", 125}, {"1 KiB", 1 << 10}, {"16 KiB", 16 << 10}, {"1 MiB", 1 << 20}}

// benchMask is measurement 1: XOR masking throughput.
func benchMask(r *results, cfg *config) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	impls := []struct {
		name string
		fn   func(dst, src []byte)
	}{
		{"duplex mask.Apply", func(b, _ []byte) { mask.Apply(b, key, 0) }},
		{"gobwas ws.Cipher", func(b, _ []byte) { ws.Cipher(b, key, 0) }},
		{"naive loop", func(b, _ []byte) {
			for i := range b {
				b[i] ^= key[i&3]
			}
		}},
		{"copy()", func(dst, src []byte) { copy(dst, src) }},
	}
	var cases []microCase
	for _, sz := range maskSizes {
		dst, src := make([]byte, sz.n), make([]byte, sz.n)
		for _, im := range impls {
			cases = append(cases, microCase{"mask", sz.name, im.name, sz.n, func(n int) (func() error, func()) {
				return func() error {
					for range n {
						im.fn(dst, src)
					}
					return nil
				}, func() {}
			}})
		}
	}
	runMicro(r, cfg, cases)
	r.printf("## 1. Masking throughput (GB/s, higher is better)\n\n")
	head := []string{"size"}
	for _, im := range impls {
		head = append(head, im.name)
	}
	head = append(head, "duplex / gobwas", "duplex / max(gobwas, naive)")
	var rows [][]string
	for _, sz := range maskSizes {
		row := []string{sz.name}
		v := map[string]float64{}
		for _, im := range impls {
			v[im.name], _ = r.median("mask", sz.name, im.name, "MB/s")
			row = append(row, fmt.Sprintf("%.2f", v[im.name]/1e3))
		}
		d := v["duplex mask.Apply"]
		row = append(row, ratio(d, v["gobwas ws.Cipher"]), ratio(d, max(v["gobwas ws.Cipher"], v["naive loop"])))
		rows = append(rows, row)
	}
	r.table(head, rows)
}

var codecSizes = []struct {
	name string
	n    int
}{{"16 B", 16}, {"1 KiB", 1 << 10}, {"64 KiB", 64 << 10}}

// payload returns n bytes: ASCII JSON-like text for text messages, random bytes for
// binary ones.
func payload(n int, text bool) []byte {
	p := make([]byte, n)
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	const alphabet = `{"id":12345,"name":"duplex","tags":["a","b"],"ok":true} `
	for i := range p {
		if text {
			p[i] = alphabet[rng.IntN(len(alphabet))]
		} else {
			p[i] = byte(rng.Uint32())
		}
	}
	return p
}

// clientFrame encodes p as one masked client frame (RFC 6455 §5.2, §5.3).
func clientFrame(p []byte, text bool) []byte {
	op := frame.OpBinary
	if text {
		op = frame.OpText
	}
	h := frame.Header{Fin: true, Opcode: op, Masked: true, Key: [4]byte{0xa1, 0xb2, 0xc3, 0xd4}, Length: int64(len(p))}
	b := h.Append(nil)
	n := len(b)
	b = append(b, p...)
	mask.Apply(b[n:], h.Key, 0)
	return b
}

func caseName(size string, text bool) string {
	if text {
		return size + " text"
	}
	return size + " binary"
}

// benchCodec is measurement 2: reading masked client frames (server side) and writing
// server frames, through each library's connection type over a replayConn.
func benchCodec(r *results, cfg *config) {
	libs := codecLibraries()
	var cases []string
	var micro []microCase
	for _, sz := range codecSizes {
		for _, text := range []bool{true, false} {
			cas := caseName(sz.name, text)
			cases = append(cases, cas)
			p := payload(sz.n, text)
			fr := clientFrame(p, text)
			for _, l := range libs {
				micro = append(micro, microCase{"decode", cas, l.name, sz.n, func(n int) (func() error, func()) {
					rc := &replayConn{data: fr, limit: int64(n) * int64(len(fr))}
					mr, err := l.openReader(rc)
					if err != nil {
						return func() error { return err }, func() {}
					}
					return func() error { return mr.read(n) }, mr.close
				}})
				micro = append(micro, microCase{"encode", cas, l.name, sz.n, func(n int) (func() error, func()) {
					rc := &replayConn{}
					mw, err := l.openWriter(rc)
					if err != nil {
						return func() error { return err }, func() {}
					}
					return func() error {
						base := rc.written
						for range n {
							if err := mw.write(text, p); err != nil {
								return err
							}
						}
						if rc.written-base < int64(n)*int64(sz.n) {
							return fmt.Errorf("%s wrote %d bytes for %d messages of %d", l.name, rc.written-base, n, sz.n)
						}
						return nil
					}, mw.close
				}})
			}
		}
	}
	runMicro(r, cfg, micro)
	for _, dir := range []string{"decode", "encode"} {
		what := "server reading masked client frames (parse, unmask, UTF-8 check where the library does one)"
		if dir == "encode" {
			what = "server writing unmasked frames"
		}
		r.printf("## 2%s. Frame %s: %s\n\n", map[string]string{"decode": "a", "encode": "b"}[dir], dir, what)
		r.printf("Messages/s (MB/s of payload) and allocs/op; medians of CPU-time runs. Ratio: duplex / fastest peer.\n\n")
		if dir == "decode" {
			r.printf("Text payloads are ASCII; only duplex validates UTF-8 (the peers' settings above).\n\n")
		} else {
			r.printf("The replayConn discards writes without copying, so a library that hands a large payload to " +
				"net.Conn.Write as is pays nothing for it here. gorilla and gobwas copy a small frame into their bufio buffer and " +
				"write a large payload as is after the header; duplex, on a net.Conn that is neither a socket nor TLS (this one), " +
				"copies a frame under 8 KiB into one buffer it keeps (up to 4 KiB) and writes it once, and a larger one as the " +
				"header with the first part of the payload, then the rest as is (on a socket: one writev, no copy).\n\n")
		}
		head := []string{"case"}
		for _, l := range libs {
			head = append(head, l.name)
		}
		head = append(head, "duplex / best peer")
		var rows [][]string
		for _, cas := range cases {
			row := []string{cas}
			var ours, best float64
			for _, l := range libs {
				ops, _ := r.median(dir, cas, l.name, "ops/s")
				mbs, _ := r.median(dir, cas, l.name, "MB/s")
				al, _ := r.median(dir, cas, l.name, "allocs/op")
				row = append(row, fmt.Sprintf("%s (%s MB/s) %s a", num(ops), num(mbs), allocStr(al)))
				if l == duplexLib {
					ours = ops
				} else {
					best = max(best, ops)
				}
			}
			row = append(row, ratio(ours, best))
			rows = append(rows, row)
		}
		r.table(head, rows)
	}
}

// allocStr formats allocations per operation; below 0.01 (setup amortised over a run) it
// is 0.
func allocStr(v float64) string {
	if v < 0.01 {
		return "0"
	}
	return fmt.Sprintf("%.2g", v)
}
