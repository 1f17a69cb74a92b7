package conn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

func payloadOf(n int, text bool) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(uint64(n), 7))
	for i := range b {
		if text {
			b[i] = byte('a' + r.IntN(26))
		} else {
			b[i] = byte(r.Uint32())
		}
	}
	return b
}

// echo runs a server-side echo loop until the connection ends and reports its error.
func echo(ctx context.Context, s *Conn) <-chan error {
	done := make(chan error, 1)
	go func() {
		var buf []byte
		for {
			typ, b, err := s.ReadMessage(ctx, buf)
			if err != nil {
				done <- err
				return
			}
			buf = b
			if err := s.WriteMessage(ctx, typ, b); err != nil {
				done <- err
				return
			}
		}
	}()
	return done
}

// TestEcho sends messages of boundary sizes both ways through a client and a server Conn.
func TestEcho(t *testing.T) {
	leak.Check(t)
	sizes := []int{0, 1, 125, 126, 1023, 1024, 4096, 8191, 8192, 65535, 65536, 65537, 300 << 10}
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s, c := connPair(t, tr, nil, nil)
			ctx := ctxT(t)
			done := echo(ctx, s)
			var buf []byte
			for _, n := range sizes {
				for _, typ := range []MessageType{Text, Binary} {
					msg := payloadOf(n, typ == Text)
					if err := c.WriteMessage(ctx, typ, msg); err != nil {
						t.Fatalf("write %d: %v", n, err)
					}
					gt, got, err := c.ReadMessage(ctx, buf)
					if err != nil || gt != typ || !bytes.Equal(got, msg) {
						t.Fatalf("size %d %v: got %v len %d err %v", n, typ, gt, len(got), err)
					}
					buf = got
				}
			}
			if err := c.Close(frame.CloseNormal, ""); err != nil {
				t.Fatal(err)
			}
			if err := <-done; CloseStatus(err) != 1000 {
				t.Fatalf("server: %v", err)
			}
		})
	}
}

// TestFragmentedWithControl: fragments are reassembled; pings between fragments are
// answered with the same payload, pongs are passed to OnPong, in both roles.
func TestFragmentedWithControl(t *testing.T) {
	leak.Check(t)
	for _, role := range []Role{Server, Client} {
		t.Run(role.String(), func(t *testing.T) {
			var mu sync.Mutex
			var pings, pongs []string
			c, p := rawPair(t, transports[1], role, &Options{
				OnPing: func(b []byte) { mu.Lock(); pings = append(pings, string(b)); mu.Unlock() },
				OnPong: func(b []byte) { mu.Lock(); pongs = append(pongs, string(b)); mu.Unlock() },
			})
			<-p.send(
				p.encode(frame.OpText, false, 0, []byte("Hel")),
				p.encode(frame.OpPing, true, 0, []byte("ping-1")),
				p.encode(frame.OpContinuation, false, 0, []byte("lo, ")),
				p.encode(frame.OpPong, true, 0, []byte("unsolicited")),
				p.encode(frame.OpContinuation, false, 0, nil),
				p.encode(frame.OpPing, true, 0, nil),
				p.encode(frame.OpContinuation, true, 0, []byte("wörld")),
				p.encode(frame.OpBinary, true, 0, []byte{0, 1, 2}),
			)
			typ, b, err := c.ReadMessage(ctxT(t), nil)
			if err != nil || typ != Text || string(b) != "Hello, wörld" {
				t.Fatalf("got %v %q %v", typ, b, err)
			}
			typ, b, err = c.ReadMessage(ctxT(t), nil)
			if err != nil || typ != Binary || !bytes.Equal(b, []byte{0, 1, 2}) {
				t.Fatalf("got %v %q %v", typ, b, err)
			}
			for _, want := range []string{"ping-1", ""} {
				f := p.mustRead()
				if f.h.Opcode != frame.OpPong || string(f.payload) != want {
					t.Fatalf("got %v %q, want pong %q", f.h.Opcode, f.payload, want)
				}
				if f.h.Masked != (role == Client) {
					t.Fatalf("pong masked = %v in role %v", f.h.Masked, role)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff([]string{"ping-1", ""}, pings); diff != "" {
				t.Errorf("OnPing calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"unsolicited"}, pongs); diff != "" {
				t.Errorf("OnPong calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMasking: a client masks every frame with a fresh key (RFC 6455 §5.3); a server
// never masks.
func TestMasking(t *testing.T) {
	leak.Check(t)
	for _, role := range []Role{Server, Client} {
		t.Run(role.String(), func(t *testing.T) {
			c, p := rawPair(t, transports[1], role, nil)
			ctx := ctxT(t)
			keys := map[[4]byte]bool{}
			const n = 64
			go func() {
				for i := 0; i < n; i++ {
					if err := c.WriteMessage(ctx, Binary, []byte("same payload")); err != nil {
						return
					}
				}
			}()
			for i := 0; i < n; i++ {
				f := p.mustRead()
				if string(f.payload) != "same payload" {
					t.Fatalf("payload %q", f.payload)
				}
				if f.h.Masked != (role == Client) {
					t.Fatalf("masked = %v in role %v", f.h.Masked, role)
				}
				keys[f.h.Key] = true
			}
			if role == Client && len(keys) < n-1 {
				t.Fatalf("%d distinct masking keys in %d frames", len(keys), n)
			}
		})
	}
}

// TestStreaming: a Writer emits FragmentSize frames, continuation opcodes and a final
// frame; a Reader streams the message back without buffering it whole.
func TestStreaming(t *testing.T) {
	leak.Check(t)
	const frag = 1000
	for _, role := range []Role{Server, Client} {
		t.Run(role.String(), func(t *testing.T) {
			c, p := rawPair(t, transports[1], role, &Options{FragmentSize: frag})
			ctx := ctxT(t)
			msg := payloadOf(3500, true)
			werr := make(chan error, 1)
			go func() {
				w, err := c.Writer(ctx, Text)
				if err != nil {
					werr <- err
					return
				}
				// Uneven writes: small, spanning, and one larger than a fragment.
				for _, part := range [][]byte{msg[:10], msg[10:1500], msg[1500:1501], msg[1501:]} {
					if _, err := w.Write(part); err != nil {
						werr <- err
						return
					}
				}
				werr <- w.Close()
			}()
			var got []byte
			var ops []frame.Opcode
			for {
				f := p.mustRead()
				if len(f.payload) > frag {
					t.Fatalf("fragment of %d bytes > FragmentSize", len(f.payload))
				}
				ops = append(ops, f.h.Opcode)
				got = append(got, f.payload...)
				if f.h.Fin {
					break
				}
			}
			if err := <-werr; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, msg) {
				t.Fatalf("reassembled %d bytes differ", len(got))
			}
			if ops[0] != frame.OpText || len(ops) < 4 {
				t.Fatalf("opcodes %v", ops)
			}
			for _, op := range ops[1:] {
				if op != frame.OpContinuation {
					t.Fatalf("opcodes %v", ops)
				}
			}

			// Reader: fragments of uneven sizes, read through small and large buffers.
			<-p.send(p.encode(frame.OpBinary, false, 0, msg[:5]), p.encode(frame.OpContinuation, false, 0, msg[5:2000]),
				p.encode(frame.OpPing, true, 0, []byte("x")), p.encode(frame.OpContinuation, true, 0, msg[2000:]),
				p.encode(frame.OpText, true, 0, []byte("next")))
			typ, r, err := c.Reader(ctx)
			if err != nil || typ != Binary {
				t.Fatalf("Reader: %v %v", typ, err)
			}
			small := make([]byte, 3)
			n, err := r.Read(small)
			if err != nil || n != 3 {
				t.Fatalf("Read = %d %v", n, err)
			}
			rest, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(append(small, rest...), msg) {
				t.Fatalf("ReadAll: %d bytes, %v", len(rest), err)
			}
			if n, err := r.Read(small); n != 0 || err != io.EOF {
				t.Fatalf("Read after end = %d, %v", n, err)
			}
			typ, b, err := c.ReadMessage(ctx, nil)
			if err != nil || typ != Text || string(b) != "next" {
				t.Fatalf("next message %v %q %v", typ, b, err)
			}
		})
	}
}

// TestReaderAbandoned: ReadMessage after a partly read streaming message discards its rest.
func TestReaderAbandoned(t *testing.T) {
	leak.Check(t)
	c, p := rawPair(t, transports[1], Server, nil)
	<-p.send(p.encode(frame.OpText, false, 0, []byte("abc")), p.encode(frame.OpContinuation, true, 0, []byte("def")),
		p.encode(frame.OpBinary, true, 0, []byte("second")))
	_, r, err := c.Reader(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 2)
	if n, err := r.Read(b); n != 2 || err != nil {
		t.Fatalf("Read = %d %v", n, err)
	}
	typ, got, err := c.ReadMessage(ctxT(t), nil)
	if err != nil || typ != Binary || string(got) != "second" {
		t.Fatalf("got %v %q %v", typ, got, err)
	}
}

// TestMisuse: local errors are distinct sentinels and do not close the connection.
func TestMisuse(t *testing.T) {
	leak.Check(t)
	s, c := connPair(t, transports[1], nil, nil)
	ctx := ctxT(t)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"write type 0", c.WriteMessage(ctx, 0, nil), ErrMessageType},
		{"write type 8", c.WriteMessage(ctx, MessageType(frame.OpClose), nil), ErrMessageType},
		{"ping too long", c.Ping(ctx, make([]byte, 126)), ErrControlTooLong},
	}
	_, werr := c.Writer(ctx, 3)
	tests = append(tests, struct {
		name string
		err  error
		want error
	}{"writer type 3", werr, ErrMessageType})
	for _, tc := range tests {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	// Two concurrent readers: the second is refused.
	first := make(chan error, 1)
	go func() { _, _, err := s.ReadMessage(ctx, nil); first <- err }()
	for !s.reading.Load() { // the first reader has started (an event, not a delay)
		if ctx.Err() != nil {
			t.Fatal("first reader never started")
		}
		runtime.Gosched()
	}
	if _, _, err := s.ReadMessage(ctx, nil); !errors.Is(err, ErrConcurrentRead) {
		t.Fatalf("second reader: %v, want ErrConcurrentRead", err)
	}
	// The connection still works: the first reader gets this message.
	if err := c.WriteMessage(ctx, Text, []byte("ok")); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	w, _ := c.Writer(ctx, Text)
	w.Close()
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrWriterClosed) {
		t.Fatalf("write after writer Close: %v", err)
	}
}

// TestConcurrentWriters: many goroutines write messages and pings at once, one streams a
// fragmented message; the peer sees every message intact and unmixed.
func TestConcurrentWriters(t *testing.T) {
	leak.Check(t)
	for _, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			s, c := connPair(t, tr, &Options{FragmentSize: 100}, nil)
			ctx := ctxT(t)
			const writers, perWriter = 8, 50
			var wg sync.WaitGroup
			defer wg.Wait()
			for w := 0; w < writers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < perWriter; i++ {
						msg := fmt.Sprintf("w%d-m%d-%s", w, i, bytes.Repeat([]byte{byte('a' + w)}, (i*37)%3000))
						if i%10 == 0 {
							// A streamed message, several fragments, pings interleaved.
							wr, err := s.Writer(ctx, Text)
							if err != nil {
								t.Error(err)
								return
							}
							for j := 0; j < len(msg); j += 70 {
								if _, err := wr.Write([]byte(msg[j:min(j+70, len(msg))])); err != nil {
									t.Error(err)
									return
								}
							}
							if err := wr.Close(); err != nil {
								t.Error(err)
								return
							}
							continue
						}
						if err := s.WriteMessage(ctx, Text, []byte(msg)); err != nil {
							t.Error(err)
							return
						}
						if i%7 == 0 {
							if err := s.Ping(ctx, []byte("p")); err != nil {
								t.Error(err)
								return
							}
						}
					}
				}()
			}
			next := make([]int, writers)
			var buf []byte
			for n := 0; n < writers*perWriter; n++ {
				typ, b, err := c.ReadMessage(ctx, buf)
				if err != nil {
					t.Fatal(err)
				}
				buf = b
				var w, i int
				if _, err := fmt.Sscanf(string(b), "w%d-m%d-", &w, &i); err != nil || typ != Text {
					t.Fatalf("message %q: %v", b, err)
				}
				want := fmt.Sprintf("w%d-m%d-%s", w, i, bytes.Repeat([]byte{byte('a' + w)}, (i*37)%3000))
				if string(b) != want || i != next[w] {
					t.Fatalf("message from writer %d: got #%d (%d bytes), want #%d intact", w, i, len(b), next[w])
				}
				next[w]++
			}
			// Pings sent after the last message still need a reader (net.Pipe does not
			// buffer); keep one until the writers are done.
			drained := make(chan struct{})
			go func() {
				defer close(drained)
				for {
					if _, _, err := c.ReadMessage(ctx, nil); err != nil {
						return
					}
				}
			}()
			wg.Wait()
			s.CloseNow()
			<-drained
		})
	}
}

// TestPingBurst: each ping of a burst gets its own pong, in order (Autobahn 2.10/2.11),
// in both roles, also when the pings arrive one byte at a time.
func TestPingBurst(t *testing.T) {
	leak.Check(t)
	for _, role := range []Role{Server, Client} {
		for _, chop := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/chopped=%v", role, chop), func(t *testing.T) {
				c, p := rawPair(t, transports[1], role, nil)
				var all []byte
				for i := 0; i < 10; i++ {
					all = append(all, p.encode(frame.OpPing, true, 0, []byte(fmt.Sprintf("payload-%d", i)))...)
				}
				all = append(all, p.encode(frame.OpText, true, 0, []byte("end"))...)
				go func() {
					if !chop {
						p.nc.Write(all)
						return
					}
					for i := range all {
						if _, err := p.nc.Write(all[i : i+1]); err != nil {
							return
						}
					}
				}()
				if _, b, err := c.ReadMessage(ctxT(t), nil); err != nil || string(b) != "end" {
					t.Fatalf("%q %v", b, err)
				}
				for i := 0; i < 10; i++ {
					f := p.mustRead()
					if want := fmt.Sprintf("payload-%d", i); f.h.Opcode != frame.OpPong || string(f.payload) != want {
						t.Fatalf("frame %d: %v %q, want pong %q", i, f.h.Opcode, f.payload, want)
					}
				}
			})
		}
	}
}
