package main

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/gobwas/ws"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/mask"
)

// measure runs fn cfg.count times with testing.Benchmark and records ns/op, allocs/op
// and, when bytes > 0, MB/s, under the given keys. It returns false if a run failed.
func measure(r *results, cfg *config, measurement, cas, impl string, bytes int, fn func(b *testing.B)) bool {
	for run := range cfg.count {
		res := testing.Benchmark(fn)
		if res.N == 0 {
			return false
		}
		ns := float64(res.T.Nanoseconds()) / float64(res.N)
		r.add(measurement, cas, impl, "ns/op", "ns", run, ns)
		r.add(measurement, cas, impl, "ops/s", "1/s", run, 1e9/ns)
		r.add(measurement, cas, impl, "allocs/op", "allocs", run, float64(res.MemAllocs)/float64(res.N))
		r.add(measurement, cas, impl, "B/op", "B", run, float64(res.MemBytes)/float64(res.N))
		if bytes > 0 {
			r.add(measurement, cas, impl, "MB/s", "MB/s", run, float64(bytes)*1e3/ns)
		}
	}
	return true
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
	for _, sz := range maskSizes {
		for _, im := range impls {
			dst, src := make([]byte, sz.n), make([]byte, sz.n)
			measure(r, cfg, "mask", sz.name, im.name, sz.n, func(b *testing.B) {
				b.SetBytes(int64(sz.n))
				for range b.N {
					im.fn(dst, src)
				}
			})
		}
	}
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
	for _, sz := range codecSizes {
		for _, text := range []bool{true, false} {
			cas := caseName(sz.name, text)
			cases = append(cases, cas)
			p := payload(sz.n, text)
			fr := clientFrame(p, text)
			for _, l := range libs {
				measure(r, cfg, "decode", cas, l.name, sz.n, func(b *testing.B) {
					rc := &replayConn{data: fr, limit: int64(b.N) * int64(len(fr))}
					mr, err := l.openReader(rc)
					if err != nil {
						b.Fatal(err)
					}
					b.SetBytes(int64(sz.n))
					b.ResetTimer()
					if err := mr.read(b.N); err != nil {
						b.Fatalf("%s: %v", l.name, err)
					}
					b.StopTimer()
					mr.close()
				})
				measure(r, cfg, "encode", cas, l.name, sz.n, func(b *testing.B) {
					rc := &replayConn{}
					mw, err := l.openWriter(rc)
					if err != nil {
						b.Fatal(err)
					}
					b.SetBytes(int64(sz.n))
					b.ResetTimer()
					for range b.N {
						if err := mw.write(text, p); err != nil {
							b.Fatalf("%s: %v", l.name, err)
						}
					}
					b.StopTimer()
					if rc.written < int64(b.N)*int64(sz.n) {
						b.Fatalf("%s wrote %d bytes for %d messages of %d", l.name, rc.written, b.N, sz.n)
					}
					mw.close()
				})
			}
		}
	}
	for _, dir := range []string{"decode", "encode"} {
		what := "server reading masked client frames (parse, unmask, UTF-8 check where the library does one)"
		if dir == "encode" {
			what = "server writing unmasked frames"
		}
		r.printf("## 2%s. Frame %s: %s\n\n", map[string]string{"decode": "a", "encode": "b"}[dir], dir, what)
		r.printf("Messages/s (MB/s of payload) and allocs/op; medians. Ratio: duplex / fastest peer.\n\n")
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
				row = append(row, fmt.Sprintf("%s (%s MB/s) %s a", num(ops), num(mbs), num(al)))
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
