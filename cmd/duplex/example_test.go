package main

import (
	"context"
	"os"
	"strings"
)

// The one-shot client against the demo server's echo route, as
//
//	duplex client -q -m "hello, duplex" ws://127.0.0.1:8080/echo
func Example_client() {
	url, stop, _ := serveDemo(newDemo(demoConfig{Logger: discardLogger()}))
	defer stop()
	run(context.Background(), []string{"client", "-q", "-m", "hello, duplex", url + "/echo"}, strings.NewReader(""), os.Stdout, os.Stderr)
	run(context.Background(), []string{"client", "-q", "-binary", "-m", "00ff", url + "/echo"}, strings.NewReader(""), os.Stdout, os.Stderr)
	run(context.Background(), []string{"client", "-q", "-m", "hi", url + "/hello"}, strings.NewReader(""), os.Stdout, os.Stderr)
	// Output:
	// hello, duplex
	// 00ff
	// you said "hi" over WebSocket
}
