package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/duplexws/duplex/client"
	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
)

// benchConfig is what duplex bench measures.
type benchConfig struct {
	URL      string
	Conns    int
	Size     int
	Window   int
	Duration time.Duration
	Text     bool
	Compress bool
	Every    time.Duration // progress interval
}

// benchResult is the outcome of a run.
type benchResult struct {
	Messages int64         // echoes received within Duration
	Bytes    int64         // their payload bytes
	Elapsed  time.Duration // measured time
	Errors   []error
}

func (r benchResult) rate() (msgs, mb float64) {
	s := r.Elapsed.Seconds()
	if s <= 0 {
		return 0, 0
	}
	return float64(r.Messages) / s, float64(r.Bytes) / s / 1e6
}

// runBench is duplex bench: an echo throughput benchmark on loopback, by default against
// this binary's own /echo route served in-process.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", "bench [flags] [ws://host:port/echo]", stderr)
	cfg := benchConfig{Every: time.Second}
	fs.IntVar(&cfg.Conns, "conns", 4, "client connections, each pipelining messages")
	fs.IntVar(&cfg.Size, "size", 1024, "message payload size in bytes (at most 16 MiB)")
	fs.IntVar(&cfg.Window, "window", 32, "messages in flight per connection")
	fs.DurationVar(&cfg.Duration, "duration", 3*time.Second, "how long to measure (at most 1m)")
	fs.BoolVar(&cfg.Text, "text", false, "send text messages (validated as UTF-8 on both sides) instead of binary")
	fs.BoolVar(&cfg.Compress, "compress", false, "offer permessage-deflate")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	bad := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "duplex bench: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case fs.NArg() > 1:
		return bad("one URL at most, got %q", fs.Args())
	case cfg.Conns < 1 || cfg.Conns > 1000:
		return bad("-conns must be 1 to 1000")
	case cfg.Size < 0 || cfg.Size > 16<<20:
		return bad("-size must be 0 to 16 MiB")
	case cfg.Window < 1:
		return bad("-window must be at least 1")
	case cfg.Duration <= 0 || cfg.Duration > time.Minute:
		return bad("-duration must be positive and at most 1m")
	}
	cfg.URL = fs.Arg(0)
	if cfg.URL == "" {
		d := newDemo(demoConfig{Compress: true, Logger: slog.New(slog.DiscardHandler)})
		url, stop, err := serveDemo(d)
		if err != nil {
			fmt.Fprintf(stderr, "duplex bench: %v\n", err)
			return exitConnect
		}
		defer stop()
		cfg.URL = url + "/echo"
		fmt.Fprintf(stdout, "server: duplex's own /echo (in-process) at %s\n", cfg.URL)
	}
	kind := "binary"
	if cfg.Text {
		kind = "text"
	}
	fmt.Fprintf(stdout, "%d connections, %d-byte %s messages, window %d, %v\n",
		cfg.Conns, cfg.Size, kind, cfg.Window, cfg.Duration)

	res, err := bench(ctx, cfg, func(elapsed time.Duration, msgs, bytes int64) {
		s := cfg.Every.Seconds()
		fmt.Fprintf(stdout, "  %5.1fs  %10.0f msg/s  %8.1f MB/s\n", elapsed.Seconds(), float64(msgs)/s, float64(bytes)/s/1e6)
	})
	if err != nil {
		fmt.Fprintf(stderr, "duplex bench: %v\n", err)
		if ctx.Err() != nil {
			return exitInterrupt
		}
		return exitConnect
	}
	msgs, mb := res.rate()
	fmt.Fprintf(stdout, "echoed %d messages (%.1f MB) in %v: %.0f msg/s, %.1f MB/s each way\n",
		res.Messages, float64(res.Bytes)/1e6, res.Elapsed.Round(time.Millisecond), msgs, mb)
	if len(res.Errors) > 0 {
		for _, e := range res.Errors {
			fmt.Fprintf(stderr, "duplex bench: %v\n", e)
		}
		return exitAbnormal
	}
	return exitOK
}

// bench connects cfg.Conns clients to cfg.URL; each keeps up to the window of messages in
// flight, counts the echoes and checks their type and length. It measures for
// cfg.Duration, calling tick every cfg.Every with the messages and bytes of that
// interval, then drains and closes every connection. The returned error is a failure to
// connect; failures during the run are in the result.
func bench(ctx context.Context, cfg benchConfig, tick func(elapsed time.Duration, msgs, bytes int64)) (benchResult, error) {
	opts := &client.Options{Conn: &conn.Options{ReadLimit: int64(cfg.Size) + 1}}
	if cfg.Compress {
		opts.Compression = &deflate.Options{}
	}
	conns := make([]*conn.Conn, 0, cfg.Conns)
	closeAll := func() {
		for _, c := range conns {
			c.CloseNow()
		}
	}
	for range cfg.Conns {
		c, _, err := client.Dial(ctx, cfg.URL, opts)
		if err != nil {
			closeAll()
			return benchResult{}, err
		}
		conns = append(conns, c)
	}

	payload := make([]byte, cfg.Size)
	for i := range payload {
		payload[i] = 'a' + byte(i%26) // ASCII: valid as text, compressible as text is
	}
	typ := conn.Binary
	if cfg.Text {
		typ = conn.Text
	}
	window := cfg.Window

	// Every echo is checked to be cfg.Size bytes, so bytes are msgs × size: one counter
	// keeps each progress tick's two numbers consistent with each other.
	var msgs atomic.Int64
	size := int64(cfg.Size)
	var measuring atomic.Bool
	measuring.Store(true)
	runCtx, stopSending := context.WithCancel(ctx)
	defer stopSending()
	var errMu sync.Mutex
	var errs []error
	fail := func(err error) {
		errMu.Lock()
		errs = append(errs, err)
		errMu.Unlock()
	}

	// Deadlines bound every read and write of the run without a context per message.
	limit := time.Now().Add(cfg.Duration + 10*time.Second)
	var stopping atomic.Bool
	var writers, readers sync.WaitGroup
	tokens := make([]chan struct{}, len(conns))     // one per message in flight
	drain := make([]context.CancelFunc, len(conns)) // ends a reader with nothing in flight
	for i, c := range conns {
		_ = c.SetReadDeadline(limit)
		_ = c.SetWriteDeadline(limit)
		inflight := make(chan struct{}, window)
		tokens[i] = inflight
		rctx, cancel := context.WithCancel(context.Background())
		drain[i] = cancel
		defer cancel()
		writers.Go(func() {
			for {
				select {
				case inflight <- struct{}{}:
				case <-runCtx.Done():
					return
				}
				if err := c.WriteMessage(context.Background(), typ, payload); err != nil {
					if !stopping.Load() {
						fail(fmt.Errorf("connection %d: write: %w", i, err))
					}
					return
				}
			}
		})
		readers.Go(func() {
			var buf []byte
			for n := 1; ; n++ {
				if stopping.Load() && len(inflight) == 0 {
					return // every echo is in
				}
				t, p, err := c.ReadMessage(rctx, buf)
				if err != nil {
					if !(stopping.Load() && len(inflight) == 0 && rctx.Err() != nil) {
						fail(fmt.Errorf("connection %d: read after %d echoes: %w", i, n-1, err))
					}
					return
				}
				buf = p[:0]
				if t != typ || len(p) != cfg.Size {
					fail(fmt.Errorf("connection %d: echo %d is %v of %d bytes, want %v of %d", i, n, t, len(p), typ, cfg.Size))
					c.CloseNow()
					return
				}
				if measuring.Load() {
					msgs.Add(1)
				}
				<-inflight
			}
		})
	}

	start := time.Now()
	deadline := time.NewTimer(cfg.Duration)
	ticker := time.NewTicker(cfg.Every)
	var lastMsgs, lastBytes int64
	interrupted := false
loop:
	for {
		select {
		case <-ticker.C:
			m := msgs.Load()
			b := m * size
			if tick != nil {
				tick(time.Since(start), m-lastMsgs, b-lastBytes)
			}
			lastMsgs, lastBytes = m, b
		case <-deadline.C:
			break loop
		case <-ctx.Done():
			interrupted = true
			break loop
		}
	}
	ticker.Stop()
	deadline.Stop()
	measuring.Store(false)
	m := msgs.Load()
	res := benchResult{Messages: m, Bytes: m * size, Elapsed: time.Since(start)}
	stopSending()
	writers.Wait()
	// Drain: each reader takes the echoes still in flight (not counted) and ends; one with
	// nothing in flight is waiting for no message, so its read is cancelled, which leaves
	// the connection usable (no message has started). Then each connection is closed with
	// no reader running, so Close itself reads until the server's close frame.
	stopping.Store(true)
	for i := range conns {
		if len(tokens[i]) == 0 {
			drain[i]()
		}
	}
	readers.Wait()
	var closers sync.WaitGroup
	for i, c := range conns {
		closers.Go(func() {
			if err := c.Close(frame.CloseNormal, "bench done"); err != nil && !errors.Is(err, conn.ErrClosed) {
				fail(fmt.Errorf("connection %d: close: %w", i, err))
			}
		})
	}
	closers.Wait()
	errMu.Lock()
	defer errMu.Unlock()
	res.Errors = errs
	if interrupted {
		return res, ctx.Err()
	}
	return res, nil
}
