package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
)

// echoHandler echoes every message.
type echoHandler struct{}

func (echoHandler) Open(c *Conn)                 {}
func (echoHandler) OnMessage(c *Conn, m Message) { c.Send(m.Type, m.Data) }
func (echoHandler) OnClose(c *Conn, err error)   {}

// recorder records the callbacks it gets, in order.
type recorder struct {
	mu     sync.Mutex
	events []string
	closed chan error
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.events = append(r.events, s)
	r.mu.Unlock()
}

func (r *recorder) Open(c *Conn) {
	r.add("open " + c.ReadyState().String())
	c.SendText("welcome")
}

func (r *recorder) OnMessage(c *Conn, m Message) {
	r.add(fmt.Sprintf("message %v %s", m.Type, m.Data))
	switch string(m.Data) {
	case "panic":
		panic("boom")
	case "close":
		c.Close(4000, "as asked")
	default:
		c.Send(m.Type, m.Data)
	}
}

func (r *recorder) OnClose(c *Conn, err error) {
	r.add(fmt.Sprintf("close %d", CloseStatus(err)))
	r.closed <- err
}

func TestHandleCallbacks(t *testing.T) {
	tests := []struct {
		name     string
		last     string // the last message the client sends
		wantCode CloseCode
		events   []string
	}{
		{"client closes", "", CloseNormal, []string{"open OPEN", "message text hi", "close 1000"}},
		{"handler closes", "close", 4000, []string{"open OPEN", "message text hi", "message text close", "close 4000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{closed: make(chan error, 1)}
			opts := testOpts(nil)
			srv := start(t, Handle(rec, opts))
			ws, _ := dial(t, srv, "/")
			ctx := context.Background()
			if _, p, err := ws.ReadMessage(ctx, nil); err != nil || string(p) != "welcome" {
				t.Fatalf("first message %q %v", p, err)
			}
			ws.WriteMessage(ctx, conn.Text, []byte("hi"))
			if _, p, err := ws.ReadMessage(ctx, nil); err != nil || string(p) != "hi" {
				t.Fatalf("echo %q %v", p, err)
			}
			if tc.last == "" {
				ws.Close(CloseNormal, "")
			} else {
				ws.WriteMessage(ctx, conn.Text, []byte(tc.last))
				_, _, err := ws.ReadMessage(ctx, nil)
				if CloseStatus(err) != tc.wantCode {
					t.Fatalf("client saw %v, want %d", err, tc.wantCode)
				}
			}
			err := within(t, rec.closed, 5*time.Second, "OnClose")
			if CloseStatus(err) != tc.wantCode {
				t.Fatalf("OnClose(%v), want code %d", err, tc.wantCode)
			}
			rec.mu.Lock()
			got := strings.Join(rec.events, "; ")
			rec.mu.Unlock()
			if want := strings.Join(tc.events, "; "); got != want {
				t.Fatalf("callbacks:\n got %s\nwant %s", got, want)
			}
			if n := opts.Registry.Len(); n != 0 {
				t.Fatalf("registry still holds %d connections", n)
			}
		})
	}
}

func TestHandlePanicClosesWith1011(t *testing.T) {
	rec := &recorder{closed: make(chan error, 1)}
	var logs syncBuffer
	opts := testOpts(&logs)
	srv := start(t, Handle(rec, opts))
	ws, _ := dial(t, srv, "/")
	ctx := context.Background()
	ws.ReadMessage(ctx, nil) // welcome
	ws.WriteMessage(ctx, conn.Text, []byte("panic"))
	_, _, err := ws.ReadMessage(ctx, nil)
	if CloseStatus(err) != CloseInternalError {
		t.Fatalf("client saw %v, want 1011", err)
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Fatalf("panic not logged: %q", logs.String())
	}
	select {
	case err := <-rec.closed:
		t.Fatalf("OnClose called after a panic: %v", err)
	default:
	}
}

func TestHandleWaitIsDispatched(t *testing.T) {
	got := make(chan error, 1)
	opts := testOpts(nil)
	srv := start(t, Handle(openFunc(func(c *Conn) {
		_, err := c.Wait()
		got <- err
		c.Close(CloseNormal, "")
	}), opts))
	ws, _ := dial(t, srv, "/")
	if err := within(t, got, 5*time.Second, "Wait"); err != ErrDispatched {
		t.Fatalf("Wait under Handle = %v", err)
	}
	_, _, err := ws.ReadMessage(context.Background(), nil)
	if CloseStatus(err) != CloseNormal {
		t.Fatalf("client saw %v", err)
	}
}

type openFunc func(c *Conn)

func (f openFunc) Open(c *Conn)                 { f(c) }
func (f openFunc) OnMessage(c *Conn, m Message) {}
func (f openFunc) OnClose(c *Conn, err error)   {}

var _ http.Handler = Handle(echoHandler{}, nil)

func TestKeepBuffer(t *testing.T) {
	tests := []struct {
		name      string
		len, cap_ int
		kept      bool
	}{
		{"small", 10, 4096, true},
		{"64 KiB in use", 60 << 10, 64 << 10, true},
		{"over the bound", 100 << 10, 128 << 10, false},
		{"big buffer, small message", 100, 32 << 10, false},
		{"16 KiB buffer, small message", 100, 16 << 10, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := keepBuffer(make([]byte, tc.len, tc.cap_)) != nil
			if got != tc.kept {
				t.Fatalf("kept = %v, want %v", got, tc.kept)
			}
		})
	}
}
