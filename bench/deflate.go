package main

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"
	"github.com/lxzan/gws"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/handshake"
)

// Measurement 5: permessage-deflate (RFC 7692) echo of a 16 KiB JSON text message. Each
// library talks to itself (its own client and server) in this process, pinned to one
// CPU, over loopback, so echoes/s is the inverse of the CPU one echo costs: two
// compressions, two decompressions, framing and the socket calls.

// deflateLib is one library's compressed client and server.
type deflateLib struct {
	name, settings string
	unavailable    func() string // non-empty: why it cannot be measured
	serve          func(ln net.Listener) error
	dial           func(addr string, wrap func(net.Conn) net.Conn) (echoClient, error)
}

// echoClient sends a text message and returns the echo (valid until the next call).
type echoClient interface {
	echo(msg []byte) ([]byte, error)
	close()
}

// countConn counts the bytes a client reads: the compressed size of the echoes.
type countConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// jsonMessage returns the deterministic 16 KiB JSON document echoed by measurement 5.
func jsonMessage() []byte { return jsonDoc(16) }

// jsonMessages returns n different 16 KiB JSON documents (the same record generator, other
// seeds): echoed in turn, they keep an encoder with context takeover from finding the
// whole message in its window, as a real stream of messages would.
func jsonMessages(n int) [][]byte {
	docs := make([][]byte, n)
	for i := range docs {
		docs[i] = jsonDoc(uint64(100 + i))
	}
	return docs
}

// jsonDoc returns a deterministic 16 KiB JSON document for seed: an array of user records,
// padded with spaces to exactly 16384 bytes.
func jsonDoc(seed uint64) []byte {
	type rec struct {
		ID      int      `json:"id"`
		Name    string   `json:"name"`
		Email   string   `json:"email"`
		Active  bool     `json:"active"`
		Score   float64  `json:"score"`
		Tags    []string `json:"tags"`
		Created string   `json:"created"`
	}
	rng := rand.New(rand.NewPCG(seed, 384))
	first := []string{"ada", "grace", "linus", "ken", "rob", "barbara", "edsger", "donald", "frances", "john"}
	last := []string{"lovelace", "hopper", "torvalds", "thompson", "pike", "liskov", "dijkstra", "knuth", "allen", "backus"}
	tags := []string{"admin", "beta", "ops", "dev", "sales", "eu", "us", "apac", "trial", "pro"}
	const size = 16 << 10
	var out []byte
	for i := 0; ; i++ {
		f, l := first[rng.IntN(len(first))], last[rng.IntN(len(last))]
		r := rec{ID: 100000 + rng.IntN(900000), Name: f + " " + l, Email: fmt.Sprintf("%s.%s%d@example.com", f, l, rng.IntN(100)),
			Active: rng.IntN(2) == 0, Score: float64(rng.IntN(100000)) / 100,
			Tags:    []string{tags[rng.IntN(len(tags))], tags[rng.IntN(len(tags))]},
			Created: time.Date(2020+rng.IntN(6), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60), 0, 0, time.UTC).Format(time.RFC3339)}
		b, _ := json.Marshal(r)
		sep := []byte("[")
		if i > 0 {
			sep = []byte(",")
		}
		if len(out)+len(sep)+len(b)+1 > size {
			break
		}
		out = append(append(out, sep...), b...)
	}
	out = append(out, bytes.Repeat([]byte(" "), size-1-len(out))...)
	return append(out, ']')
}

// duplexCompressionField is conn.Options.Compression, found by reflection so that this
// module builds before and after package conn gains the field.
func duplexCompressionField() (reflect.StructField, bool) {
	f, ok := reflect.TypeFor[conn.Options]().FieldByName("Compression")
	return f, ok && f.Type == reflect.TypeFor[*deflate.Params]()
}

func duplexConnOptions(p *deflate.Params) *conn.Options {
	o := &conn.Options{}
	f, ok := duplexCompressionField()
	if ok {
		reflect.ValueOf(o).Elem().FieldByIndex(f.Index).Set(reflect.ValueOf(p))
	}
	return o
}

// duplexDeflate is duplex's echo pair with opts; a nil opts offers no extension, which is
// the compression-off baseline measured in the same run.
func duplexDeflate(name string, opts *deflate.Options) *deflateLib {
	settings := "deflate.Options defaults: LowMemory encoder, context takeover both ways, threshold 128; conn.Conn ReadMessage / WriteMessage"
	if opts == nil {
		settings = "compression off (no extension offered): the baseline for the rows above; conn.Conn ReadMessage / WriteMessage"
	} else if opts.Level != 0 {
		settings = fmt.Sprintf("deflate.Options{Level: %d} (compress/flate), context takeover both ways; conn.Conn ReadMessage / WriteMessage", opts.Level)
	}
	return &deflateLib{
		name: name, settings: settings,
		unavailable: func() string {
			if _, ok := duplexCompressionField(); !ok {
				return "not available: conn.Options has no Compression field yet"
			}
			return ""
		},
		serve: func(ln net.Listener) error {
			cfg := &handshake.Config{Origin: handshake.OriginPolicy{AllowAll: true}}
			for {
				nc, err := ln.Accept()
				if err != nil {
					return err
				}
				go func() {
					defer nc.Close()
					br := bufio.NewReaderSize(nc, 1024)
					req, err := handshake.ReadRequest(br, cfg)
					if err != nil {
						return
					}
					resp := &handshake.Response{}
					ext, params, ok := deflate.Negotiate(req.Extensions, opts)
					if ok {
						resp.Extensions = []handshake.Extension{ext}
					}
					if err := handshake.WriteResponse(nc, req.Key, resp); err != nil {
						return
					}
					var co *conn.Options
					if ok {
						co = duplexConnOptions(&params)
					}
					c := conn.New(nc, br, conn.Server, co)
					ctx := context.Background()
					var buf []byte
					for {
						t, msg, err := c.ReadMessage(ctx, buf)
						if err != nil {
							return
						}
						if err := c.WriteMessage(ctx, t, msg); err != nil {
							return
						}
						buf = msg[:0]
					}
				}()
			}
		},
		dial: func(addr string, wrap func(net.Conn) net.Conn) (echoClient, error) {
			offer := &handshake.Offer{Key: handshake.NewKey()}
			if opts != nil {
				offer.Extensions = []handshake.Extension{deflate.Offer(opts)}
			}
			req, err := handshake.NewRequest(context.Background(), "ws://"+addr+"/", offer)
			if err != nil {
				return nil, err
			}
			raw, err := net.Dial("tcp", addr)
			if err != nil {
				return nil, err
			}
			nc := wrap(raw)
			if _, err := nc.Write(handshake.AppendRequest(nil, req)); err != nil {
				nc.Close()
				return nil, err
			}
			br := bufio.NewReaderSize(nc, 1024)
			resp, err := http.ReadResponse(br, req)
			if err != nil {
				nc.Close()
				return nil, err
			}
			agreed, err := handshake.VerifyResponse(resp, offer)
			if err == nil && opts == nil && len(agreed.Extensions) == 0 {
				return &duplexEcho{c: conn.New(nc, br, conn.Client, nil)}, nil
			}
			if err != nil || len(agreed.Extensions) != 1 {
				nc.Close()
				return nil, fmt.Errorf("bench: duplex did not agree on permessage-deflate: %v", err)
			}
			params, err := deflate.Accept(agreed.Extensions[0], opts)
			if err != nil {
				nc.Close()
				return nil, err
			}
			return &duplexEcho{c: conn.New(nc, br, conn.Client, duplexConnOptions(&params))}, nil
		},
	}
}

type duplexEcho struct {
	c   *conn.Conn
	buf []byte
}

func (d *duplexEcho) echo(msg []byte) ([]byte, error) {
	ctx := context.Background()
	if err := d.c.WriteMessage(ctx, conn.Text, msg); err != nil {
		return nil, err
	}
	_, b, err := d.c.ReadMessage(ctx, d.buf)
	d.buf = b[:0]
	return b, err
}

func (d *duplexEcho) close() { _ = d.c.CloseNow() }

var gorillaDeflate = &deflateLib{
	name:     "gorilla",
	settings: "EnableCompression both sides: no context takeover (the only mode gorilla has), compress/flate level 1 (its default)",
	serve: func(ln net.Listener) error {
		up := websocket.Upgrader{EnableCompression: true, CheckOrigin: func(*http.Request) bool { return true }}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			var buf []byte
			for {
				t, rd, err := c.NextReader()
				if err != nil {
					return
				}
				if buf, err = readAll(rd, buf); err != nil {
					return
				}
				if err := c.WriteMessage(t, buf); err != nil {
					return
				}
			}
		})
		return (&http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}).Serve(ln)
	},
	dial: func(addr string, wrap func(net.Conn) net.Conn) (echoClient, error) {
		d := websocket.Dialer{EnableCompression: true, NetDialContext: func(ctx context.Context, n, a string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, n, a)
			if err != nil {
				return nil, err
			}
			return wrap(nc), nil
		}}
		c, resp, err := d.Dial("ws://"+addr+"/", nil)
		if err != nil {
			return nil, err
		}
		if resp.Header.Get("Sec-WebSocket-Extensions") == "" {
			c.Close()
			return nil, errors.New("bench: gorilla did not agree on permessage-deflate")
		}
		return &gorillaEcho{c: c}, nil
	},
}

type gorillaEcho struct {
	c   *websocket.Conn
	buf []byte
}

func (g *gorillaEcho) echo(msg []byte) ([]byte, error) {
	if err := g.c.WriteMessage(websocket.TextMessage, msg); err != nil {
		return nil, err
	}
	_, rd, err := g.c.NextReader()
	if err != nil {
		return nil, err
	}
	g.buf, err = readAll(rd, g.buf)
	return g.buf, err
}

func (g *gorillaEcho) close() { _ = g.c.Close() }

var gwsDeflateOpts = gws.PermessageDeflate{Enabled: true, ServerContextTakeover: true, ClientContextTakeover: true}

var gwsDeflate = &deflateLib{
	name:     "gws",
	settings: "PermessageDeflate enabled, context takeover both ways, compress/flate level 1 (its default); client events handed to the caller over a channel",
	serve: func(ln net.Listener) error {
		srv := gws.NewServer(&gwsEcho{open: new(atomic.Int64)}, &gws.ServerOption{PermessageDeflate: gwsDeflateOpts})
		srv.OnError = func(net.Conn, error) {}
		return gwsRunListener(srv, ln)
	},
	dial: func(addr string, wrap func(net.Conn) net.Conn) (echoClient, error) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			return nil, err
		}
		h := &gwsClient{ch: make(chan []byte, 1)}
		s, resp, err := gws.NewClientFromConn(h, &gws.ClientOption{Addr: "ws://" + addr + "/", PermessageDeflate: gwsDeflateOpts}, wrap(nc))
		if err != nil {
			nc.Close()
			return nil, err
		}
		if resp.Header.Get("Sec-WebSocket-Extensions") == "" {
			nc.Close()
			return nil, errors.New("bench: gws did not agree on permessage-deflate")
		}
		go s.ReadLoop()
		return &gwsEchoClient{s: s, h: h}, nil
	},
}

type gwsClient struct {
	gws.BuiltinEventHandler
	ch  chan []byte
	buf []byte
}

func (h *gwsClient) OnMessage(_ *gws.Conn, m *gws.Message) {
	h.buf = append(h.buf[:0], m.Bytes()...)
	_ = m.Close()
	h.ch <- h.buf
}

func (h *gwsClient) OnClose(*gws.Conn, error) { close(h.ch) }

type gwsEchoClient struct {
	s *gws.Conn
	h *gwsClient
}

func (g *gwsEchoClient) echo(msg []byte) ([]byte, error) {
	if err := g.s.WriteMessage(gws.OpcodeText, msg); err != nil {
		return nil, err
	}
	b, ok := <-g.h.ch
	if !ok {
		return nil, net.ErrClosed
	}
	return b, nil
}

func (g *gwsEchoClient) close() { _ = g.s.NetConn().Close() }

var coderDeflate = &deflateLib{
	name:     "coder",
	settings: "CompressionContextTakeover both sides, compress/flate level 1 (its default)",
	serve: func(ln net.Listener) error {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := coder.Accept(w, r, &coder.AcceptOptions{InsecureSkipVerify: true, CompressionMode: coder.CompressionContextTakeover})
			if err != nil {
				return
			}
			defer c.CloseNow()
			c.SetReadLimit(1 << 20)
			ctx := context.Background()
			var buf []byte
			for {
				t, rd, err := c.Reader(ctx)
				if err != nil {
					return
				}
				if buf, err = readAll(rd, buf); err != nil {
					return
				}
				if err := c.Write(ctx, t, buf); err != nil {
					return
				}
			}
		})
		return (&http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}).Serve(ln)
	},
	dial: func(addr string, wrap func(net.Conn) net.Conn) (echoClient, error) {
		tr := &http.Transport{DialContext: func(ctx context.Context, n, a string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, n, a)
			if err != nil {
				return nil, err
			}
			return wrap(nc), nil
		}}
		c, resp, err := coder.Dial(context.Background(), "ws://"+addr+"/", &coder.DialOptions{
			HTTPClient: &http.Client{Transport: tr}, CompressionMode: coder.CompressionContextTakeover})
		if err != nil {
			return nil, err
		}
		if resp.Header.Get("Sec-WebSocket-Extensions") == "" {
			c.CloseNow()
			return nil, errors.New("bench: coder did not agree on permessage-deflate")
		}
		c.SetReadLimit(1 << 20)
		return &coderEcho{c: c}, nil
	},
}

type coderEcho struct {
	c   *coder.Conn
	buf []byte
}

func (c *coderEcho) echo(msg []byte) ([]byte, error) {
	ctx := context.Background()
	if err := c.c.Write(ctx, coder.MessageText, msg); err != nil {
		return nil, err
	}
	_, rd, err := c.c.Reader(ctx)
	if err != nil {
		return nil, err
	}
	c.buf, err = readAll(rd, c.buf)
	return c.buf, err
}

func (c *coderEcho) close() { _ = c.c.CloseNow() }

func deflateLibs() []*deflateLib {
	libs := []*deflateLib{
		duplexDeflate("duplex", &deflate.Options{}),
		duplexDeflate("duplex (flate level 1)", &deflate.Options{Level: flate.BestSpeed}),
		duplexDeflate("duplex (compression off)", nil),
	}
	for _, l := range []*deflateLib{gorillaDeflate, gobwasDeflate, gwsDeflate, coderDeflate} {
		for _, p := range peers {
			if p.name == l.name {
				libs = append(libs, l)
			}
		}
	}
	return libs
}

// deflateCases are measurement 5's two workloads: the target is judged on the first.
var deflateCases = []struct {
	name, what string
	msgs       func() [][]byte
}{
	{deflateVaried, "16 different 16 KiB JSON documents echoed in turn (each connection cycles through them)", func() [][]byte { return jsonMessages(16) }},
	{deflateRepeated, "one 16 KiB JSON document echoed again and again: with context takeover an encoder that looks back far enough finds the whole previous copy", func() [][]byte { return [][]byte{jsonMessage()} }},
}

const (
	deflateVaried   = "16 KiB JSON, 16 documents"
	deflateRepeated = "16 KiB JSON, one repeated"
)

func benchDeflate(r *results, cfg *config) {
	const conns = 4
	libs := deflateLibs()
	notes := map[string]string{}
	for _, l := range libs {
		if l.unavailable != nil {
			if why := l.unavailable(); why != "" {
				notes[l.name] = why
			}
		}
	}
	// Runs interleaved across libraries, like the echo measurement.
	for _, dc := range deflateCases {
		msgs := dc.msgs()
		for run := range cfg.echoRuns {
			for _, l := range libs {
				if _, skip := notes[l.name]; skip {
					continue
				}
				if err := deflateOne(r, cfg, l, dc.name, msgs, conns, run); err != nil {
					notes[l.name] = "error: " + err.Error()
				}
			}
		}
	}
	r.printf("## 5. permessage-deflate echo (16384-byte JSON text messages)\n\n")
	r.printf("Each library's own client and server in this process, on one CPU, %d connections echoing one message at a time. "+
		"CPU µs/echo covers both ends (two compressions, two decompressions); wire bytes: the compressed echo as the client reads it, headers included.\n\n", conns)
	r.printf("Settings:\n\n")
	for _, l := range libs {
		r.printf("- **%s**: %s\n", l.name, l.settings)
	}
	r.printf("\n")
	for _, dc := range deflateCases {
		r.printf("%s: %s.\n\n", dc.name, dc.what)
		best := bestPeer(r, "deflate", dc.name, "echoes/s", false)
		bestCPU := bestPeer(r, "deflate", dc.name, "cpu µs/echo", true)
		var rows [][]string
		for _, l := range libs {
			if n, ok := notes[l.name]; ok {
				rows = append(rows, []string{l.name, n, "", "", "", ""})
				continue
			}
			eps, _ := r.median("deflate", dc.name, l.name, "echoes/s")
			cpu, _ := r.median("deflate", dc.name, l.name, "cpu µs/echo")
			wire, _ := r.median("deflate", dc.name, l.name, "wire B/echo")
			rows = append(rows, []string{l.name, num(eps), fmt.Sprintf("%.1f", cpu), fmt.Sprintf("%.0f", wire), ratio(eps, best), ratio(bestCPU, cpu)})
		}
		r.table([]string{"implementation", "echoes/s", "CPU µs/echo", "wire B/echo", "echoes/s vs best peer", "echoes per CPU-second vs best peer"}, rows)
	}
}

func deflateOne(r *results, cfg *config, l *deflateLib, cas string, msgs [][]byte, conns, run int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	served := make(chan struct{})
	go func() { _ = l.serve(ln); close(served) }()
	defer func() { ln.Close(); <-served }()
	var wire atomic.Int64
	wrap := func(nc net.Conn) net.Conn { return countConn{Conn: nc, n: &wire} }
	cs := make([]echoClient, 0, conns)
	defer func() {
		for _, c := range cs {
			c.close()
		}
	}()
	for range conns {
		c, err := l.dial(ln.Addr().String(), wrap)
		if err != nil {
			return err
		}
		// The first round is checked byte for byte (and warms up the context).
		for _, msg := range msgs {
			got, err := c.echo(msg)
			if err != nil {
				c.close()
				return err
			}
			if !bytes.Equal(got, msg) {
				c.close()
				return errors.New("echo differs from the message")
			}
		}
		cs = append(cs, c)
	}
	var (
		count atomic.Int64
		stop  atomic.Bool
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				msg := msgs[i%len(msgs)]
				got, err := c.echo(msg)
				if err == nil && len(got) != len(msg) {
					err = errors.New("echo has the wrong length")
				}
				if err != nil {
					mu.Lock()
					first = cmpErr(first, err)
					mu.Unlock()
					return
				}
				count.Add(1)
			}
		}()
	}
	warm := time.NewTimer(cfg.echoDur / 5)
	<-warm.C
	n0, w0, cpu0, t0 := count.Load(), wire.Load(), processCPU(), time.Now()
	window := time.NewTimer(cfg.echoDur)
	<-window.C
	n1, w1, cpu1, t1 := count.Load(), wire.Load(), processCPU(), time.Now()
	stop.Store(true)
	wg.Wait()
	if first != nil {
		return first
	}
	echoes := float64(n1 - n0)
	if echoes == 0 {
		return errors.New("no echoes in the window")
	}
	r.add("deflate", cas, l.name, "echoes/s", "1/s", run, echoes/t1.Sub(t0).Seconds())
	r.add("deflate", cas, l.name, "cpu µs/echo", "µs", run, float64((cpu1-cpu0).Nanoseconds())/1e3/echoes)
	r.add("deflate", cas, l.name, "wire B/echo", "B", run, float64(w1-w0)/echoes)
	return nil
}

// processCPU is this process's user+system CPU time (getrusage).
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func jsonValid(b []byte) bool { return json.Valid(b) }
