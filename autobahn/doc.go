// Package autobahn is duplex's conformance harness: a Go-native runner for the Autobahn
// WebSocket testsuite's cases, with the suite's case numbers ("1.1.1" ... "13.7.18"),
// frames, expectations and verdict vocabulary (OK, NON-STRICT, INFORMATIONAL,
// UNIMPLEMENTED, FAILED; close behavior also WRONG CODE, UNCLEAN, FAILED BY CLIENT), so
// RFC 6455 / RFC 7692 conformance can be checked in seconds with go test or go run,
// without Python 2 or Docker.
//
// Use RunClient to test a server at a ws:// URL (the suite's fuzzing client) and
// FuzzingServer to test a client (the suite's fuzzing server, with its /getCaseCount,
// /runCase, /getCaseInfo, /getCaseStatus and /updateReports endpoints; RunAgent is the
// matching client agent). Use Select to pick cases with the suite's patterns, and
// Report.Summary, Report.WriteFiles and MarkdownTable for the results: a terminal table,
// index.json in the suite's shape, one JSON per case and browsable HTML. EchoHandler and
// Serve are the echo target built on this library that the gates test; command
// ./autobahn/cmd/autobahn wraps it all.
//
// It is not a library for talking WebSocket, and it is independent of the code it tests
// on purpose: it writes and parses frames itself (it must send what no conforming peer
// sends: reserved bits and opcodes, oversized control frames, broken UTF-8, bad close
// codes), performs the opening handshake with net/http types only, and compresses with
// compress/flate. Only EchoHandler, Dial and RunAgent use the library under test.
//
// # Fidelity
//
// Each case restates its crossbario/autobahn-testsuite definition (case/case*.py): the
// same frames, chops (octet-wise writes), fragment sizes, payloads, expected events and
// close expectations, judged in the order of the suite's Case.onConnectionLost. The
// harness behaves as the suite does with failByDrop = false (the setting of the usual
// fuzzingclient.json): it fails a connection with a close frame, and its killAfter timer
// sends 1001 (so a peer that ignores a bad frame is FAILED, not excused). Known
// differences: the compression payloads of 12.x/13.x are generated stand-ins of the
// suite's five files (same kinds and sizes; verdicts only need byte-exact echoes), a
// requested window size below 15 bits is honoured by Huffman-only coding but the peer's
// back-reference distances are not checked, and index.html is a flat per-agent page
// rather than the suite's matrix.
//
// # Time
//
// The suite's delays are expressed in suite seconds. Options.Pace scales deliberate
// delays (5.19, 5.20, 6.4.x; default 100ms per second) and Options.Timeout the waits for
// a peer that does not answer (killAfter, closeAfter, close handshake; default 1s, as the
// suite), which a conforming peer never triggers. A full run of sections 1-10 against a
// local echo server takes seconds (section 9 echoes about 150 MB); sections 12 and 13
// echo about 11 GB of uncompressed payload at the suite's 1000 messages per case and
// take minutes. Options.Shrink divides section 9's sizes and counts and the message
// counts of 12 and 13 for quick runs. Every case is bounded by Options.CaseTimeout
// (default 60s).
//
// # Concurrency
//
// RunClient runs one case at a time unless Options.Parallel says otherwise; a
// FuzzingServer runs each case on the connection the client opens, concurrently if the
// client connects concurrently. A Report must not be modified while it is written.
package autobahn
