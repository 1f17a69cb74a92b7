package deflate

import (
	"bytes"
	"testing"

	"github.com/duplexws/duplex/frame"
)

// The parameter combinations of Autobahn cases 13.1-13.7 (client offers / server
// accepts, as (requestNoContextTakeover, requestMaxWindowBits)), in both roles: with
// library defaults every one must be negotiated (an UNIMPLEMENTED verdict fails the
// project's conformance gate) and must then round-trip in both directions.
func TestAutobahn13Parameters(t *testing.T) {
	offers := []string{
		"permessage-deflate; client_no_context_takeover; client_max_window_bits",                                                        // 13.1 (False, 0)
		"permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover",                            // 13.2 (True, 0)
		"permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=8",                              // 13.3 (False, 8)
		"permessage-deflate; client_no_context_takeover; client_max_window_bits; server_max_window_bits=15",                             // 13.4 (False, 15)
		"permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=8",  // 13.5 (True, 8)
		"permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=15", // 13.6 (True, 15)
	}
	// What the suite's server answers in the client role (accept1-accept6).
	answers := []string{
		"permessage-deflate",
		"permessage-deflate; client_no_context_takeover",
		"permessage-deflate; client_max_window_bits=8",
		"permessage-deflate; client_max_window_bits=15",
		"permessage-deflate; client_no_context_takeover; client_max_window_bits=8",
		"permessage-deflate; client_no_context_takeover; client_max_window_bits=15",
	}
	msgs := [][]byte{jsonLike(20000, 1), jsonLike(20000, 2), jsonLike(500, 3)}
	roundTrip := func(t *testing.T, sp, cp *Params) {
		t.Helper()
		for _, dir := range []struct {
			from, to *Params
			sender   frame.Role
		}{{sp, cp, frame.Server}, {cp, sp, frame.Client}} {
			recv := frame.Client
			if dir.sender == frame.Client {
				recv = frame.Server
			}
			c := NewCompressor(dir.from, dir.sender)
			d := NewDecompressor(dir.to, recv)
			for i, m := range msgs {
				got, err := d.Decompress(nil, c.Compress(nil, m), -1)
				if err != nil || !bytes.Equal(got, m) {
					t.Fatalf("%v -> %v message %d: %v", dir.sender, recv, i, err)
				}
			}
			c.Release()
		}
	}
	t.Run("server role", func(t *testing.T) {
		for i, o := range offers {
			resp, sp, ok := Negotiate(parse(t, o), nil)
			if !ok {
				t.Fatalf("13.%d: offer %q declined", i+1, o)
			}
			cp, err := Accept(resp, nil)
			if err != nil {
				t.Fatalf("13.%d: %v", i+1, err)
			}
			roundTrip(t, &sp, &cp)
		}
		// 13.7: three offers, (True, 8) first: the first is taken.
		resp, sp, ok := Negotiate(parse(t, offers[4]+", "+offers[1]+", "+offers[0]), nil)
		if !ok || sp.ServerMaxWindowBits != 8 || !sp.ServerNoContextTakeover {
			t.Fatalf("13.7: %q %+v", resp.String(), sp)
		}
	})
	t.Run("client role", func(t *testing.T) {
		offer := Offer(nil)
		for i, a := range answers {
			cp, err := Accept(parse(t, a)[0], nil)
			if err != nil {
				t.Fatalf("13.%d: answer %q to %q: %v", i+1, a, offer.String(), err)
			}
			// The server side of the same agreement.
			sp := cp
			roundTrip(t, &sp, &cp)
		}
	})
}
