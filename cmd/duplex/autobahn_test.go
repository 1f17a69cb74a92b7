package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// A small subset of the suite: framing, pings, fragmentation, UTF-8, close handling.
const autobahnSubset = "1.1.1,1.2.8,2.3,3.1,4.1.1,5.6,6.2.1,6.3.1,7.1.1"

func TestAutobahnOwnServer(t *testing.T) {
	leak.Check(t)
	outdir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"autobahn", "-cases", autobahnSubset, "-outdir", outdir}, nil, &stdout, &stderr)
	out := stdout.String()
	if code != exitOK {
		logFailedCases(t, outdir)
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr.String())
	}
	for _, want := range []string{"in-process", "9 cases", "[   2/9]  1 Framing", "PASS: no case failed", "index.html"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(outdir, "servers", "index.json")); err != nil {
		t.Errorf("report: %v", err)
	}
}

func TestAutobahnFailingServer(t *testing.T) {
	leak.Check(t)
	// A server that never echoes: case 1.1.1 expects its message back.
	reg := &server.Registry{}
	srv := httptest.NewServer(server.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := server.FromRequest(r)
		for range c.Messages() {
		}
	}), &server.Options{Registry: reg}))
	defer func() {
		_ = reg.Shutdown(context.Background())
		srv.Close()
	}()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"autobahn", "-v", "-timeout", "50ms", "-cases", "1.1.1", wsURL(srv.URL)}, nil, &stdout, &stderr)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFailed, stdout.String(), stderr.String())
	}
	if out := stdout.String(); !strings.Contains(out, "1.1.1") || !strings.Contains(out, "<- FAILED") || !strings.Contains(out, "FAILED: 1 cases") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestAutobahnUsage(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "ws://" + closed.Addr().String() + "/"
	closed.Close()
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no case matches", []string{"-cases", "99.*"}, exitUsage, "no case matches"},
		{"two URLs", []string{"ws://a/", "ws://b/"}, exitUsage, "one URL at most"},
		{"bad shrink", []string{"-shrink", "0"}, exitUsage, "-shrink"},
		{"wss", []string{"wss://127.0.0.1/"}, exitConnect, "ws:// only"},
		{"unreachable", []string{refused}, exitConnect, "cannot reach"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"autobahn"}, tt.args...), nil, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tt.code, tt.stderr)
			}
		})
	}
}

// logFailedCases logs the report of every failed case under outdir (events and wire log).
func logFailedCases(t *testing.T, outdir string) {
	files, _ := filepath.Glob(filepath.Join(outdir, "servers", "*_case_*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err == nil && bytes.Contains(b, []byte(`"behavior": "FAILED"`)) {
			t.Logf("%s:\n%.6000s", filepath.Base(f), b)
		}
	}
}
