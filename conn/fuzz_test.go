package conn

import (
	"bytes"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/memconn"
)

func fuzzSeeds(f *testing.F) {
	masked := func(op frame.Opcode, fin bool, p string) []byte { return rawFrame(op, fin, 0, []byte(p), true) }
	plain := func(op frame.Opcode, fin bool, p string) []byte { return rawFrame(op, fin, 0, []byte(p), false) }
	cat := func(b ...[]byte) []byte { return bytes.Join(b, nil) }
	for _, b := range [][]byte{
		masked(frame.OpText, true, "Hello"),
		plain(frame.OpText, true, "Hello"),
		cat(masked(frame.OpText, false, "Hel"), masked(frame.OpPing, true, "p"), masked(frame.OpContinuation, true, "lo")),
		cat(plain(frame.OpBinary, false, "ab"), plain(frame.OpContinuation, true, "cd"), plain(frame.OpClose, true, "\x03\xe8bye")),
		masked(frame.OpText, true, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"),
		masked(frame.OpText, true, "\xed\xa0\x80"),
		masked(frame.OpClose, true, "\x03"),
		{0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4},
		{0x82, 0x7e, 0x01, 0x00},
		masked(frame.OpPong, true, string(make([]byte, 125))),
		masked(0x3, true, ""),
	} {
		f.Add(b, uint8(3))
	}
}

type fuzzEvent struct {
	Kind    EventKind
	Type    MessageType
	Final   bool
	Payload string
	Code    frame.CloseCode
	Reason  string
}

// parseAll feeds in to a fresh Protocol in chunks of at most chunk bytes (0: whole) and
// returns the events (data merged per message) and the error.
func parseAll(role Role, in []byte, chunk int) ([]fuzzEvent, error) {
	p := NewProtocol(role, &Options{ReadLimit: 1 << 16})
	in = bytes.Clone(in)
	var evs []fuzzEvent
	var data []byte
	var buf []byte // unconsumed bytes, as a driver would keep them
	for off := 0; off < len(in) || len(buf) > 0; {
		if off < len(in) {
			end := len(in)
			if chunk > 0 {
				end = min(off+chunk, len(in))
			}
			buf = append(buf, in[off:end]...)
			off = end
		}
		progress := false
		for len(buf) > 0 {
			n, ev, err := p.Parse(buf)
			if err != nil {
				return evs, err
			}
			buf = buf[n:]
			if n > 0 {
				progress = true
			}
			switch ev.Kind {
			case EventNone:
				if n == 0 {
					break
				}
				continue
			case EventData:
				data = append(data, ev.Payload...)
				if ev.Final {
					evs = append(evs, fuzzEvent{Kind: EventData, Type: ev.Type, Final: true, Payload: string(data)})
					data = nil
				}
				continue
			default:
				evs = append(evs, fuzzEvent{Kind: ev.Kind, Payload: string(ev.Payload), Code: ev.Code, Reason: ev.Reason})
				continue
			}
			break
		}
		if !progress && off >= len(in) {
			break // an incomplete frame at the end
		}
	}
	return evs, nil
}

// FuzzProtocolParse checks that Parse never panics and gives the same events and error
// whether the input arrives whole or in small pieces, in both roles.
func FuzzProtocolParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		for _, role := range []Role{Server, Client} {
			whole, werr := parseAll(role, in, 0)
			split, serr := parseAll(role, in, int(chunk%16)+1)
			if diff := cmp.Diff(whole, split); diff != "" {
				t.Fatalf("%v: events differ whole vs split (-whole +split):\n%s", role, diff)
			}
			if werr != serr {
				t.Fatalf("%v: error whole %v, split %v", role, werr, serr)
			}
			var fe *frame.Error
			if werr != nil && !errors.As(werr, &fe) {
				t.Fatalf("error %v is not a *frame.Error", werr)
			}
		}
	})
}

// oneShot is a net.Conn that delivers fixed bytes then io.EOF and discards writes.
type oneShot struct {
	data []byte
	net.Conn
}

func (o *oneShot) Read(p []byte) (int, error) {
	if len(o.data) == 0 {
		return 0, net.ErrClosed
	}
	n := copy(p, o.data)
	o.data = o.data[n:]
	return n, nil
}
func (o *oneShot) Write(p []byte) (int, error)      { return len(p), nil }
func (o *oneShot) Close() error                     { return nil }
func (o *oneShot) SetReadDeadline(time.Time) error  { return nil }
func (o *oneShot) SetWriteDeadline(time.Time) error { return nil }

// FuzzConnRead drives a whole Conn with arbitrary input: it must end every read with a
// *CloseError (never panic or hang) and keep returning the same one.
func FuzzConnRead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		role := Role(chunk & 1)
		c := New(&oneShot{data: bytes.Clone(in)}, nil, role, &Options{ReadLimit: 1 << 16, CloseTimeout: time.Millisecond})
		ctx := context.Background()
		var err error
		for i := 0; i <= len(in); i++ {
			if chunk&2 != 0 {
				_, r, e := c.Reader(ctx)
				if e == nil {
					_, e = bytes.NewBuffer(nil).ReadFrom(r)
				}
				err = e
			} else {
				_, _, err = c.ReadMessage(ctx, nil)
			}
			if err != nil {
				break
			}
		}
		var ce *CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("read ended with %v, want a *CloseError", err)
		}
		if _, _, err2 := c.ReadMessage(ctx, nil); err2 != err {
			t.Fatalf("later read %v, want %v", err2, err)
		}
	})
}

// FuzzWriteMessages splits data into a batch of messages (each byte of sizes is one
// message's length, its low bit the type), writes it with WriteMessages in both roles,
// and checks that the bytes written decode to exactly those messages, in order, one
// final frame each. The oracle is the input itself.
func FuzzWriteMessages(f *testing.F) {
	f.Add([]byte{0, 1, 5, 200}, []byte("hello, world"))
	f.Add([]byte{}, []byte{})
	f.Add([]byte{255, 255, 126, 127}, bytes.Repeat([]byte{0xce, 0xba}, 400))
	f.Fuzz(func(t *testing.T, sizes, data []byte) {
		if len(sizes) > 300 {
			sizes = sizes[:300]
		}
		var msgs []Message
		for i, s := range sizes {
			n := min(int(s)*3, len(data))
			typ := Binary
			if s&1 == 1 {
				typ = Text
			}
			m := Message{Type: typ, Data: data[:n]}
			if i%5 == 4 {
				pm, err := PrepareMessage(typ, data[:n])
				if err != nil {
					t.Fatal(err)
				}
				m = Message{Prepared: pm}
			}
			msgs = append(msgs, m)
			data = data[n:]
		}
		for _, role := range []Role{Server, Client} {
			rc := &recordConn{Conn: &memconn.Replay{}}
			c := New(rc, nil, role, nil)
			if err := c.WriteMessages(context.Background(), msgs); err != nil {
				t.Fatal(err)
			}
			frames := parseFrames(t, rc.buf.Bytes())
			if len(frames) != len(msgs) {
				t.Fatalf("%v: %d frames for %d messages", role, len(frames), len(msgs))
			}
			for i, fr := range frames {
				typ, p := msgs[i].Type, msgs[i].Data
				if pm := msgs[i].Prepared; pm != nil {
					typ, p = pm.Type(), pm.Payload()
				}
				if !fr.h.Fin || fr.h.Rsv != 0 || fr.h.Opcode != frame.Opcode(typ) ||
					fr.h.Masked != (role == Client) || !bytes.Equal(fr.payload, p) {
					t.Fatalf("%v: frame %d: %+v %q, want %v %q", role, i, fr.h, fr.payload, typ, p)
				}
			}
			c.CloseNow()
		}
	})
}
