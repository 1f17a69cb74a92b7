package main

import (
	"bufio"
	"compress/flate"
	"context"
	"errors"
	"io"
	"net"

	"github.com/gobwas/httphead"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/gobwas/ws/wsutil"
)

// gobwas compresses with wsflate and wsutil, wired per message as its README shows;
// wsflate has no context takeover, so both directions negotiate it off.
var gobwasDeflate = &deflateLib{
	name:     "gobwas",
	settings: "wsflate.DefaultParameters (no context takeover both ways) with wsutil.Reader/Writer, compress/flate level 1 (as the others' default; wsflate's example uses 9)",
	serve: func(ln net.Listener) error {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return err
			}
			go func() {
				defer nc.Close()
				e := wsflate.Extension{Parameters: wsflate.DefaultParameters}
				if _, err := (&ws.Upgrader{Negotiate: e.Negotiate}).Upgrade(nc); err != nil {
					return
				}
				if _, ok := e.Accepted(); !ok {
					return
				}
				g := newGobwasFlate(nc, nil, ws.StateServerSide)
				for {
					op, p, err := g.readMessage()
					if err != nil {
						return
					}
					if err := g.writeMessage(op, p); err != nil {
						return
					}
				}
			}()
		}
	},
	dial: func(addr string, wrap func(net.Conn) net.Conn) (echoClient, error) {
		e := wsflate.Extension{Parameters: wsflate.DefaultParameters}
		d := ws.Dialer{
			Extensions: []httphead.Option{e.Parameters.Option()},
			NetDial: func(ctx context.Context, n, a string) (net.Conn, error) {
				nc, err := (&net.Dialer{}).DialContext(ctx, n, a)
				if err != nil {
					return nil, err
				}
				return wrap(nc), nil
			},
		}
		nc, br, hs, err := d.Dial(context.Background(), "ws://"+addr+"/")
		if err != nil {
			return nil, err
		}
		if len(hs.Extensions) != 1 {
			nc.Close()
			return nil, errors.New("bench: gobwas did not agree on permessage-deflate")
		}
		return &gobwasEcho{g: newGobwasFlate(nc, br, ws.StateClientSide)}, nil
	},
}

// gobwasFlate reads and writes whole compressed messages with wsutil and wsflate.
type gobwasFlate struct {
	nc    net.Conn
	state ws.State
	msg   wsflate.MessageState
	rd    *wsutil.Reader
	wr    *wsutil.Writer
	fr    *wsflate.Reader
	fw    *wsflate.Writer
	ctl   wsutil.FrameHandlerFunc
	buf   []byte
}

func newGobwasFlate(nc net.Conn, br *bufio.Reader, state ws.State) *gobwasFlate {
	g := &gobwasFlate{nc: nc, state: state | ws.StateExtended}
	var src io.Reader = nc
	if br != nil {
		src = br
	}
	g.rd = &wsutil.Reader{Source: src, State: g.state, Extensions: []wsutil.RecvExtension{&g.msg}}
	g.wr = wsutil.NewWriter(nc, g.state, 0)
	g.wr.SetExtensions(&g.msg)
	g.fr = wsflate.NewReader(nil, func(r io.Reader) wsflate.Decompressor { return flate.NewReader(r) })
	g.fw = wsflate.NewWriter(nil, func(w io.Writer) wsflate.Compressor {
		f, _ := flate.NewWriter(w, flate.BestSpeed)
		return f
	})
	g.ctl = wsutil.ControlFrameHandler(nc, state)
	return g
}

// readMessage returns the next data message, decompressed; control frames are handled.
func (g *gobwasFlate) readMessage() (ws.OpCode, []byte, error) {
	for {
		h, err := g.rd.NextFrame()
		if err != nil {
			return 0, nil, err
		}
		if h.OpCode.IsControl() {
			if err := g.ctl(h, g.rd); err != nil {
				return 0, nil, err
			}
			continue
		}
		var src io.Reader = g.rd
		if g.msg.IsCompressed() {
			g.fr.Reset(g.rd)
			src = g.fr
		}
		g.buf, err = readAll(src, g.buf)
		return h.OpCode, g.buf, err
	}
}

// writeMessage sends p compressed, in one frame when it fits the writer's buffer.
func (g *gobwasFlate) writeMessage(op ws.OpCode, p []byte) error {
	g.wr.ResetOp(op) // keeps the extension (Reset would drop it)
	g.msg.SetCompressed(true)
	g.fw.Reset(g.wr)
	if _, err := g.fw.Write(p); err != nil {
		return err
	}
	if err := g.fw.Close(); err != nil {
		return err
	}
	return g.wr.Flush()
}

type gobwasEcho struct{ g *gobwasFlate }

func (e *gobwasEcho) echo(msg []byte) ([]byte, error) {
	if err := e.g.writeMessage(ws.OpText, msg); err != nil {
		return nil, err
	}
	_, p, err := e.g.readMessage()
	return p, err
}

func (e *gobwasEcho) close() { _ = e.g.nc.Close() }
