package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexws/duplex/client"
	"github.com/duplexws/duplex/conn"
)

// waitFor bounds every wait in these tests.
const waitFor = 10 * time.Second

// startDemo serves newDemo(cfg) with httptest and returns the server's ws:// base URL and
// the demo. Everything is stopped when the test ends.
func startDemo(t *testing.T, cfg demoConfig) (string, *demo) {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := newDemo(cfg)
	srv := httptest.NewServer(d)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		if err := d.reg.Shutdown(ctx); err != nil {
			t.Errorf("registry shutdown: %v", err)
		}
		srv.Close()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http"), d
}

// wsURL turns an httptest URL into a ws:// one.
func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }

// dial connects to url and closes the connection when the test ends.
func dial(t *testing.T, url string, opts *client.Options) *conn.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	c, _, err := client.Dial(ctx, url, opts)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// read reads one message, bounded.
func read(t *testing.T, c *conn.Conn) (conn.MessageType, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	typ, p, err := c.ReadMessage(ctx, nil)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return typ, p
}

// readErr reads until the connection reports an error, bounded, and returns it.
func readErr(t *testing.T, c *conn.Conn) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		_, _, err := c.ReadMessage(ctx, nil)
		if err != nil {
			return err
		}
	}
}

func write(t *testing.T, c *conn.Conn, typ conn.MessageType, p []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := c.WriteMessage(ctx, typ, p); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// lineWriter is an io.Writer safe for concurrent use that lets a test wait for a line.
type lineWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	notify chan struct{} // signalled (non-blocking) after each write
}

func newLineWriter() *lineWriter { return &lineWriter{notify: make(chan struct{}, 1)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	n, err := w.buf.Write(p)
	w.mu.Unlock()
	select {
	case w.notify <- struct{}{}:
	default:
	}
	return n, err
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// waitLine waits, bounded, until a complete line contains want, and returns that line.
func (w *lineWriter) waitLine(t *testing.T, want string) string {
	t.Helper()
	deadline := time.NewTimer(waitFor)
	defer deadline.Stop()
	for {
		s := w.String()
		lines := strings.SplitAfter(s, "\n")
		for _, l := range lines {
			if strings.HasSuffix(l, "\n") && strings.Contains(l, want) {
				return strings.TrimSuffix(l, "\n")
			}
		}
		select {
		case <-w.notify:
		case <-deadline.C:
			t.Fatalf("no line containing %q within %v; have:\n%s", want, waitFor, s)
		}
	}
}

// httpGet fetches url without keeping the connection alive (no goroutine stays behind).
func httpGet(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	return httpDo(t, http.MethodGet, url)
}

func httpDo(t *testing.T, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: waitFor}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		t.Fatalf("%s %s: body: %v", method, url, err)
	}
	return resp, b.String()
}
