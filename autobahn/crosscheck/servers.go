package crosscheck

import (
	"errors"
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/lxzan/gws"
)

// GorillaEcho returns an echo server on gorilla/websocket set up as gorilla's own
// Autobahn example ("CopyFull"): compression enabled, every message echoed by copying
// NextReader into NextWriter of the same type, text validated as UTF-8 while it streams,
// failing with 1007 on invalid text.
func GorillaEcho() http.Handler {
	up := websocket.Upgrader{
		ReadBufferSize:    4096,
		WriteBufferSize:   4096,
		EnableCompression: true,
		CheckOrigin:       func(*http.Request) bool { return true },
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for {
			mt, rd, err := conn.NextReader()
			if err != nil {
				return
			}
			if mt == websocket.TextMessage {
				rd = &utf8Reader{r: rd}
			}
			wr, err := conn.NextWriter(mt)
			if err != nil {
				return
			}
			if _, err := io.Copy(wr, rd); err != nil {
				if errors.Is(err, errInvalidUTF8) {
					_ = conn.WriteControl(websocket.CloseMessage,
						websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), time.Time{})
				}
				return
			}
			if err := wr.Close(); err != nil {
				return
			}
		}
	})
}

// GWSEcho returns an echo server on lxzan/gws set up as gws's own Autobahn server
// (synchronous handler, permessage-deflate with context takeover, UTF-8 checks on,
// pongs echo the ping payload).
func GWSEcho() http.Handler {
	up := gws.NewUpgrader(&gwsHandler{}, &gws.ServerOption{
		PermessageDeflate: gws.PermessageDeflate{
			Enabled:               true,
			ServerContextTakeover: true,
			ClientContextTakeover: true,
		},
		CheckUtf8Enabled: true,
		Recovery:         gws.Recovery,
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		socket, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		socket.ReadLoop()
	})
}

type gwsHandler struct {
	gws.BuiltinEventHandler
}

func (h *gwsHandler) OnPing(socket *gws.Conn, payload []byte) { _ = socket.WritePong(payload) }

func (h *gwsHandler) OnMessage(socket *gws.Conn, message *gws.Message) {
	_ = socket.WriteMessage(message.Opcode, message.Bytes())
	_ = message.Close()
}

var errInvalidUTF8 = errors.New("crosscheck: invalid UTF-8")

// utf8Reader validates UTF-8 as it streams, failing on the first chunk that makes the
// text invalid (a prefix no continuation can fix) and at EOF on a truncated code point.
type utf8Reader struct {
	r    io.Reader
	tail []byte // incomplete code point carried to the next read (at most 3 octets)
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	if n > 0 {
		buf := append(u.tail, p[:n]...)
		ok, t := validPrefix(buf)
		if !ok {
			return n, errInvalidUTF8
		}
		u.tail = append(u.tail[:0:0], buf[len(buf)-t:]...)
	}
	if err == io.EOF && len(u.tail) > 0 {
		return n, errInvalidUTF8
	}
	return n, err
}

// validPrefix reports whether b can still be completed to valid UTF-8, and the length
// of the incomplete code point at its end.
func validPrefix(b []byte) (bool, int) {
	i := len(b) - 1
	for i >= 0 && len(b)-i <= 3 && b[i]&0xC0 == 0x80 {
		i--
	}
	if i < 0 || utf8.FullRune(b[i:]) {
		return utf8.Valid(b), 0
	}
	if !utf8.Valid(b[:i]) {
		return false, 0
	}
	tail := b[i:]
	if len(tail) == 1 {
		return tail[0] >= 0xC2 && tail[0] <= 0xF4, 1
	}
	need := 2
	switch {
	case tail[0] >= 0xF0:
		need = 4
	case tail[0] >= 0xE0:
		need = 3
	}
	done := append(append([]byte(nil), tail...), "\x80\x80\x80"[:need-len(tail)]...)
	return utf8.Valid(done), len(tail)
}
