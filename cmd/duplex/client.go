package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/duplexws/duplex/client"
	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
)

// maxLine is the longest stdin line the client sends as one message.
const maxLine = 16 << 20

// clientFlags are the options of duplex client.
type clientFlags struct {
	url          string
	subprotocols listFlag
	headers      http.Header
	compress     bool
	binary       bool
	format       string // hex, base64 or raw
	message      string
	oneShot      bool
	ping         time.Duration
	wait         time.Duration
	closeCode    int
	closeReason  string
	timeout      time.Duration
	insecure     bool
	quiet        bool
}

// runClient is duplex client: a wscat/websocat-like client. Each stdin line is sent as a
// message; each message received is printed on stdout, one per line; status goes to
// stderr. With -m it sends one message, prints the first reply and exits.
func runClient(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cf, code, done := parseClientFlags(args, stderr)
	if done {
		return code
	}
	// Messages (reader goroutine), pongs and status lines are written from several
	// goroutines.
	rawStdout := stdout
	stdout, stderr = &lockedWriter{w: stdout}, &lockedWriter{w: stderr}
	status := func(format string, a ...any) {
		if !cf.quiet {
			fmt.Fprintf(stderr, "* "+format+"\n", a...)
		}
	}

	copts := &conn.Options{}
	if cf.ping > 0 {
		copts.OnPong = func(p []byte) { status("pong %q", p) }
	}
	opts := &client.Options{
		Conn:             copts,
		Header:           cf.headers,
		Subprotocols:     cf.subprotocols,
		HandshakeTimeout: cf.timeout,
	}
	if cf.compress {
		opts.Compression = &deflate.Options{}
	}
	if cf.insecure {
		opts.TLSConfig = &tls.Config{InsecureSkipVerify: true}
	}
	c, resp, err := client.Dial(ctx, cf.url, opts)
	if err != nil {
		fmt.Fprintf(stderr, "duplex client: %v\n", err)
		if resp != nil {
			fmt.Fprintf(stderr, "duplex client: the server answered %s\n", resp.Status)
		}
		return exitConnect
	}
	status("connected to %s (subprotocol %q, extensions %q)", cf.url,
		resp.Header.Get("Sec-WebSocket-Protocol"), resp.Header.Get("Sec-WebSocket-Extensions"))

	cl := &session{cf: cf, c: c, stdout: stdout, status: status}
	if isTerminal(rawStdout) {
		cl.prefix = "< " // tell replies from the lines being typed; pipes get bare messages
	}
	if cf.oneShot {
		return cl.oneShot(ctx)
	}
	return cl.interactive(ctx, stdin)
}

func parseClientFlags(args []string, stderr io.Writer) (cf *clientFlags, code int, done bool) {
	cf = &clientFlags{headers: http.Header{}}
	fs := newFlagSet("client", "client [flags] ws://host:port/path", stderr)
	fs.Var(&cf.subprotocols, "p", "offer this subprotocol (repeat for more, in order of preference)")
	var headers listFlag
	fs.Var(&headers, "H", `extra request header "Name: value" (repeatable)`)
	origin := fs.String("origin", "", "Origin header to send (browsers always send one)")
	fs.BoolVar(&cf.compress, "compress", false, "offer permessage-deflate")
	fs.BoolVar(&cf.binary, "binary", false, "send messages as binary, decoding each line with -format")
	fs.StringVar(&cf.format, "format", "hex", "how binary data is read (with -binary) and printed: hex, base64 or raw")
	fs.StringVar(&cf.message, "m", "", "one-shot: send this message, print the first reply, close and exit")
	fs.DurationVar(&cf.wait, "wait", 0, "at the end of stdin, keep printing messages this long (or until the server closes) before closing")
	fs.DurationVar(&cf.ping, "ping", 0, "send a ping at this interval and report pongs on stderr (0: never)")
	fs.IntVar(&cf.closeCode, "close-code", int(frame.CloseNormal), "close code sent at the end of stdin, after -m, or on Ctrl-C")
	fs.StringVar(&cf.closeReason, "close-reason", "", "close reason sent with -close-code")
	fs.DurationVar(&cf.timeout, "timeout", 10*time.Second, "bound on the opening handshake and on the -m reply")
	fs.BoolVar(&cf.insecure, "insecure", false, "wss://: do not verify the server's certificate")
	fs.BoolVar(&cf.quiet, "q", false, "no status lines on stderr")
	if code, done := parseFlags(fs, args); done {
		return nil, code, true
	}
	cf.oneShot = flagSet(fs, "m")
	bad := func(format string, a ...any) (*clientFlags, int, bool) {
		fmt.Fprintf(stderr, "duplex client: "+format+"\n", a...)
		return nil, exitUsage, true
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return bad("want exactly one URL, got %d arguments", fs.NArg())
	}
	cf.url = fs.Arg(0)
	if !strings.HasPrefix(cf.url, "ws://") && !strings.HasPrefix(cf.url, "wss://") {
		return bad("URL must start with ws:// or wss://, got %q", cf.url)
	}
	for _, h := range headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
			return bad(`-H wants "Name: value", got %q`, h)
		}
		cf.headers.Add(name, strings.TrimSpace(value))
	}
	if *origin != "" {
		cf.headers.Set("Origin", *origin)
	}
	switch cf.format {
	case "hex", "base64", "raw":
	default:
		return bad("-format must be hex, base64 or raw, not %q", cf.format)
	}
	if !frame.CloseCode(cf.closeCode).ValidOnWire() || cf.closeCode > 0xffff {
		return bad("-close-code %d may not be sent (RFC 6455 §7.4: 1000-1003, 1007-1014, 3000-4999)", cf.closeCode)
	}
	if len(cf.closeReason) > frame.MaxCloseReason {
		return bad("-close-reason is longer than %d bytes", frame.MaxCloseReason)
	}
	if cf.timeout <= 0 {
		return bad("-timeout must be positive")
	}
	if cf.ping < 0 || cf.wait < 0 {
		return bad("-ping and -wait must not be negative")
	}
	if cf.oneShot {
		if _, err := cf.encode(cf.message); err != nil {
			return bad("-m: %v", err)
		}
	}
	return cf, 0, false
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			found = true
		}
	})
	return found
}

// encode turns an input line into a message payload and its type.
func (cf *clientFlags) encode(line string) (msg outMessage, err error) {
	if !cf.binary {
		return outMessage{conn.Text, []byte(line)}, nil
	}
	var p []byte
	switch cf.format {
	case "hex":
		p, err = hex.DecodeString(strings.Join(strings.Fields(line), ""))
	case "base64":
		p, err = base64.StdEncoding.DecodeString(strings.TrimSpace(line))
	default:
		p = []byte(line)
	}
	if err != nil {
		return outMessage{}, fmt.Errorf("not %s: %v", cf.format, err)
	}
	return outMessage{conn.Binary, p}, nil
}

type outMessage struct {
	t conn.MessageType
	p []byte
}

// session is one connected client.
type session struct {
	cf     *clientFlags
	c      *conn.Conn
	stdout io.Writer
	status func(string, ...any)
	prefix string // before each printed message
	buf    []byte
}

// print writes a received message on stdout: text as it is, binary in -format.
func (s *session) print(t conn.MessageType, p []byte) {
	out := append(s.buf[:0], s.prefix...)
	switch {
	case t == conn.Text || s.cf.format == "raw":
		out = append(out, p...)
	case s.cf.format == "base64":
		out = base64.StdEncoding.AppendEncode(out, p)
	default:
		out = hex.AppendEncode(out, p)
	}
	out = append(out, '\n')
	_, _ = s.stdout.Write(out)
	s.buf = out[:0]
}

// send sends one input line.
func (s *session) send(ctx context.Context, line string) error {
	m, err := s.cf.encode(line)
	if err != nil {
		s.status("not sent: %v", err)
		return nil
	}
	return s.c.WriteMessage(ctx, m.t, m.p)
}

// pinger sends a ping every -ping until stop is closed.
func (s *session) pinger(ctx context.Context, stop <-chan struct{}) {
	if s.cf.ping <= 0 {
		return
	}
	t := time.NewTicker(s.cf.ping)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := s.c.Ping(ctx, []byte(strconv.Itoa(n))); err != nil {
				return
			}
		}
	}
}

// closeLocal closes with -close-code and reports how the close handshake ended.
func (s *session) closeLocal(code frame.CloseCode, reason string) {
	if err := s.c.Close(code, reason); err != nil && !errors.Is(err, conn.ErrClosed) {
		s.status("close: %v", err)
	}
}

// exitFor maps how a connection ended to the exit code, and reports it.
func (s *session) exitFor(err error) int {
	code := conn.CloseStatus(err)
	var ce *conn.CloseError
	if errors.As(err, &ce) {
		who := "the client"
		if ce.Remote {
			who = "the server"
		}
		s.status("closed by %s: %v %q", who, code, ce.Reason)
	} else {
		s.status("connection failed: %v", err)
	}
	switch code {
	case frame.CloseNormal, frame.CloseGoingAway, frame.CloseNoStatus:
		return exitOK
	}
	return exitAbnormal
}

// oneShot sends -m, prints the first data message that comes back, and closes.
func (s *session) oneShot(ctx context.Context) int {
	stop := make(chan struct{})
	defer close(stop)
	go s.pinger(ctx, stop)
	m, _ := s.cf.encode(s.cf.message) // validated when parsing flags
	if err := s.c.WriteMessage(ctx, m.t, m.p); err != nil {
		s.status("send: %v", err)
		s.c.CloseNow()
		return exitAbnormal
	}
	rctx, cancel := context.WithTimeout(ctx, s.cf.timeout)
	defer cancel()
	t, p, err := s.c.ReadMessage(rctx, nil)
	if err != nil {
		switch {
		case ctx.Err() != nil:
			s.closeLocal(frame.CloseGoingAway, "interrupted")
			return exitInterrupt
		case rctx.Err() != nil:
			s.status("no reply within %v", s.cf.timeout)
			s.closeLocal(frame.CloseCode(s.cf.closeCode), s.cf.closeReason)
			return exitTimeout
		}
		s.exitFor(err)
		return exitAbnormal // ended before the reply
	}
	s.print(t, p)
	s.closeLocal(frame.CloseCode(s.cf.closeCode), s.cf.closeReason)
	return exitOK
}

// interactive sends stdin lines until EOF (then closes with -close-code) and prints
// messages until the connection ends.
func (s *session) interactive(ctx context.Context, stdin io.Reader) int {
	readDone := make(chan error, 1)
	go func() {
		var buf []byte
		for {
			t, p, err := s.c.ReadMessage(context.Background(), buf)
			if err != nil {
				readDone <- err
				return
			}
			s.print(t, p)
			buf = p[:0]
		}
	}()
	lines := make(chan string)
	stdinDone := make(chan error, 1)
	stopInput := make(chan struct{})
	defer close(stopInput)
	go func() {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 0, 64<<10), maxLine)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-stopInput:
				return
			}
		}
		stdinDone <- sc.Err()
	}()
	stopPing := make(chan struct{})
	defer close(stopPing)
	go s.pinger(ctx, stopPing)

	for {
		select {
		case err := <-readDone:
			return s.exitFor(err)
		case line := <-lines:
			if err := s.send(ctx, line); err != nil {
				s.status("send: %v", err)
				s.c.CloseNow()
				return s.exitFor(<-readDone)
			}
		case err := <-stdinDone:
			if err != nil {
				s.status("stdin: %v", err)
			}
			// Closing drops messages still on their way (conn discards data once its close
			// frame is sent), so -wait gives the server time to answer first.
			if s.cf.wait > 0 {
				t := time.NewTimer(s.cf.wait)
				select {
				case err := <-readDone:
					t.Stop()
					return s.exitFor(err)
				case <-ctx.Done():
					t.Stop()
					s.closeLocal(frame.CloseGoingAway, "interrupted")
					<-readDone
					return exitInterrupt
				case <-t.C:
				}
			}
			s.closeLocal(frame.CloseCode(s.cf.closeCode), s.cf.closeReason)
			return s.exitFor(<-readDone)
		case <-ctx.Done():
			s.closeLocal(frame.CloseGoingAway, "interrupted")
			<-readDone
			return exitInterrupt
		}
	}
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// isTerminal reports whether w is a character device (an interactive terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
