// Package fuzz holds fuzz targets that span packages: the whole read path of a connection
// fed an arbitrary byte stream, in both roles, checked against an independent reference
// model of RFC 6455, and the opening handshakes of client and server fed arbitrary bytes.
//
// The package has no API; it exists for its tests. Run a target with
//
//	go test -run '^$' -fuzz '^FuzzConnRead$' -fuzztime 2m ./fuzz
//
// or every target of the module with `make fuzz` (scripts/fuzz.sh). The seed corpora in
// testdata/fuzz run as ordinary tests under `go test`.
//
// It is NOT for the parsers of single packages (frame, handshake, utf8, mask, deflate keep
// their own targets beside their code) nor for tests against a live network peer (see
// internal/hostile and loadtest).
//
// # Oracle
//
// FuzzConnRead does not stop at "no panic": a small reference parser written from the RFC
// (model_test.go) predicts, for any input, the messages a connection must deliver, the
// pings it must answer, the close code it must end with and the close frame it must put on
// the wire. Everything conn writes is parsed back by the same model in the peer's role, so
// conn's own output is checked for conformance too. Allocation is bounded (a declared
// length of 2^63-1 must cost nothing) and no goroutine may outlive a run.
package fuzz
