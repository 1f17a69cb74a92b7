package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/duplexws/duplex/autobahn"
)

// runAutobahn is duplex autobahn: the conformance harness (package autobahn) in client
// mode against URL, by default against this binary's own /autobahn route served
// in-process on a loopback port.
func runAutobahn(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("autobahn", "autobahn [flags] [ws://host:port/path]", stderr)
	cases := fs.String("cases", "*", "comma-separated case patterns, suite syntax ('*', '1.*', '6.4.1')")
	exclude := fs.String("exclude", "", "comma-separated case patterns to leave out")
	agent := fs.String("agent", "", "name of the server tested, for the report (default duplex)")
	outdir := fs.String("outdir", "", "write the suite's JSON and HTML reports under this directory")
	shrink := fs.Int("shrink", 1, "divide section 9 sizes and counts by this (1 = the suite's sizes, up to 16 MiB)")
	pace := fs.Duration("pace", 0, "length of one suite second of deliberate delay (default 100ms)")
	timeout := fs.Duration("timeout", 0, "length of one suite second of waiting for the peer (default 1s)")
	verbose := fs.Bool("v", false, "print every case as it finishes (default: one line per section)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if fs.NArg() > 1 {
		fmt.Fprintf(stderr, "duplex autobahn: one URL at most, got %q\n", fs.Args())
		return exitUsage
	}
	if *shrink < 1 {
		fmt.Fprintln(stderr, "duplex autobahn: -shrink must be at least 1")
		return exitUsage
	}
	selected, err := autobahn.Select(autobahn.SplitPatterns(*cases), autobahn.SplitPatterns(*exclude))
	if err != nil {
		fmt.Fprintf(stderr, "duplex autobahn: %v\n", err)
		return exitUsage
	}
	if len(selected) == 0 {
		fmt.Fprintf(stderr, "duplex autobahn: no case matches -cases %q -exclude %q\n", *cases, *exclude)
		return exitUsage
	}

	target := fs.Arg(0)
	if target == "" {
		url, stop, err := startOwnServer()
		if err != nil {
			fmt.Fprintf(stderr, "duplex autobahn: %v\n", err)
			return exitConnect
		}
		defer stop()
		target = url
		fmt.Fprintf(stdout, "testing duplex's own echo server (in-process) at %s\n", target)
	} else {
		if err := reachable(ctx, target); err != nil {
			fmt.Fprintf(stderr, "duplex autobahn: %v\n", err)
			return exitConnect
		}
		fmt.Fprintf(stdout, "testing %s\n", target)
	}
	fmt.Fprintf(stdout, "%d cases\n", len(selected))

	p := &progress{w: stdout, total: len(selected), verbose: *verbose, printed: time.Now()}
	opts := &autobahn.Options{Agent: *agent, Pace: *pace, Timeout: *timeout, Shrink: *shrink, OnResult: p.add}
	start := time.Now()
	rep, runErr := autobahn.RunClient(ctx, target, selected, opts)
	p.flush()
	fmt.Fprintln(stdout)
	rep.Summary(stdout)
	fmt.Fprintf(stdout, "%d of %d cases run in %v\n", len(rep.Results), len(selected), time.Since(start).Round(time.Millisecond))
	if *outdir != "" {
		if err := rep.WriteFiles(*outdir); err != nil {
			fmt.Fprintf(stderr, "duplex autobahn: %v\n", err)
			return exitConnect
		}
		fmt.Fprintf(stdout, "report: %s/index.html\n", rep.Dir(*outdir))
	}
	switch {
	case runErr != nil && errors.Is(runErr, context.Canceled):
		fmt.Fprintln(stderr, "duplex autobahn: interrupted")
		return exitInterrupt
	case runErr != nil:
		fmt.Fprintf(stderr, "duplex autobahn: %v\n", runErr)
		return exitConnect
	case len(rep.Failed()) > 0:
		fmt.Fprintf(stdout, "FAILED: %d cases\n", len(rep.Failed()))
		return exitFailed
	}
	fmt.Fprintln(stdout, "PASS: no case failed")
	return exitOK
}

// progress prints the harness's progress: one line per section (or per case with
// verbose), with the running count.
type progress struct {
	w       io.Writer
	total   int
	verbose bool
	done    int
	section string
	// sectionDone is the running count at the section's last case.
	sectionDone int
	first       string
	last        string
	counts      map[autobahn.Verdict]int
	failed      int
	printed     time.Time // when a line was last printed
}

func (p *progress) add(r *autobahn.Result) {
	p.done++
	if p.verbose {
		mark := ""
		if r.Failed() {
			mark = "  <- FAILED"
		}
		fmt.Fprintf(p.w, "[%4d/%d] %-9s %-13s %-16s %5dms%s\n", p.done, p.total, r.ID, r.Behavior, r.BehaviorClose, r.Duration, mark)
		return
	}
	sec := r.ID
	for i := 0; i < len(sec); i++ {
		if sec[i] == '.' {
			sec = sec[:i]
			break
		}
	}
	if sec != p.section {
		p.flush()
		p.section, p.first, p.counts, p.failed = sec, r.ID, map[autobahn.Verdict]int{}, 0
	}
	p.last, p.sectionDone = r.ID, p.done
	p.counts[r.Behavior]++
	if r.Failed() {
		p.failed++
	}
	// A long section (9, 12, 13) gets a line every progressEvery, so a run never looks stuck.
	if now := time.Now(); now.Sub(p.printed) >= progressEvery {
		fmt.Fprintf(p.w, "[%4d/%d] %2s ... %s\n", p.done, p.total, p.section, r.ID)
		p.printed = now
	}
}

// progressEvery is how often a long section reports the case it has reached.
const progressEvery = 10 * time.Second

func (p *progress) flush() {
	if p.verbose || p.section == "" {
		return
	}
	fmt.Fprintf(p.w, "[%4d/%d] %2s %-26s %s..%s  ", p.sectionDone, p.total, p.section, autobahn.SectionNames[p.section], p.first, p.last)
	for _, v := range []autobahn.Verdict{autobahn.OK, autobahn.NonStrict, autobahn.Informational, autobahn.Unimplemented, autobahn.Failed} {
		if n := p.counts[v]; n > 0 {
			fmt.Fprintf(p.w, " %s %d", v, n)
		}
	}
	if p.failed > 0 {
		fmt.Fprintf(p.w, "  (%d failures)", p.failed)
	}
	fmt.Fprintln(p.w)
	p.section = ""
	p.printed = time.Now()
}

// startOwnServer serves the demo's routes on a free loopback port, logging nothing, and
// returns the URL of its /autobahn route and the function that stops it.
func startOwnServer() (string, func(), error) {
	url, stop, err := serveDemo(newDemo(demoConfig{Compress: true, Logger: slog.New(slog.DiscardHandler)}))
	return url + "/autobahn", stop, err
}

// serveDemo serves d on a free loopback port and returns its ws:// base URL and the
// function that shuts it down (WebSockets closed with 1001, bounded).
func serveDemo(d *demo) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: d, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = d.reg.Shutdown(ctx)
		<-done
	}
	return "ws://" + ln.Addr().String(), stop, nil
}

// reachable checks that the harness can run against rawURL at all: a ws:// URL whose host
// accepts TCP connections.
func reachable(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	if u.Scheme != "ws" {
		return fmt.Errorf("the harness speaks ws:// only, got %q", rawURL)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %w", host, err)
	}
	return nc.Close()
}
