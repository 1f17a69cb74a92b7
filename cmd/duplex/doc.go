// Command duplex is the first thing to run with the duplex WebSocket library: a demo
// server with a page to try it in a browser, a command-line client like wscat, the
// conformance harness, and an echo benchmark.
//
//	go run ./cmd/duplex serve                       # then open http://127.0.0.1:8080/
//	go run ./cmd/duplex client ws://127.0.0.1:8080/echo
//	go run ./cmd/duplex autobahn                    # the Autobahn cases against our own server
//	go run ./cmd/duplex bench                       # echo throughput on loopback
//
// It is not a production server or proxy, and not a load generator for servers on other
// machines (bench is bounded to a minute and meant for loopback).
//
// # serve
//
// duplex serve listens on 127.0.0.1:8080 (-addr) and prints the URL to open. Everything
// it serves is in the binary: no file or network access is needed. Routes:
//
//	/            the demo page: echo, plain HTTP, push and chat panels, the server's view
//	/echo        every message back with its type (server.Handle, default limits);
//	             subprotocols echo.v1 and echo.v2 are accepted
//	/hello       a dwebsocket-style route (server.Accept): WebSocket messages are answered
//	             `you said "..." over WebSocket`, and a plain GET /hello?message=hi gets
//	             `you said "hi" over HTTP`
//	/push        ten numbered messages, -push-interval apart (500ms), then close 1000
//	/chat        a server.Hub room: each text message goes to every member as JSON
//	             ({"type":"message","from":"ann","text":"hi"}, plus welcome, join, leave)
//	/autobahn    echo with a 64 MiB message limit, any Origin, compression accepted:
//	             the target for conformance runs
//	/api/status  JSON: the live connections (route, peer, subprotocol, extensions, state,
//	             bufferedAmount), the registry's counters and the configuration
//
// Flags: -tls-cert and -tls-key serve https:// and wss:// (HTTP/1.1 only); -origin
// allows other sites' pages ("https://app.example,localhost:*", or "*" for any; by
// default only pages from the server's own host may open sockets); -compress=off stops
// accepting permessage-deflate offers (RFC 7692); -log json for JSON logs; -v for debug logs.
// One log line (log/slog, on stderr) is written per connection opened and closed, with
// the close code and the duration. On SIGINT or SIGTERM every WebSocket is closed with
// 1001 (Going Away) and the server waits, at most 10s, for the close handshakes.
//
// # client
//
// duplex client URL sends each line of stdin as a text message and prints each message
// received on stdout, one per line (binary ones in hex, or -format base64 / raw); status
// lines ("* connected ...", "* closed ...", pongs) go to stderr (-q silences them). At the
// end of stdin it closes with -close-code (1000) and -close-reason; replies still on their
// way are then dropped, so give -wait 2s to keep printing for up to that long (it ends
// sooner when the server closes). Flags: -p offers a
// subprotocol (repeat it), -H adds a request header (repeat it), -origin sets Origin,
// -compress offers permessage-deflate, -binary sends binary messages decoding each line
// with -format, -ping sends a ping at an interval, -insecure accepts any certificate.
// One-shot mode, -m "hello", sends one message, prints the first reply and closes, for
// scripts:
//
//	duplex client -q -m hello ws://127.0.0.1:8080/echo
//
// # autobahn
//
// duplex autobahn [URL] runs the conformance harness of package autobahn (the Autobahn
// testsuite's cases, in Go) against URL, by default against this binary's /autobahn route
// served in-process, printing one progress line per section (and every 10s within a long
// one; every case with -v) and the summary table. The whole suite takes minutes, most of
// them in the compression sections 12 and 13 (-exclude '12.*,13.*' for a quick run). -cases and -exclude select cases in the suite's syntax ("1.*,6.4.*");
// -outdir writes the suite's JSON and HTML reports.
//
// # bench
//
// duplex bench [URL] measures echo throughput: -conns connections (4) each keep up to
// -window messages (32) of -size bytes (1024) in flight for
// -duration (3s), against URL or by default this binary's /echo route in-process. It
// prints messages/s and MB/s every second and at the end.
//
// # Exit codes
//
//	0    success; for client, the connection ended with 1000, 1001 or 1005
//	1    usage: a bad flag or argument
//	2    cannot listen, connect, or complete the opening handshake
//	3    client, bench: the connection ended abnormally (1006, or another close code),
//	     or before the reply of -m
//	4    client -m: no reply within -timeout
//	5    autobahn: at least one case FAILED
//	130  interrupted (SIGINT)
package main
