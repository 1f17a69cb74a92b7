package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/duplexws/duplex/internal/leak"
	"github.com/duplexws/duplex/server"
)

// runClientCmd runs duplex client with args and stdin, bounded, and returns the exit
// code, stdout and stderr.
func runClientCmd(t *testing.T, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, append([]string{"client"}, args...), stdin, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// wsServer serves h (a server.Require handler body) and returns its ws:// URL.
func wsServer(t *testing.T, h func(c *server.Conn, r *http.Request)) string {
	t.Helper()
	reg := &server.Registry{}
	srv := httptest.NewServer(server.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h(server.FromRequest(r), r)
	}), &server.Options{Registry: reg}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		_ = reg.Shutdown(ctx)
		srv.Close()
	})
	return wsURL(srv.URL)
}

func TestClientOneShot(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{PushInterval: 1, Compress: true})
	tests := []struct {
		name   string
		args   []string
		stdout string
		stderr string
	}{
		{"text", []string{"-m", "hello", base + "/echo"}, "hello\n", `connected to ` + base + "/echo"},
		{"subprotocol", []string{"-p", "nope", "-p", "echo.v2", "-m", "x", base + "/echo"}, "x\n", `subprotocol "echo.v2"`},
		{"binary hex", []string{"-binary", "-m", "68 65 6c 6c 6f", base + "/echo"}, "68656c6c6f\n", ""},
		{"binary base64", []string{"-binary", "-format", "base64", "-m", "aGVsbG8=", base + "/echo"}, "aGVsbG8=\n", ""},
		{"binary raw", []string{"-binary", "-format", "raw", "-m", "hello", base + "/echo"}, "hello\n", ""},
		{"Accept route", []string{"-m", "hi", base + "/hello"}, "you said \"hi\" over WebSocket\n", ""},
		{"push: the first message", []string{"-m", "go", base + "/push"}, "push 1 of 10\n", ""},
		{"quiet", []string{"-q", "-m", "shh", base + "/echo"}, "shh\n", ""},
		{"compress", []string{"-compress", "-m", strings.Repeat("z", 1000), base + "/echo"}, strings.Repeat("z", 1000) + "\n", `extensions "permessage-deflate`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runClientCmd(t, nil, tt.args...)
			if code != exitOK || stdout != tt.stdout || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 0, %q, %q", code, stdout, stderr, tt.stdout, tt.stderr)
			}
			if tt.name == "quiet" && stderr != "" {
				t.Errorf("-q printed %q", stderr)
			}
		})
	}
}

func TestClientHeaders(t *testing.T) {
	leak.Check(t)
	url := wsServer(t, func(c *server.Conn, r *http.Request) {
		c.SendText(r.Header.Get("X-Demo") + "|" + r.Header.Get("Origin") + "|" + strings.Join(r.Header.Values("X-Multi"), ","))
		c.Wait()
	})
	code, stdout, stderr := runClientCmd(t, nil, "-H", "X-Demo: yes, indeed", "-H", "X-Multi:a", "-H", "X-Multi: b",
		"-origin", "http://"+strings.TrimPrefix(url, "ws://"), "-m", "x", url)
	if want := "yes, indeed|" + "http://" + strings.TrimPrefix(url, "ws://") + "|a,b\n"; code != exitOK || stdout != want {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %q", code, stdout, stderr, want)
	}
}

func TestClientExitCodes(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "ws://" + closed.Addr().String() + "/"
	closed.Close()
	drop := wsServer(t, func(c *server.Conn, r *http.Request) { c.CloseNow() })
	internal := wsServer(t, func(c *server.Conn, r *http.Request) { c.Close(server.CloseInternalError, "boom") })
	silent := wsServer(t, func(c *server.Conn, r *http.Request) { <-c.Done() })
	plain := "ws" + strings.TrimPrefix(strings.TrimSuffix(base, "/"), "ws") + "/static/app.js"

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no URL", []string{"-m", "x"}, exitUsage, "exactly one URL"},
		{"two URLs", []string{base, base}, exitUsage, "exactly one URL"},
		{"http URL", []string{"http://127.0.0.1/"}, exitUsage, "ws:// or wss://"},
		{"bad header", []string{"-H", "NoColon", base}, exitUsage, `"Name: value"`},
		{"bad format", []string{"-format", "octal", base}, exitUsage, "hex, base64 or raw"},
		{"bad close code", []string{"-close-code", "1006", base}, exitUsage, "may not be sent"},
		{"long close reason", []string{"-close-reason", strings.Repeat("x", 124), base}, exitUsage, "longer than 123"},
		{"bad hex", []string{"-binary", "-m", "zz", base}, exitUsage, "not hex"},
		{"unknown flag", []string{"-nope", base}, exitUsage, "not defined"},
		{"negative wait", []string{"-wait", "-1s", base}, exitUsage, "must not be negative"},
		{"connection refused", []string{"-m", "x", refused}, exitConnect, "refused"},
		{"not a WebSocket route", []string{"-m", "x", plain}, exitConnect, ""},
		{"foreign origin", []string{"-origin", "http://evil.example", "-m", "x", base + "/echo"}, exitConnect, "403"},
		{"dropped without close", []string{"-m", "x", drop}, exitAbnormal, "abnormal"},
		{"closed with 1011", []string{"-m", "x", internal}, exitAbnormal, "1011"},
		{"no reply", []string{"-timeout", "50ms", "-m", "x", silent}, exitTimeout, "no reply within 50ms"},
		{"help", []string{"-h"}, exitOK, "-close-code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runClientCmd(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d, stderr %q; want %d and %q (stdout %q)", code, stderr, tt.code, tt.stderr, stdout)
			}
		})
	}
}

func TestClientInteractive(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{})
	stdinR, stdinW := io.Pipe()
	stdout, stderr := newLineWriter(), newLineWriter()
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"client", "-close-code", "4000", "-close-reason", "done", base + "/echo"}, stdinR, stdout, stderr)
	}()
	stderr.waitLine(t, "connected to")
	for _, line := range []string{"first line", "second", "grüße"} {
		if _, err := io.WriteString(stdinW, line+"\n"); err != nil {
			t.Fatal(err)
		}
		stdout.waitLine(t, line)
	}
	stdinW.Close() // EOF: close with -close-code
	if code := <-done; code != exitAbnormal {
		// 4000 is an application code, not a normal closure: exit 3 says so.
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitAbnormal, stderr)
	}
	if got, want := stdout.String(), "first line\nsecond\ngrüße\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	stderr.waitLine(t, `closed by the client: close code 4000 "done"`)
}

func TestClientInteractiveServerCloses(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{PushInterval: 1})
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close() // the user never types: the server ends the session
	stdout, stderr := newLineWriter(), newLineWriter()
	code := run(context.Background(), []string{"client", base + "/push"}, stdinR, stdout, stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	if got := stdout.String(); !strings.HasPrefix(got, "push 1 of 10\n") || !strings.HasSuffix(got, "push 10 of 10\n") || strings.Count(got, "\n") != 10 {
		t.Errorf("stdout %q", got)
	}
	stderr.waitLine(t, `closed by the server: normal closure (1000) "push complete"`)
}

func TestClientPing(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{})
	stdinR, stdinW := io.Pipe()
	stdout, stderr := newLineWriter(), newLineWriter()
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), []string{"client", "-ping", "5ms", base + "/echo"}, stdinR, stdout, stderr)
	}()
	stderr.waitLine(t, `pong "1"`)
	stderr.waitLine(t, `pong "2"`)
	stdinW.Close()
	if code := <-done; code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
}

func TestClientInterrupt(t *testing.T) {
	leak.Check(t)
	base, _ := startDemo(t, demoConfig{})
	stdinR, stdinW := io.Pipe()
	defer stdinW.Close()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newLineWriter(), newLineWriter()
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"client", base + "/echo"}, stdinR, stdout, stderr) }()
	stderr.waitLine(t, "connected to")
	cancel() // SIGINT
	if code := <-done; code != exitInterrupt {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitInterrupt, stderr)
	}
}

func TestEncode(t *testing.T) {
	tests := []struct {
		name    string
		cf      clientFlags
		in      string
		want    []byte
		binary  bool
		wantErr bool
	}{
		{"text", clientFlags{}, "héllo", []byte("héllo"), false, false},
		{"hex with spaces", clientFlags{binary: true, format: "hex"}, " 00 ff\t10 ", []byte{0, 0xff, 0x10}, true, false},
		{"bad hex", clientFlags{binary: true, format: "hex"}, "0g", nil, true, true},
		{"odd hex", clientFlags{binary: true, format: "hex"}, "abc", nil, true, true},
		{"base64", clientFlags{binary: true, format: "base64"}, "AAH/", []byte{0, 1, 0xff}, true, false},
		{"bad base64", clientFlags{binary: true, format: "base64"}, "***", nil, true, true},
		{"raw", clientFlags{binary: true, format: "raw"}, "a b", []byte("a b"), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := tt.cf.encode(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if !bytes.Equal(m.p, tt.want) || (m.t == 2) != tt.binary {
				t.Errorf("encode(%q) = %v %v, want %v binary=%v", tt.in, m.t, m.p, tt.want, tt.binary)
			}
		})
	}
}

func TestClientWait(t *testing.T) {
	leak.Check(t)
	// Echoes two messages, then closes: -wait lets the client print both replies after
	// its stdin has ended, and ends as soon as the server closes.
	url := wsServer(t, func(c *server.Conn, r *http.Request) {
		for range 2 {
			m, err := c.Wait()
			if err != nil {
				return
			}
			c.Send(m.Type, m.Data)
		}
		c.Close(server.CloseNormal, "enough")
	})
	code, stdout, stderr := runClientCmd(t, strings.NewReader("a\nb\n"), "-wait", "1m", url)
	if code != exitOK || stdout != "a\nb\n" || !strings.Contains(stderr, `closed by the server: normal closure (1000) "enough"`) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
