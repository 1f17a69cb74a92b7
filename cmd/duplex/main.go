package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes of every subcommand (documented in doc.go).
const (
	exitOK        = 0 // success; for client, the connection closed normally (1000, 1001)
	exitUsage     = 1 // bad flags or arguments
	exitConnect   = 2 // cannot listen, connect, or complete the opening handshake
	exitAbnormal  = 3 // the connection ended abnormally (1006, or a close code other than 1000/1001/1005)
	exitTimeout   = 4 // client -m: no reply within -timeout
	exitFailed    = 5 // autobahn: at least one case FAILED
	exitInterrupt = 130
)

const usage = `duplex: the duplex WebSocket toolkit.

Usage:
  duplex serve     [flags]        the demo server: page, echo, push, chat, autobahn routes
  duplex client    [flags] URL    an interactive client: stdin lines out, messages printed
  duplex autobahn  [flags] [URL]  the conformance harness against URL (default: our own server)
  duplex bench     [flags] [URL]  an echo throughput benchmark on loopback
  duplex help      [command]      this text, or a command's flags

Run "duplex COMMAND -h" for a command's flags. Exit codes: 0 ok, 1 usage,
2 listen/connect/handshake failure, 3 abnormal close, 4 timeout, 5 conformance failures.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program behind main: it dispatches to a subcommand and returns the exit
// code. ctx is cancelled on SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, stdout, stderr)
	case "client":
		return runClient(ctx, rest, stdin, stdout, stderr)
	case "autobahn":
		return runAutobahn(ctx, rest, stdout, stderr)
	case "bench":
		return runBench(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && rest[0] != "help" && rest[0][0] != '-' {
			return run(ctx, []string{rest[0], "-h"}, stdin, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "duplex: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}
