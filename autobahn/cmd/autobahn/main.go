// Command autobahn runs the duplex conformance harness: the Autobahn testsuite's cases,
// natively in Go.
//
// Client mode tests a WebSocket server (the suite's fuzzingclient):
//
//	go run ./autobahn/cmd/autobahn -mode client -url ws://127.0.0.1:9001 -cases '*' -exclude '9.*'
//
// Server mode tests a WebSocket client (the suite's fuzzingserver): it listens on -addr
// and serves /getCaseCount, /runCase?case=N&agent=NAME, /updateReports?agent=NAME,
// /getCaseInfo?case=N and /getCaseStatus?case=N&agent=NAME.
//
//	go run ./autobahn/cmd/autobahn -mode server -addr 127.0.0.1:9001
//
// Echo mode serves the echo target built on this library (autobahn.Serve) on -addr, for
// the official suite's fuzzingclient; agent mode runs the client test agent
// (autobahn.RunAgent) against a fuzzing server at -url, for the official fuzzingserver:
//
//	go run ./autobahn/cmd/autobahn -mode echo -addr 127.0.0.1:9001
//	go run ./autobahn/cmd/autobahn -mode agent -url ws://127.0.0.1:9001 -agent duplex
//
// Reports go to -outdir (servers/ or clients/ below it). The exit status is 1 when any
// case FAILED, 2 on usage or run errors.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/duplexws/duplex/autobahn"
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		mode    = flag.String("mode", "client", "client: test the server at -url; server: test clients that connect to -addr; echo: serve the duplex echo target on -addr; agent: run the duplex client agent against the fuzzing server at -url")
		url     = flag.String("url", "ws://127.0.0.1:9001", "server to test (client mode)")
		addr    = flag.String("addr", "127.0.0.1:9001", "listen address (server mode)")
		cases   = flag.String("cases", "*", "comma-separated case patterns, suite syntax ('*', '1.*', '6.4.1')")
		exclude = flag.String("exclude", "", "comma-separated case patterns to leave out")
		agent   = flag.String("agent", "", "name of the implementation tested, for reports (client mode; default duplex)")
		outdir  = flag.String("outdir", "autobahn/report", "report root: servers/ (client mode) or clients/ (server mode) below it")
		pace    = flag.Duration("pace", 0, "length of one suite second of deliberate delay (default 100ms)")
		timeout = flag.Duration("timeout", 0, "length of one suite second of waiting for the peer (default 1s)")
		shrink  = flag.Int("shrink", 1, "divide section 9 sizes and counts and the 12/13 message counts by this (1 = suite sizes)")
		par     = flag.Int("parallel", 1, "cases run at once in client mode (1 = one at a time, as the suite)")
		verbose = flag.Bool("v", false, "print every case as it finishes")
	)
	flag.Parse()
	selected, err := autobahn.Select(autobahn.SplitPatterns(*cases), autobahn.SplitPatterns(*exclude))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	opts := &autobahn.Options{Agent: *agent, Pace: *pace, Timeout: *timeout, Shrink: *shrink, Parallel: *par}
	if *verbose {
		opts.OnResult = func(r *autobahn.Result) {
			fmt.Printf("%-8s %-13s %-16s %5dms\n", r.ID, r.Behavior, r.BehaviorClose, r.Duration)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	switch *mode {
	case "client":
		start := time.Now()
		rep, err := autobahn.RunClient(ctx, *url, selected, opts)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
		rep.Summary(os.Stdout)
		if werr := rep.WriteFiles(*outdir); werr != nil {
			fmt.Fprintln(os.Stderr, werr)
			return 2
		}
		fmt.Printf("%d cases in %v; report: %s/index.html\n", len(rep.Results), time.Since(start).Round(time.Millisecond), rep.Dir(*outdir))
		if err != nil {
			return 2
		}
		if len(rep.Failed()) > 0 {
			return 1
		}
		return 0
	case "server":
		fs := autobahn.NewFuzzingServer(selected, *outdir, opts)
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Printf("fuzzing server on ws://%s with %d cases; reports under %s\n", ln.Addr(), len(selected), *outdir)
		srv := &http.Server{Handler: fs, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			<-ctx.Done()
			_ = srv.Close()
		}()
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		for _, rep := range fs.Reports() {
			rep.Summary(os.Stdout)
			if len(rep.Failed()) > 0 {
				return 1
			}
		}
		return 0
	case "echo":
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		fmt.Printf("duplex echo target on ws://%s\n", ln.Addr())
		go func() {
			<-ctx.Done()
			_ = ln.Close()
		}()
		if err := autobahn.Serve(ln); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		return 0
	case "agent":
		name := *agent
		if name == "" {
			name = "duplex"
		}
		if err := autobahn.RunAgent(ctx, *url, name, nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		return 0
	default:
		fmt.Fprintf(os.Stderr, "unknown -mode %q (client, server, echo or agent)\n", *mode)
		return 2
	}
}
