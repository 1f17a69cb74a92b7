package deflate

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/duplexws/duplex/handshake"
)

func parse(t *testing.T, header string) []handshake.Extension {
	t.Helper()
	exts, err := handshake.ParseExtensions([]string{header})
	if err != nil {
		t.Fatalf("ParseExtensions(%q): %v", header, err)
	}
	return exts
}

var ignoreLease = cmpopts.IgnoreUnexported(Params{})

func TestNegotiate(t *testing.T) {
	def := func(p Params) Params {
		if p.ServerMaxWindowBits == 0 {
			p.ServerMaxWindowBits = 15
		}
		if p.ClientMaxWindowBits == 0 {
			p.ClientMaxWindowBits = 15
		}
		if p.Level == 0 {
			p.Level = LowMemory
		}
		if p.Threshold == 0 {
			p.Threshold = DefaultThreshold
		}
		return p
	}
	tests := []struct {
		name   string
		offer  string
		cfg    *Options
		ok     bool
		resp   string // resp.String()
		params Params
	}{
		{name: "plain offer §7", offer: "permessage-deflate", ok: true,
			resp: "permessage-deflate", params: def(Params{})},
		{name: "no offer", offer: "x-webkit-deflate-frame", ok: false},
		{name: "server_no_context_takeover accepted by echo §7.1.1.1",
			offer: "permessage-deflate; server_no_context_takeover", ok: true,
			resp:   "permessage-deflate; server_no_context_takeover",
			params: def(Params{ServerNoContextTakeover: true})},
		{name: "client_no_context_takeover hint echoed §7.1.1.2",
			offer: "permessage-deflate; client_no_context_takeover", ok: true,
			resp:   "permessage-deflate; client_no_context_takeover",
			params: def(Params{ClientNoContextTakeover: true})},
		{name: "server imposes server_no_context_takeover §7.1.1.1",
			offer: "permessage-deflate", cfg: &Options{ServerNoContextTakeover: true}, ok: true,
			resp:   "permessage-deflate; server_no_context_takeover",
			params: def(Params{ServerNoContextTakeover: true})},
		{name: "server imposes client_no_context_takeover §7.1.1.2",
			offer: "permessage-deflate", cfg: &Options{ClientNoContextTakeover: true}, ok: true,
			resp:   "permessage-deflate; client_no_context_takeover",
			params: def(Params{ClientNoContextTakeover: true})},
		{name: "server_max_window_bits=15 accepted by echo §7.1.2.1",
			offer: "permessage-deflate; server_max_window_bits=15", ok: true,
			resp: "permessage-deflate; server_max_window_bits=15", params: def(Params{})},
		{name: "server_max_window_bits=10 accepted by echo §7.1.2.1",
			offer: "permessage-deflate; server_max_window_bits=10", ok: true,
			resp: "permessage-deflate; server_max_window_bits=10", params: def(Params{ServerMaxWindowBits: 10})},
		{name: "server_max_window_bits=8 accepted by echo §7.1.2.1",
			offer: "permessage-deflate; server_max_window_bits=8; server_no_context_takeover", ok: true,
			resp:   "permessage-deflate; server_no_context_takeover; server_max_window_bits=8",
			params: def(Params{ServerMaxWindowBits: 8, ServerNoContextTakeover: true})},
		{name: "second offer taken after a declined first §5",
			offer: "permessage-deflate; server_max_window_bits=7; client_no_context_takeover, permessage-deflate; client_no_context_takeover", ok: true,
			resp:   "permessage-deflate; client_no_context_takeover",
			params: def(Params{ClientNoContextTakeover: true})},
		{name: "client_max_window_bits without value, not answered §7.1.2.2",
			offer: "permessage-deflate; client_max_window_bits", ok: true,
			resp: "permessage-deflate", params: def(Params{})},
		{name: "client_max_window_bits=10 bounds the client without an answer §7.1.2.2",
			offer: "permessage-deflate; client_max_window_bits=10", ok: true,
			resp: "permessage-deflate", params: def(Params{ClientMaxWindowBits: 10})},
		{name: "server asks client_max_window_bits when offered §7.1.2.2",
			offer: "permessage-deflate; client_max_window_bits", cfg: &Options{ClientMaxWindowBits: 12}, ok: true,
			resp: "permessage-deflate; client_max_window_bits=12", params: def(Params{ClientMaxWindowBits: 12})},
		{name: "answer never above the client's value §7.1.2.2",
			offer: "permessage-deflate; client_max_window_bits=9", cfg: &Options{ClientMaxWindowBits: 12}, ok: true,
			resp: "permessage-deflate; client_max_window_bits=9", params: def(Params{ClientMaxWindowBits: 9})},
		{name: "never client_max_window_bits when not offered §7.1.2.2",
			offer: "permessage-deflate", cfg: &Options{ClientMaxWindowBits: 12}, ok: true,
			resp: "permessage-deflate", params: def(Params{})},
		{name: "unknown parameter declined §7.1",
			offer: "permessage-deflate; foo", ok: false},
		{name: "duplicate parameter declined §7.1",
			offer: "permessage-deflate; client_no_context_takeover; client_no_context_takeover", ok: false},
		{name: "server_max_window_bits without value declined §7.1.2.1",
			offer: "permessage-deflate; server_max_window_bits", ok: false},
		{name: "window bits 7 declined §7.1.2.1", offer: "permessage-deflate; server_max_window_bits=7", ok: false},
		{name: "window bits 16 declined §7.1.2.2", offer: "permessage-deflate; client_max_window_bits=16", ok: false},
		{name: "leading zero declined §7.1.2.1", offer: "permessage-deflate; server_max_window_bits=015", ok: false},
		{name: "quoted value is fine §7.1", offer: `permessage-deflate; server_max_window_bits="15"`, ok: true,
			resp: "permessage-deflate; server_max_window_bits=15", params: def(Params{})},
		{name: "value on a flag declined §7.1.1.1",
			offer: "permessage-deflate; server_no_context_takeover=1", ok: false},
		{name: "bad offer then good offer",
			offer: "permessage-deflate; foo=bar, permessage-deflate", ok: true,
			resp: "permessage-deflate", params: def(Params{})},
		{name: "level and threshold carried",
			offer: "permessage-deflate", cfg: &Options{Level: 6, Threshold: -1}, ok: true,
			resp: "permessage-deflate", params: Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: 6, Threshold: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, p, ok := Negotiate(parse(t, tc.offer), tc.cfg)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v (resp %q)", ok, tc.ok, resp.String())
			}
			if !ok {
				return
			}
			if got := resp.String(); got != tc.resp {
				t.Errorf("resp = %q, want %q", got, tc.resp)
			}
			if diff := cmp.Diff(tc.params, p, ignoreLease); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
			// Whatever the server answers, its own client must accept (§7.1).
			if _, err := Accept(resp, nil); err != nil {
				t.Errorf("Accept(own response) = %v", err)
			}
		})
	}
}

func TestAccept(t *testing.T) {
	tests := []struct {
		name    string
		resp    string
		cfg     *Options
		wantErr error
		params  Params
	}{
		{name: "plain", resp: "permessage-deflate",
			params: Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: LowMemory, Threshold: DefaultThreshold}},
		{name: "server_no_context_takeover §7.1.1.1", resp: "permessage-deflate; server_no_context_takeover",
			params: Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: LowMemory, Threshold: DefaultThreshold}},
		{name: "client_no_context_takeover §7.1.1.2", resp: "permessage-deflate; client_no_context_takeover",
			params: Params{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: LowMemory, Threshold: DefaultThreshold}},
		{name: "own hint kept §7.1.1.2", resp: "permessage-deflate", cfg: &Options{ClientNoContextTakeover: true},
			params: Params{ClientNoContextTakeover: true, ServerMaxWindowBits: 15, ClientMaxWindowBits: 15, Level: LowMemory, Threshold: DefaultThreshold}},
		{name: "unrequested server_max_window_bits is fine §7.1.2.1", resp: "permessage-deflate; server_max_window_bits=9",
			params: Params{ServerMaxWindowBits: 9, ClientMaxWindowBits: 15, Level: LowMemory, Threshold: DefaultThreshold}},
		{name: "server_max_window_bits below request", resp: "permessage-deflate; server_max_window_bits=10",
			cfg:    &Options{ServerMaxWindowBits: 12},
			params: Params{ServerMaxWindowBits: 10, ClientMaxWindowBits: 15, Level: LowMemory, Threshold: DefaultThreshold}},
		{name: "server_max_window_bits above request fails §7.1.2.1", resp: "permessage-deflate; server_max_window_bits=13",
			cfg: &Options{ServerMaxWindowBits: 12}, wantErr: ErrUnsupported},
		{name: "client_max_window_bits (always offered) honoured §7.1.2.2", resp: "permessage-deflate; client_max_window_bits=9",
			params: Params{ServerMaxWindowBits: 15, ClientMaxWindowBits: 9, Level: LowMemory, Threshold: DefaultThreshold}},
		{name: "client_max_window_bits without value fails §7.1.2.2", resp: "permessage-deflate; client_max_window_bits",
			wantErr: ErrInvalidValue},
		{name: "unknown parameter fails §7.1", resp: "permessage-deflate; foo", wantErr: ErrUnknownParameter},
		{name: "duplicate fails §7.1", resp: "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
			wantErr: ErrDuplicateParameter},
		{name: "out of range fails §7.1", resp: "permessage-deflate; server_max_window_bits=16", wantErr: ErrInvalidValue},
		{name: "missing value fails §7.1", resp: "permessage-deflate; server_max_window_bits", wantErr: ErrInvalidValue},
		{name: "other extension", resp: "x-foo", wantErr: ErrNotDeflate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Accept(parse(t, tc.resp)[0], tc.cfg)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				return
			}
			if diff := cmp.Diff(tc.params, p, ignoreLease); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOffer(t *testing.T) {
	tests := []struct {
		name string
		cfg  *Options
		want string
	}{
		{"nil", nil, "permessage-deflate; client_max_window_bits"},
		{"no takeover both ways", &Options{ClientNoContextTakeover: true, ServerNoContextTakeover: true},
			"permessage-deflate; client_no_context_takeover; server_no_context_takeover; client_max_window_bits"},
		{"server window", &Options{ServerMaxWindowBits: 10}, "permessage-deflate; server_max_window_bits=10; client_max_window_bits"},
		{"out of range window ignored", &Options{ServerMaxWindowBits: 20}, "permessage-deflate; client_max_window_bits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Offer(tc.cfg)
			if got.String() != tc.want {
				t.Fatalf("Offer = %q, want %q", got.String(), tc.want)
			}
			// A duplex server accepts every offer a duplex client makes.
			resp, p, ok := Negotiate([]handshake.Extension{got}, &Options{ClientMaxWindowBits: 9})
			if !ok {
				t.Fatalf("own server declined %q", got.String())
			}
			cp, err := Accept(resp, tc.cfg)
			if err != nil {
				t.Fatalf("Accept(%q) = %v", resp.String(), err)
			}
			if cp.ServerNoContextTakeover != p.ServerNoContextTakeover || cp.ClientNoContextTakeover != p.ClientNoContextTakeover ||
				cp.ServerMaxWindowBits != p.ServerMaxWindowBits || cp.ClientMaxWindowBits != p.ClientMaxWindowBits {
				t.Fatalf("client agreed %+v, server %+v", cp, p)
			}
		})
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(2)
	cfg := &Options{Takeover: l}
	offers := []handshake.Extension{{Name: ExtensionName}}
	var ps []Params
	for i := range 3 {
		resp, p, ok := Negotiate(offers, cfg)
		if !ok {
			t.Fatal("declined")
		}
		overCap := i >= 2
		if p.ServerNoContextTakeover != overCap || p.ClientNoContextTakeover != overCap {
			t.Fatalf("conn %d: params %+v, want no takeover = %v", i, p, overCap)
		}
		if overCap && resp.String() != "permessage-deflate; server_no_context_takeover; client_no_context_takeover" {
			t.Fatalf("conn %d: resp %q", i, resp.String())
		}
		ps = append(ps, p)
	}
	if l.InUse() != 2 {
		t.Fatalf("InUse = %d, want 2", l.InUse())
	}
	ps[0].Release()
	ps[0].Release() // idempotent
	ps[2].Release() // held no slot
	if l.InUse() != 1 {
		t.Fatalf("InUse after release = %d, want 1", l.InUse())
	}
	if _, p, _ := Negotiate(offers, cfg); p.ServerNoContextTakeover {
		t.Fatal("slot not reusable after Release")
	}
	// An offer that already has no takeover in both directions takes no slot.
	_, _, _ = Negotiate(parse(t, "permessage-deflate; server_no_context_takeover; client_no_context_takeover"), cfg)
	if l.InUse() != 2 {
		t.Fatalf("InUse = %d, want 2", l.InUse())
	}
}
