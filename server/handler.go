package server

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/duplexws/duplex/handshake"
)

// Handler is a WebSocket endpoint written as callbacks, in the style of Tornado's
// WebSocketHandler. Handle serves it. The callbacks of one connection run one at a time on
// the connection's own goroutine, in order: Open, then OnMessage for each message, then
// OnClose. A slow OnMessage slows only its connection: while it runs, that socket is not
// read, so the peer meets TCP back-pressure.
type Handler interface {
	// Open is called once the handshake is done, before any message is read.
	Open(c *Conn)
	// OnMessage is called for each message. m.Data is valid only until OnMessage returns.
	OnMessage(c *Conn, m Message)
	// OnClose is called once when the connection has ended; err says why (CloseStatus
	// reads the code: 1000 normal, 1001 going away, 1006 dropped, ...).
	OnClose(c *Conn, err error)
}

// OriginChecker is implemented by a Handler that decides itself which Origins it accepts;
// it overrides Options.Origin and Options.CheckOrigin. Returning false refuses the
// handshake with 403.
type OriginChecker interface {
	CheckOrigin(r *http.Request) bool
}

// SubprotocolSelector is implemented by a Handler that picks the subprotocol itself; it
// overrides Options.Subprotocols. It gets the client's offers in order and returns one of
// them, or "" for none. An answer that was not offered is ignored (RFC 6455 §4.2.2: the
// server must select one of the values the client sent).
type SubprotocolSelector interface {
	SelectSubprotocol(offered []string) string
}

// Handle returns an http.Handler that serves h: it upgrades every request (refusing plain
// HTTP like Require) and runs h's callbacks. No reader goroutine or receive queue is made:
// the connection's goroutine reads a message, calls OnMessage, and reads the next, reusing
// one buffer, so a received message up to 64 KiB costs no allocation in steady state (a
// bigger one gets a buffer of its own, not kept; a buffer over 16 KiB is also dropped
// once messages turn small).
//
// A panic in a callback is recovered: it is logged with its stack and the connection is
// closed with 1011 (Internal Error); OnClose is not called after it.
func Handle(h Handler, opts *Options) http.Handler {
	u := newUpgrader(opts)
	if oc, ok := h.(OriginChecker); ok {
		u.checkOrigin = oc.CheckOrigin
		u.hs.Origin = handshake.OriginPolicy{AllowAll: true} // the method decides
	}
	if ss, ok := h.(SubprotocolSelector); ok {
		u.selectSub = ss.SelectSubprotocol
	}
	return &handlerServer{u: u, h: h}
}

type handlerServer struct {
	u *upgrader
	h Handler
}

// maxKeptBuffer is the largest receive buffer the Handle loop keeps between messages; a
// bigger one (after a bigger message) is dropped, so an idle connection holds at most this.
const maxKeptBuffer = 64 << 10

// keepBuffer returns the buffer to read the next message into: the last one, unless it is
// over maxKeptBuffer, or big (over 16 KiB) while the last message used less than an eighth
// of it — then traffic has turned small and the memory goes back.
func keepBuffer(p []byte) []byte {
	c := cap(p)
	if c > maxKeptBuffer || (c > 16<<10 && len(p) < c/8) {
		return nil
	}
	return p
}

func (s *handlerServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !IsWebSocket(r) {
		refusePlain(w)
		return
	}
	c, err := s.u.upgrade(w, r, true)
	if err != nil {
		return
	}
	dispatch(c, s.h)
}

// dispatch runs h's callbacks for c on the calling goroutine until the connection ends.
func dispatch(c *Conn, h Handler) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				_ = c.CloseNow()
				c.terminate(fmt.Errorf("server: handler aborted"))
				return
			}
			c.cfg.log.Error("websocket handler panic", "remote", c.RemoteAddr(),
				"panic", v, "stack", string(debug.Stack()))
			_ = c.Close(CloseInternalError, "")
			_ = c.CloseNow()
			c.terminate(fmt.Errorf("server: handler panic: %v", v))
		}
	}()
	h.Open(c)
	var buf []byte
	ctx := context.Background()
	for {
		typ, p, err := c.ws.ReadMessage(ctx, buf[:0])
		if err != nil {
			c.readEnded(err)
			break
		}
		buf = keepBuffer(p)
		c.msgsIn.Add(1)
		c.bytesIn.Add(uint64(len(p)))
		select {
		case <-c.stopRead:
			continue // closing: the handshake needs the peer's close, data is dropped
		default:
		}
		h.OnMessage(c, Message{Type: typ, Data: p})
	}
	h.OnClose(c, c.err)
}
