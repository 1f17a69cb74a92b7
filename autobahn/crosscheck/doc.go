// Package crosscheck runs the duplex conformance harness against echo servers built on
// gorilla/websocket and lxzan/gws, configured as their own Autobahn set-ups are. Both
// libraries are published as passing the official Autobahn testsuite, so a FAILED verdict
// here points at the harness first: this module is how the harness earns trust.
//
// It is a nested module so that the core module's go.mod stays free of third-party
// dependencies. It is not for production use.
package crosscheck
