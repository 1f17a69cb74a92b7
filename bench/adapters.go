package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gorilla/websocket"
	"github.com/lxzan/gws"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/handshake"
	"github.com/duplexws/duplex/server"
)

// library is one WebSocket implementation under test, driven through its fastest public
// API. Every function works on a net.Conn or net.Listener it is given, so all libraries
// share the transport of each measurement.
type library struct {
	name     string
	settings string // printed in the report header
	utf8     bool   // validates UTF-8 of received text messages

	// openReader takes nc, a server-side connection whose reads are masked client
	// frames, through the library's upgrade (when it has one) and returns a reader.
	openReader func(nc net.Conn) (msgReader, error)
	// openWriter does the same for the write side.
	openWriter func(nc net.Conn) (msgWriter, error)
	// serve runs an echo server on ln until ln is closed; open counts live connections.
	serve func(ln net.Listener, open *atomic.Int64) error
}

// msgReader reads n whole messages (of any type) into a reused buffer.
type msgReader interface {
	read(n int) error
	close()
}

// msgWriter writes one message in one frame.
type msgWriter interface {
	write(text bool, p []byte) error
	close()
}

var errShortRead = errors.New("bench: fewer messages than expected")

// libraries lists the implementations in report order: ours first.
var libraries = []*library{
	duplexLib, duplexServeLib, duplexSendLib, gorillaLib, gobwasLib, gwsLib, coderLib,
}

// filterLibraries keeps only the named implementations (ours is always kept, as the
// reference of every ratio).
func filterLibraries(names []string) {
	keep := map[string]bool{duplexLib.name: true}
	for _, n := range names {
		keep[strings.TrimSpace(n)] = true
	}
	libraries = slices.DeleteFunc(libraries, func(l *library) bool { return !keep[l.name] })
	peers = slices.DeleteFunc(peers, func(l *library) bool { return !keep[l.name] })
	if !keep[rawLib.name] {
		rawLib.serve = nil
	}
}

// codecLibraries are those measured in the codec benchmarks (server.Serve shares
// conn's read and write path, so it is not repeated there).
func codecLibraries() []*library {
	return slices.DeleteFunc(slices.Clone(libraries), func(l *library) bool { return l.openReader == nil })
}

func libraryByName(name string) *library {
	for _, l := range append(libraries, rawLib) {
		if l.name == name {
			return l
		}
	}
	return nil
}

// readAll reads r to its end into buf, growing it, and returns the bytes read.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// ---- duplex (package conn, the engine) ----

var duplexLib = &library{
	name:     "duplex",
	settings: "conn.Conn ReadMessage into a reused buffer / WriteMessage; raw handshake (package handshake); read/write buffers 4096 (pooled); UTF-8 validated; no compression",
	utf8:     true,
	openReader: func(nc net.Conn) (msgReader, error) {
		return &duplexRW{c: conn.New(nc, nil, conn.Server, nil)}, nil
	},
	openWriter: func(nc net.Conn) (msgWriter, error) {
		return &duplexRW{c: conn.New(nc, nil, conn.Server, nil)}, nil
	},
	serve: func(ln net.Listener, open *atomic.Int64) error {
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
				if err := handshake.WriteResponse(nc, req.Key, &handshake.Response{}); err != nil {
					return
				}
				c := conn.New(nc, br, conn.Server, nil)
				br = nil
				open.Add(1)
				defer open.Add(-1)
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
}

type duplexRW struct {
	c   *conn.Conn
	buf []byte
}

func (d *duplexRW) read(n int) error {
	ctx := context.Background()
	for range n {
		_, msg, err := d.c.ReadMessage(ctx, d.buf)
		if err != nil {
			return err
		}
		d.buf = msg[:0]
	}
	return nil
}

func (d *duplexRW) write(text bool, p []byte) error {
	t := conn.Binary
	if text {
		t = conn.Text
	}
	return d.c.WriteMessage(context.Background(), t, p)
}

func (d *duplexRW) close() { _ = d.c.CloseNow() }

// ---- duplex (package server, the Handler API over server.Serve) ----

var duplexServeLib = &library{
	name:     "duplex/server",
	settings: "server.Serve with a Handler whose OnMessage calls Conn.Underlying().WriteMessage (no send queue); server defaults",
	utf8:     true,
	serve: func(ln net.Listener, open *atomic.Int64) error {
		opts := &server.Options{Origin: handshake.OriginPolicy{AllowAll: true}, Logger: quietLogger()}
		return server.Serve(ln, &serveEcho{open: open}, opts)
	},
}

type serveEcho struct{ open *atomic.Int64 }

func (h *serveEcho) Open(*server.Conn)           { h.open.Add(1) }
func (h *serveEcho) OnClose(*server.Conn, error) { h.open.Add(-1) }
func (h *serveEcho) OnMessage(c *server.Conn, m server.Message) {
	_ = c.Underlying().WriteMessage(context.Background(), m.Type, m.Data)
}

var duplexSendLib = &library{
	name:     "duplex/server Send",
	settings: "server.Serve with a Handler whose OnMessage calls Conn.Send (copy into the send queue; the writer goroutine batches queued messages into one write with conn.WriteMessages); server defaults",
	utf8:     true,
	serve: func(ln net.Listener, open *atomic.Int64) error {
		opts := &server.Options{Origin: handshake.OriginPolicy{AllowAll: true}, Logger: quietLogger()}
		return server.Serve(ln, &sendEcho{open: open}, opts)
	},
}

type sendEcho struct{ open *atomic.Int64 }

func (h *sendEcho) Open(*server.Conn)           { h.open.Add(1) }
func (h *sendEcho) OnClose(*server.Conn, error) { h.open.Add(-1) }
func (h *sendEcho) OnMessage(c *server.Conn, m server.Message) {
	_ = c.Send(m.Type, m.Data)
}

// ---- gorilla/websocket ----

var gorillaUpgrader = websocket.Upgrader{
	CheckOrigin: func(*http.Request) bool { return true },
	// ReadBufferSize/WriteBufferSize 0: reuse net/http's 4096-byte hijacked buffers.
	WriteBufferPool: new(sync.Pool),
}

var gorillaLib = &library{
	name:     "gorilla",
	settings: "v1.5.3; NextReader into a reused buffer / WriteMessage; net/http upgrade; buffers: net/http's 4096 reused, WriteBufferPool set; UTF-8 not validated; no compression",
	openReader: func(nc net.Conn) (msgReader, error) {
		c, err := gorillaUpgrader.Upgrade(&hijackWriter{nc: nc}, upgradeRequest(), nil)
		if err != nil {
			return nil, err
		}
		return &gorillaRW{c: c}, nil
	},
	openWriter: func(nc net.Conn) (msgWriter, error) {
		c, err := gorillaUpgrader.Upgrade(&hijackWriter{nc: nc}, upgradeRequest(), nil)
		if err != nil {
			return nil, err
		}
		return &gorillaRW{c: c}, nil
	},
	serve: func(ln net.Listener, open *atomic.Int64) error {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := gorillaUpgrader.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			defer c.Close()
			open.Add(1)
			defer open.Add(-1)
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
}

type gorillaRW struct {
	c   *websocket.Conn
	buf []byte
}

func (g *gorillaRW) read(n int) error {
	for range n {
		_, rd, err := g.c.NextReader()
		if err != nil {
			return err
		}
		if g.buf, err = readAll(rd, g.buf); err != nil {
			return err
		}
	}
	return nil
}

func (g *gorillaRW) write(text bool, p []byte) error {
	t := websocket.BinaryMessage
	if text {
		t = websocket.TextMessage
	}
	return g.c.WriteMessage(t, p)
}

func (g *gorillaRW) close() { _ = g.c.Close() }

// ---- gobwas/ws (low-level: ReadHeaderBuffer + Cipher, WriteHeaderBuffer) ----

var gobwasLib = &library{
	name:     "gobwas",
	settings: "v1.5.0 (as served by the module proxy: ships AVX2/NEON ws.Cipher kernels); ws.ReadHeaderBuffer + io.ReadFull + ws.Cipher into a reused buffer / ws.WriteHeaderBuffer + payload + Flush; ws.Upgrade on the raw conn; bufio 4096 each way; UTF-8 not validated; no compression",
	openReader: func(nc net.Conn) (msgReader, error) {
		return newGobwasRW(nc), nil
	},
	openWriter: func(nc net.Conn) (msgWriter, error) {
		return newGobwasRW(nc), nil
	},
	serve: func(ln net.Listener, open *atomic.Int64) error {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return err
			}
			go func() {
				defer nc.Close()
				if _, err := ws.Upgrade(nc); err != nil {
					return
				}
				open.Add(1)
				defer open.Add(-1)
				g := newGobwasRW(nc)
				for {
					op, p, err := g.next()
					if err != nil {
						return
					}
					if op == ws.OpClose {
						_ = g.writeFrame(ws.OpClose, p)
						return
					}
					if err := g.writeFrame(op, p); err != nil {
						return
					}
				}
			}()
		}
	},
}

type gobwasRW struct {
	nc  net.Conn
	br  *bufio.Reader
	bw  *bufio.Writer
	hb  []byte
	wb  []byte
	buf []byte
}

func newGobwasRW(nc net.Conn) *gobwasRW {
	return &gobwasRW{nc: nc, br: bufio.NewReaderSize(nc, 4096), bw: bufio.NewWriterSize(nc, 4096),
		hb: make([]byte, ws.MaxHeaderSize), wb: make([]byte, ws.MaxHeaderSize)}
}

// next reads one frame: data frames are returned, pings answered, pongs skipped. The
// messages of these benchmarks are single frames, so a frame is a message.
func (g *gobwasRW) next() (ws.OpCode, []byte, error) {
	for {
		h, err := ws.ReadHeaderBuffer(g.br, g.hb)
		if err != nil {
			return 0, nil, err
		}
		if int64(cap(g.buf)) < h.Length {
			g.buf = make([]byte, h.Length)
		}
		p := g.buf[:h.Length]
		if _, err := io.ReadFull(g.br, p); err != nil {
			return 0, nil, err
		}
		if h.Masked {
			ws.Cipher(p, h.Mask, 0)
		}
		switch h.OpCode {
		case ws.OpPing:
			if err := g.writeFrame(ws.OpPong, p); err != nil {
				return 0, nil, err
			}
			continue
		case ws.OpPong:
			continue
		}
		return h.OpCode, p, nil
	}
}

func (g *gobwasRW) read(n int) error {
	for range n {
		if _, _, err := g.next(); err != nil {
			return err
		}
	}
	return nil
}

func (g *gobwasRW) writeFrame(op ws.OpCode, p []byte) error {
	if err := ws.WriteHeaderBuffer(g.bw, ws.Header{Fin: true, OpCode: op, Length: int64(len(p))}, g.wb); err != nil {
		return err
	}
	if _, err := g.bw.Write(p); err != nil {
		return err
	}
	return g.bw.Flush()
}

func (g *gobwasRW) write(text bool, p []byte) error {
	op := ws.OpBinary
	if text {
		op = ws.OpText
	}
	return g.writeFrame(op, p)
}

func (g *gobwasRW) close() { _ = g.nc.Close() }

// ---- lxzan/gws (event handler) ----

var gwsLib = &library{
	name:     "gws",
	settings: "v1.8.9; event handler (OnMessage), ReadLoop; gws.Server on the raw listener; ReadBufferSize/WriteBufferSize 4096 (defaults); CheckUtf8Enabled false (default); ParallelEnabled false; no compression",
	openReader: func(nc net.Conn) (msgReader, error) {
		h := &gwsCounter{}
		up := gws.NewUpgrader(h, &gws.ServerOption{})
		s, err := up.UpgradeFromConn(nc, bufio.NewReaderSize(nc, 4096), upgradeRequest())
		if err != nil {
			return nil, err
		}
		return &gwsRW{s: s, h: h}, nil
	},
	openWriter: func(nc net.Conn) (msgWriter, error) {
		up := gws.NewUpgrader(&gwsCounter{}, &gws.ServerOption{})
		s, err := up.UpgradeFromConn(nc, bufio.NewReaderSize(nc, 4096), upgradeRequest())
		if err != nil {
			return nil, err
		}
		return &gwsRW{s: s}, nil
	},
	serve: func(ln net.Listener, open *atomic.Int64) error {
		srv := gws.NewServer(&gwsEcho{open: open}, &gws.ServerOption{})
		srv.OnError = func(net.Conn, error) {}
		return gwsRunListener(srv, ln)
	},
}

// gwsRunListener is Server.RunListener, which logs and retries forever once the listener
// is closed; this one returns.
func gwsRunListener(srv *gws.Server, ln net.Listener) error {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			br := bufio.NewReaderSize(nc, 4096)
			r, err := http.ReadRequest(br)
			if err != nil {
				nc.Close()
				return
			}
			srv.OnRequest(nc, br, r)
		}()
	}
}

type gwsCounter struct {
	gws.BuiltinEventHandler
	n int
}

func (h *gwsCounter) OnMessage(_ *gws.Conn, m *gws.Message) { h.n++; _ = m.Close() }

type gwsEcho struct {
	gws.BuiltinEventHandler
	open *atomic.Int64
}

func (h *gwsEcho) OnOpen(*gws.Conn)             { h.open.Add(1) }
func (h *gwsEcho) OnClose(*gws.Conn, error)     { h.open.Add(-1) }
func (h *gwsEcho) OnPing(s *gws.Conn, p []byte) { _ = s.WritePong(p) }
func (h *gwsEcho) OnMessage(s *gws.Conn, m *gws.Message) {
	_ = s.WriteMessage(m.Opcode, m.Bytes())
	_ = m.Close()
}

type gwsRW struct {
	s *gws.Conn
	h *gwsCounter
}

// read runs ReadLoop, which returns when the replayConn reports io.EOF after exactly n
// messages (the caller sets its limit).
func (g *gwsRW) read(n int) error {
	g.h.n = 0
	g.s.ReadLoop()
	if g.h.n != n {
		return fmt.Errorf("%w: gws read %d of %d", errShortRead, g.h.n, n)
	}
	return nil
}

func (g *gwsRW) write(text bool, p []byte) error {
	op := gws.OpcodeBinary
	if text {
		op = gws.OpcodeText
	}
	return g.s.WriteMessage(op, p)
}

func (g *gwsRW) close() { _ = g.s.NetConn().Close() }

// ---- coder/websocket ----

var coderAccept = &coder.AcceptOptions{InsecureSkipVerify: true, CompressionMode: coder.CompressionDisabled}

var coderLib = &library{
	name:     "coder",
	settings: "v1.8.15; Reader into a reused buffer / Write; net/http upgrade (net/http's 4096 buffers); read limit raised to 1 MiB; UTF-8 not validated; CompressionDisabled",
	openReader: func(nc net.Conn) (msgReader, error) {
		c, err := coder.Accept(&hijackWriter{nc: nc}, upgradeRequest(), coderAccept)
		if err != nil {
			return nil, err
		}
		c.SetReadLimit(1 << 20)
		return &coderRW{c: c}, nil
	},
	openWriter: func(nc net.Conn) (msgWriter, error) {
		c, err := coder.Accept(&hijackWriter{nc: nc}, upgradeRequest(), coderAccept)
		if err != nil {
			return nil, err
		}
		return &coderRW{c: c}, nil
	},
	serve: func(ln net.Listener, open *atomic.Int64) error {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := coder.Accept(w, r, coderAccept)
			if err != nil {
				return
			}
			defer c.CloseNow()
			c.SetReadLimit(1 << 20)
			open.Add(1)
			defer open.Add(-1)
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
}

type coderRW struct {
	c   *coder.Conn
	buf []byte
}

func (c *coderRW) read(n int) error {
	ctx := context.Background()
	for range n {
		_, rd, err := c.c.Reader(ctx)
		if err != nil {
			return err
		}
		if c.buf, err = readAll(rd, c.buf); err != nil {
			return err
		}
	}
	return nil
}

func (c *coderRW) write(text bool, p []byte) error {
	t := coder.MessageBinary
	if text {
		t = coder.MessageText
	}
	return c.c.Write(context.Background(), t, p)
}

func (c *coderRW) close() { _ = c.c.CloseNow() }

// ---- raw TCP: the physical limit of the echo measurement ----

var rawLib = &library{
	name:     "raw TCP",
	settings: "net.Conn Read/Write echo of the client's bytes (no WebSocket), 16 KiB buffer; the physical limit",
	serve: func(ln net.Listener, open *atomic.Int64) error {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return err
			}
			go func() {
				defer nc.Close()
				open.Add(1)
				defer open.Add(-1)
				buf := make([]byte, 16<<10)
				for {
					n, err := nc.Read(buf)
					if err != nil {
						return
					}
					if _, err := nc.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	},
}
