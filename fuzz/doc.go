// Package fuzz holds fuzz targets that span packages, each checked against an independent
// reference model of RFC 6455 and RFC 7692 rather than only for panics:
//
//   - FuzzConnRead: the whole read path of a conn.Conn, in both roles, whole-message and
//     streaming, fed an arbitrary byte stream as the peer's (then EOF), echoing what it
//     reads.
//   - FuzzConnReadDeflate: the same with permessage-deflate negotiated, with and without
//     context takeover in each direction.
//   - FuzzServe: server.Serve fed arbitrary bytes as a client's (handshake, then frames).
//   - FuzzDial: client.Dial fed arbitrary bytes as a server's (response, then frames).
//
// The package has no API; it exists for its tests. Run a target with
//
//	go test -run '^$' -fuzz '^FuzzConnRead$' -fuzztime 2m ./fuzz
//
// or every target of the module with `make fuzz` (scripts/fuzz.sh). The seed corpora
// (testdata/fuzz, and the f.Add seeds: RFC 6455 §5.7 and RFC 7692 §7.2.3 examples,
// fragmented messages, control frames between fragments, close frames of every kind, bad
// UTF-8, huge lengths, bombs) run as ordinary tests under `go test`.
//
// It is NOT for the parsers of single packages (frame, handshake, utf8, mask, deflate keep
// their own targets beside their code) nor for tests against a live network peer (see
// internal/hostile and loadtest).
//
// # Oracle
//
// A small reference parser written from the RFCs (model_test.go, inflate_test.go, sharing
// no code with conn or deflate; compress/flate inflates, with context takeover modelled as
// a preset dictionary) predicts, for any input, the messages a connection must deliver,
// the pings it must answer, the close code it must end with and the close frame it must
// put on the wire. Everything conn writes is parsed back by the same model in the peer's
// role, so conn's own output is checked for conformance too (masking, framing, no frame
// after its close frame, compressed echoes that inflate to what was received). Where the
// RFCs leave a choice open (which of two faults in one compressed message is seen first,
// what follows a BFINAL block) the model lists the acceptable outcomes. Allocation is
// bounded (a declared length of 2^63-1, or a deflate bomb, must cost nothing near it) and
// no goroutine may outlive a run (internal/leak).
package fuzz
