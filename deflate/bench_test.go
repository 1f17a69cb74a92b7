package deflate

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/duplexws/duplex/frame"
)

var benchMsg = jsonLike(16<<10, 42)

func benchParams(takeover bool, level int) *Params {
	return &Params{ServerNoContextTakeover: !takeover, ClientNoContextTakeover: !takeover,
		ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: level}
}

// BenchmarkCompress: one 16 KiB JSON-like message per op. Baselines in the same run:
// Copy (memmove of the message) and NaiveNewWriter (a fresh flate.Writer per message, as
// a per-message-allocating implementation would do).
func BenchmarkCompress(b *testing.B) {
	b.Run("Copy", func(b *testing.B) {
		dst := make([]byte, len(benchMsg))
		b.SetBytes(int64(len(benchMsg)))
		b.ReportAllocs()
		for b.Loop() {
			copy(dst, benchMsg)
		}
	})
	b.Run("NaiveNewWriter", func(b *testing.B) {
		var buf bytes.Buffer
		b.SetBytes(int64(len(benchMsg)))
		b.ReportAllocs()
		for b.Loop() {
			buf.Reset()
			fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
			_, _ = fw.Write(benchMsg)
			_ = fw.Flush()
		}
	})
	for _, level := range []int{flate.BestSpeed, 6, LowMemory} {
		for _, takeover := range []bool{false, true} {
			b.Run(fmt.Sprintf("level=%d/takeover=%v", level, takeover), func(b *testing.B) {
				c := NewCompressor(benchParams(takeover, level), frame.Server)
				defer c.Release()
				dst := make([]byte, 0, 32<<10)
				b.SetBytes(int64(len(benchMsg)))
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					dst = c.Compress(dst[:0], benchMsg)
				}
				b.ReportMetric(float64(len(dst)), "wire-bytes")
			})
		}
	}
}

// BenchmarkDecompress: inflate one 16 KiB JSON-like message per op. Baseline in the same
// run: NaiveNewReader (flate.NewReader per message, reading into a fresh buffer).
func BenchmarkDecompress(b *testing.B) {
	wireOf := func(takeover bool, n int) [][]byte {
		c := NewCompressor(benchParams(takeover, flate.BestSpeed), frame.Server)
		defer c.Release()
		var ws [][]byte
		for range n {
			ws = append(ws, c.Compress(nil, benchMsg))
		}
		return ws
	}
	b.Run("NaiveNewReader", func(b *testing.B) {
		w := append(wireOf(false, 1)[0], inflateTail...)
		out := make([]byte, len(benchMsg))
		b.SetBytes(int64(len(benchMsg)))
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			fr := flate.NewReader(bytes.NewReader(w))
			n := 0
			for n < len(out) {
				k, err := fr.Read(out[n:])
				n += k
				if err != nil {
					break
				}
			}
		}
	})
	b.Run("takeover=false", func(b *testing.B) {
		w := wireOf(false, 1)[0]
		d := NewDecompressor(benchParams(false, 0), frame.Client)
		out := make([]byte, 0, 32<<10)
		b.SetBytes(int64(len(benchMsg)))
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			out, _ = d.Decompress(out[:0], w, 1<<20)
		}
	})
	b.Run("takeover=true", func(b *testing.B) {
		// A takeover stream must be inflated in order: pre-compress a cycle of messages
		// and restart the decompressor (outside the timer) at the end of each cycle.
		const cycle = 64
		ws := wireOf(true, cycle)
		d := NewDecompressor(benchParams(true, 0), frame.Client)
		out := make([]byte, 0, 32<<10)
		b.SetBytes(int64(len(benchMsg)))
		b.ReportAllocs()
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			if i == cycle {
				b.StopTimer()
				d.Release()
				i = 0
				b.StartTimer()
			}
			var err error
			if out, err = d.Decompress(out[:0], ws[i], 1<<20); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// connMemory returns the heap bytes a server retains per idle connection (its Compressor
// and Decompressor, after one 16 KiB message each way), measured over n connections.
func connMemory(n int, takeover bool, level int) float64 {
	return serverMemory(n, benchParams(takeover, level))
}

func serverMemory(n int, p *Params) float64 {
	peer := NewCompressor(p, frame.Client)
	defer peer.Release()
	// Two collections empty the sync.Pools (primary, then victim cache), before and
	// after, so that shared pooled state is not charged to the connections.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	cs := make([]*Compressor, n)
	ds := make([]*Decompressor, n)
	var wire, out []byte
	for i := range n {
		cs[i], ds[i] = NewCompressor(p, frame.Server), NewDecompressor(p, frame.Server)
		wire = cs[i].Compress(wire[:0], benchMsg)
		// A fresh peer context per connection: restart the peer compressor.
		peer.Release()
		wire = peer.Compress(wire[:0], benchMsg)
		out, _ = ds[i].Decompress(out[:0], wire, -1)
	}
	peer.Release()
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(cs)
	runtime.KeepAlive(ds)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n)
}

// TestMemoryPerConnection measures what an idle compressed connection keeps, and
// checks the bounds the package documentation states.
func TestMemoryPerConnection(t *testing.T) {
	if raceEnabled || testing.Short() {
		t.Skip("heap measurements need the pools intact and a quiet heap")
	}
	tests := []struct {
		takeover bool
		level    int
		n        int
		max      float64
	}{
		{false, flate.BestSpeed, 100, 1 << 10},
		{false, 6, 100, 1 << 10},
		{false, LowMemory, 100, 1 << 10},
		{true, LowMemory, 10, 100 << 10},
		{true, flate.HuffmanOnly, 10, 1200 << 10},
		{true, flate.BestSpeed, 10, 1400 << 10},
		{true, 6, 10, 1200 << 10},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("takeover=%v/level=%d", tc.takeover, tc.level), func(t *testing.T) {
			per := connMemory(tc.n, tc.takeover, tc.level)
			t.Logf("%.0f bytes per idle connection", per)
			if per > tc.max {
				t.Fatalf("%.0f bytes per idle connection, documented bound %.0f", per, tc.max)
			}
			if tc.takeover && per < 32<<10 {
				t.Fatalf("%.0f bytes: takeover state is not being kept", per)
			}
		})
	}
	// The bounded configuration: server_no_context_takeover, client keeps context. Only
	// the 32 KiB inflate window stays (1<<ClientMaxWindowBits bytes).
	for _, bits := range []int{15, 10} {
		t.Run(fmt.Sprintf("server_no_context_takeover/client_max_window_bits=%d", bits), func(t *testing.T) {
			p := &Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: bits, Level: flate.HuffmanOnly}
			per := serverMemory(50, p)
			t.Logf("%.0f bytes per idle connection", per)
			if want := float64(int(1) << bits); per < want || per > want+1024 {
				t.Fatalf("%.0f bytes per idle connection, want the %.0f-byte window plus < 1 KiB", per, want)
			}
		})
	}
}

// BenchmarkMemoryPerConnection reports bytes retained per idle connection.
func BenchmarkMemoryPerConnection(b *testing.B) {
	for _, takeover := range []bool{false, true} {
		for _, level := range []int{LowMemory, flate.HuffmanOnly, flate.BestSpeed, 6, 9} {
			b.Run(fmt.Sprintf("takeover=%v/level=%d", takeover, level), func(b *testing.B) {
				n := 10
				if !takeover {
					n = 100
				}
				var per float64
				for b.Loop() {
					per = connMemory(n, takeover, level)
				}
				b.ReportMetric(per, "bytes/conn")
			})
		}
	}
}

// jsonRecords returns a deterministic n-byte JSON array of user records, like the
// bench module's permessage-deflate echo message (measurement 5).
func jsonRecords(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 384))
	first := []string{"ada", "grace", "linus", "ken", "rob", "barbara", "edsger", "donald", "frances", "john"}
	last := []string{"lovelace", "hopper", "torvalds", "thompson", "pike", "liskov", "dijkstra", "knuth", "allen", "backus"}
	tags := []string{"admin", "beta", "ops", "dev", "sales", "eu", "us", "apac", "trial", "pro"}
	var b bytes.Buffer
	for i := 0; ; i++ {
		f, l := first[r.IntN(len(first))], last[r.IntN(len(last))]
		sep := byte(',')
		if i == 0 {
			sep = '['
		}
		var rec bytes.Buffer
		fmt.Fprintf(&rec, `%c{"id":%d,"name":"%s %s","email":"%s.%s%d@example.com","active":%v,"score":%d.%02d,"tags":["%s","%s"],"created":"%04d-%02d-%02dT%02d:%02d:00Z"}`,
			sep, 100000+r.IntN(900000), f, l, f, l, r.IntN(100), r.IntN(2) == 0, r.IntN(1000), r.IntN(100),
			tags[r.IntN(len(tags))], tags[r.IntN(len(tags))],
			2020+r.IntN(6), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60))
		if b.Len()+rec.Len()+1 > n {
			break
		}
		b.Write(rec.Bytes())
	}
	b.Write(bytes.Repeat([]byte(" "), n-1-b.Len()))
	b.WriteByte(']')
	return b.Bytes()
}

// BenchmarkEcho is what one echo of measurement 5 costs in this package: the client
// compresses a 16 KiB JSON message, the server inflates it (streamed, as package conn
// reads), compresses it back, and the client inflates the echo; context takeover both
// ways. msgs=same repeats one message, as the bench does (with takeover the previous
// message is in the window); msgs=distinct cycles through 16 different ones. The baseline
// in the same run is the same echo with compress/flate BestSpeed.
func BenchmarkEcho(b *testing.B) {
	same := [][]byte{jsonRecords(16<<10, 16)}
	var distinct [][]byte
	for i := range 16 {
		distinct = append(distinct, jsonRecords(16<<10, uint64(100+i)))
	}
	for _, level := range []int{LowMemory, flate.BestSpeed} {
		for _, set := range []struct {
			name string
			msgs [][]byte
		}{{"same", same}, {"distinct", distinct}} {
			b.Run(fmt.Sprintf("level=%d/msgs=%s", level, set.name), func(b *testing.B) {
				benchEcho(b, benchParams(true, level), set.msgs)
			})
		}
	}
}

func benchEcho(b *testing.B, p *Params, msgs [][]byte) {
	cc, sd := pair(p, frame.Client)
	sc, cd := pair(p, frame.Server)
	defer cc.Release()
	defer sc.Release()
	defer sd.Release()
	defer cd.Release()
	wire := make([]byte, 0, 32<<10)
	got := make([]byte, 0, 32<<10)
	var src bytes.Reader
	inflate := func(d *Decompressor, wire, dst []byte) []byte {
		src.Reset(wire)
		d.Begin(&src, 1<<20)
		dst = dst[:0]
		for {
			n, err := d.Read(dst[len(dst):cap(dst)])
			dst = dst[:len(dst)+n]
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		d.End()
		return dst
	}
	wireBytes, i := 0, 0
	b.SetBytes(int64(len(msgs[0])))
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		msg := msgs[i%len(msgs)]
		i++
		wire = cc.Compress(wire[:0], msg)
		wireBytes += len(wire)
		got = inflate(sd, wire, got)
		wire = sc.Compress(wire[:0], got)
		got = inflate(cd, wire, got)
		if len(got) != len(msg) {
			b.Fatal("echo differs")
		}
	}
	if !bytes.Equal(got, msgs[(i-1)%len(msgs)]) {
		b.Fatal("echo differs")
	}
	b.ReportMetric(float64(wireBytes)/float64(i), "wire-bytes")
}

// reportCPU locks the benchmark to its OS thread and returns the function, to defer,
// that reports the thread's CPU time per op (cpu-ns/op): unlike wall-clock ns/op it
// does not count time the thread waited for a CPU on a shared machine.
func reportCPU(b *testing.B) func() {
	runtime.LockOSThread()
	cpu0 := threadCPU()
	return func() {
		cpu := threadCPU() - cpu0
		runtime.UnlockOSThread()
		if cpu > 0 && b.N > 0 {
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}

// variedJSON returns the 16 different 16 KiB JSON documents that measurement 5 of the
// bench module echoes in turn (the issue #8 target's case).
func variedJSON() [][]byte {
	var msgs [][]byte
	for i := range 16 {
		msgs = append(msgs, jsonRecords(16<<10, uint64(100+i)))
	}
	return msgs
}

// BenchmarkVaried splits the msgs=distinct echo into its halves: compressing the 16
// different documents in turn with context takeover, and inflating that stream. The
// baselines in the same run are compress/flate BestSpeed through the same Compressor,
// and inflating with a fresh flate.NewReaderDict per message (what a decoder that
// allocates per message costs).
func BenchmarkVaried(b *testing.B) {
	msgs := variedJSON()
	for _, level := range []int{LowMemory, flate.BestSpeed} {
		b.Run(fmt.Sprintf("compress/level=%d", level), func(b *testing.B) {
			c := NewCompressor(benchParams(true, level), frame.Client)
			defer c.Release()
			dst := make([]byte, 0, 32<<10)
			wire, i := 0, 0
			b.SetBytes(16 << 10)
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				dst = c.Compress(dst[:0], msgs[i%len(msgs)])
				wire += len(dst)
				i++
			}
			b.ReportMetric(float64(wire)/float64(i), "wire-bytes")
		})
	}
	// A takeover stream must be inflated in order: compress a cycle of messages and
	// restart (outside the timer) at the end of each cycle.
	const cycle = 64
	c := NewCompressor(benchParams(true, LowMemory), frame.Client)
	var ws [][]byte
	for i := range cycle {
		ws = append(ws, c.Compress(nil, msgs[i%len(msgs)]))
	}
	c.Release()
	b.Run("decompress", func(b *testing.B) {
		d := NewDecompressor(benchParams(true, 0), frame.Server)
		defer d.Release()
		out := make([]byte, 0, 32<<10)
		b.SetBytes(16 << 10)
		b.ReportAllocs()
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			if i == cycle {
				b.StopTimer()
				d.Release()
				i = 0
				b.StartTimer()
			}
			var err error
			if out, err = d.Decompress(out[:0], ws[i], 1<<20); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("decompress/NaiveNewReaderDict", func(b *testing.B) {
		out := make([]byte, 16<<10)
		var dict []byte
		var src bytes.Reader
		b.SetBytes(16 << 10)
		b.ReportAllocs()
		defer reportCPU(b)()
		i := 0
		for b.Loop() {
			if i == cycle {
				dict, i = dict[:0], 0
			}
			src.Reset(append(ws[i], inflateTail...))
			fr := flate.NewReaderDict(&src, dict)
			n, err := io.ReadFull(fr, out)
			if n != len(out) || (err != nil && err != io.ErrUnexpectedEOF) {
				b.Fatal(n, err)
			}
			dict = append(dict, out[:n]...)
			dict = dict[max(0, len(dict)-32<<10):]
			i++
		}
	})
}
