package deflate_test

import (
	"fmt"

	"github.com/duplexws/duplex/deflate"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
)

// A server negotiates from the client's Sec-WebSocket-Extensions header; the client
// checks the answer. Both sides then compress what they send and inflate what they get.
func Example() {
	// Client: the offer it sends.
	clientCfg := &deflate.Options{ClientNoContextTakeover: true}
	offer := deflate.Offer(clientCfg)
	fmt.Println("offer:   ", offer.String())

	// Server: parse the header, pick the first acceptable offer (the first one here has
	// an unknown parameter and is declined, RFC 7692 §7.1).
	offers, _ := handshake.ParseExtensions([]string{"permessage-deflate; x_unknown=1, " + offer.String()})
	resp, sp, ok := deflate.Negotiate(offers, nil)
	defer sp.Release()
	fmt.Println("response:", resp.String(), ok)

	// Client: accept the response.
	cp, err := deflate.Accept(resp, clientCfg)
	if err != nil {
		panic(err)
	}

	// Server sends, client receives.
	c := deflate.NewCompressor(&sp, frame.Server)
	defer c.Release()
	d := deflate.NewDecompressor(&cp, frame.Client)
	defer d.Release()
	wire := c.Compress(nil, []byte("Hello"))
	fmt.Printf("wire:     % x\n", wire)
	msg, err := d.Decompress(nil, wire, 1<<20)
	fmt.Printf("message:  %s %v\n", msg, err)
	// Output:
	// offer:    permessage-deflate; client_no_context_takeover; client_max_window_bits
	// response: permessage-deflate; client_no_context_takeover true
	// wire:     f2 48 cd c9 c9 07 00
	// message:  Hello <nil>
}

// The read limit applies to the inflated size: a small payload that would inflate past
// it fails with frame.ErrTooBig (close code 1009).
func ExampleDecompressor_Decompress() {
	p := deflate.Params{ServerNoContextTakeover: true}
	payload := deflate.CompressShared(nil, make([]byte, 100000), 9)
	d := deflate.NewDecompressor(&p, frame.Client)
	_, err := d.Decompress(nil, payload, 1024)
	fmt.Println(len(payload) < 200, err, err == frame.ErrTooBig)
	// Output: true frame: message too big true
}

// A broadcaster compresses once and sends the same payload on every connection that can
// take it.
func ExampleCompressShared() {
	payload := deflate.CompressShared(nil, []byte(`{"event":"tick","n":1}`), 0)
	conns := []deflate.Params{
		{ServerNoContextTakeover: true, ServerMaxWindowBits: 15},
		{ServerNoContextTakeover: false, ServerMaxWindowBits: 15}, // must compress itself
	}
	for i, p := range conns {
		fmt.Println(i, p.AcceptsShared(frame.Server, 0), len(payload) > 0)
	}
	// Output:
	// 0 true true
	// 1 false true
}
