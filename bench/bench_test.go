package main

import (
	"bytes"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// TestEchoServers starts each library's echo server on loopback and checks, with the
// benchmark's own client, that a small and a large binary message come back unchanged
// in framing (the first byte and the length the client expects) and content.
func TestEchoServers(t *testing.T) {
	for _, l := range append(libraries, rawLib) {
		t.Run(l.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var open atomic.Int64
			done := make(chan error, 1)
			go func() { done <- l.serve(ln, &open) }()
			defer func() { ln.Close(); <-done }()
			raw := l == rawLib
			c, err := dialEcho(ln.Addr().String(), nil, raw, 4096)
			if err != nil {
				t.Fatal(err)
			}
			defer c.nc.Close()
			_ = c.nc.SetDeadline(time.Now().Add(10 * time.Second))
			for _, size := range []int{16, 200, 16 << 10} {
				sh := shape(size, raw)
				resp := make([]byte, 3*sh.respLen)
				if err := c.roundTrip(bytes.Repeat(sh.frame, 3), resp, sh.respByte); err != nil {
					t.Fatalf("size %d: %v", size, err)
				}
				want := payload(size, false)
				for i := range 3 {
					echo := resp[i*sh.respLen : (i+1)*sh.respLen]
					if raw {
						if !bytes.Equal(echo, sh.frame) {
							t.Fatalf("size %d: raw echo differs", size)
						}
						continue
					}
					if got := echo[len(echo)-size:]; !bytes.Equal(got, want) {
						t.Fatalf("size %d: echo %d payload differs", size, i)
					}
				}
			}
		})
	}
}

// TestCodecAdapters checks that each library's reader consumes exactly the replayed
// messages and that its writer emits one frame per message.
func TestCodecAdapters(t *testing.T) {
	for _, l := range codecLibraries() {
		for _, text := range []bool{true, false} {
			t.Run(caseName(l.name, text), func(t *testing.T) {
				p := payload(1000, text)
				fr := clientFrame(p, text)
				rc := &replayConn{data: fr, limit: 5 * int64(len(fr))}
				mr, err := l.openReader(rc)
				if err != nil {
					t.Fatal(err)
				}
				if err := mr.read(5); err != nil {
					t.Fatal(err)
				}
				if rc.served != rc.limit {
					t.Fatalf("read %d of %d bytes", rc.served, rc.limit)
				}
				mr.close()

				wc := &replayConn{}
				mw, err := l.openWriter(wc)
				if err != nil {
					t.Fatal(err)
				}
				base := wc.written // the 101 response, for libraries that write it
				if err := mw.write(text, p); err != nil {
					t.Fatal(err)
				}
				if got, want := wc.written-base, int64(4+len(p)); got != want {
					t.Fatalf("wrote %d bytes for one message, want %d", got, want)
				}
				mw.close()
			})
		}
	}
}

// TestDeflatePeers checks each compressed client/server pair: the echo equals the
// message. duplex runs too: without conn support its handshake still agrees and the
// echo goes uncompressed, which proves the plumbing measurement 5 will use.
func TestDeflatePeers(t *testing.T) {
	msg := jsonMessage()
	if len(msg) != 16<<10 {
		t.Fatalf("JSON message is %d bytes", len(msg))
	}
	for _, l := range deflateLibs() {
		t.Run(l.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() { _ = l.serve(ln); close(done) }()
			defer func() { ln.Close(); <-done }()
			var n atomic.Int64
			c, err := l.dial(ln.Addr().String(), func(nc net.Conn) net.Conn { return countConn{Conn: nc, n: &n} })
			if err != nil {
				t.Fatal(err)
			}
			defer c.close()
			for range 3 {
				got, err := c.echo(msg)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, msg) {
					t.Fatal("echo differs")
				}
			}
			if l.name == "duplex (compression off)" {
				// The baseline must really be uncompressed: three whole echoes on the wire.
				if n.Load() < 3*int64(len(msg)) {
					t.Fatalf("client read %d bytes for 3 echoes: compressed, not the baseline", n.Load())
				}
			} else if _, ok := duplexCompressionField(); ok || l.unavailable == nil {
				if n.Load() >= int64(len(msg)) {
					t.Fatalf("client read %d bytes for 3 echoes: not compressed", n.Load())
				}
			}
		})
	}
}

func TestJSONMessageIsValid(t *testing.T) {
	if !jsonValid(jsonMessage()) {
		t.Fatal("invalid JSON")
	}
	docs := jsonMessages(16)
	seen := map[string]bool{}
	for i, d := range docs {
		if len(d) != 16<<10 || !jsonValid(d) {
			t.Fatalf("document %d: %d bytes, valid %v", i, len(d), jsonValid(d))
		}
		// Distinct beyond the first record, so that no document is another's copy.
		if seen[string(d[len(d)/2:])] {
			t.Fatalf("document %d repeats an earlier one", i)
		}
		seen[string(d[len(d)/2:])] = true
	}
}

// BenchmarkCodec runs measurement 2 under `go test -bench`, for profiling one library:
//
//	go test -run '^$' -bench 'Codec/decode/duplex/1 KiB text' -cpuprofile cpu.out
func BenchmarkCodec(b *testing.B) {
	for _, dir := range []string{"decode", "encode"} {
		for _, l := range codecLibraries() {
			for _, sz := range codecSizes {
				for _, text := range []bool{true, false} {
					p := payload(sz.n, text)
					fr := clientFrame(p, text)
					b.Run(dir+"/"+l.name+"/"+caseName(sz.name, text), func(b *testing.B) {
						b.SetBytes(int64(sz.n))
						b.ReportAllocs()
						if dir == "decode" {
							rc := &replayConn{data: fr, limit: int64(b.N) * int64(len(fr))}
							mr, err := l.openReader(rc)
							if err != nil {
								b.Fatal(err)
							}
							defer mr.close()
							b.ResetTimer()
							if err := mr.read(b.N); err != nil {
								b.Fatal(err)
							}
							return
						}
						mw, err := l.openWriter(&replayConn{})
						if err != nil {
							b.Fatal(err)
						}
						defer mw.close()
						b.ResetTimer()
						for range b.N {
							if err := mw.write(text, p); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		}
	}
}
