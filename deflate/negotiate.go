package deflate

import (
	"compress/flate"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
)

// ExtensionName is the extension token of permessage-deflate (RFC 7692 §7).
const ExtensionName = "permessage-deflate"

// Extension parameter names (RFC 7692 §7.1).
const (
	paramServerNoContextTakeover = "server_no_context_takeover"
	paramClientNoContextTakeover = "client_no_context_takeover"
	paramServerMaxWindowBits     = "server_max_window_bits"
	paramClientMaxWindowBits     = "client_max_window_bits"
)

// Window sizes, as the base-2 logarithm of the LZ77 sliding window (RFC 7692 §7.1.2).
const (
	MinWindowBits = 8  // smallest window a peer may declare: 256 bytes
	MaxWindowBits = 15 // largest window, and the one compress/flate always uses: 32 KiB
)

// DefaultThreshold is the Options.Threshold used when it is zero: messages shorter than
// this are sent uncompressed, because DEFLATE framing makes them larger, not smaller.
const DefaultThreshold = 128

// Errors returned by Accept when a server's response cannot be accepted; the client must
// then fail the WebSocket connection (RFC 7692 §7.1). They are wrapped with the offending
// parameter; compare with errors.Is.
var (
	// ErrNotDeflate: the response names another extension.
	ErrNotDeflate = errors.New("deflate: response is not permessage-deflate")
	// ErrUnknownParameter: a parameter RFC 7692 does not define for a response.
	ErrUnknownParameter = errors.New("deflate: unknown extension parameter")
	// ErrDuplicateParameter: the same parameter twice.
	ErrDuplicateParameter = errors.New("deflate: duplicate extension parameter")
	// ErrInvalidValue: a parameter with a missing, extra or out-of-range value.
	ErrInvalidValue = errors.New("deflate: invalid extension parameter value")
	// ErrUnsupported: a well-formed response this endpoint did not ask for or cannot
	// honour (e.g. client_max_window_bits that was not offered, RFC 7692 §7.1.2.2).
	ErrUnsupported = errors.New("deflate: unsupported extension configuration")
)

// Errors a Decompressor returns. Both are *frame.Error values carrying the close code to
// fail the connection with.
var (
	// ErrCorrupt: the compressed payload of a message is not valid DEFLATE data
	// (RFC 7692 §7.2.2 requires the receiver to inflate it; data that cannot be inflated
	// is "data within a message that was not consistent with the type of the message",
	// RFC 6455 §7.4.1, so the code is 1007).
	ErrCorrupt = &frame.Error{Code: frame.CloseInvalidPayload, Msg: "invalid permessage-deflate data"}
)

// Options configures permessage-deflate for one endpoint. The zero value (or nil) is
// ready to use: BestSpeed, a 128-byte threshold, context takeover wherever the peer
// allows it, no cap on connections that keep context.
//
// A server passes the same *Options to Negotiate for every connection (it is read, not
// written, so sharing it is safe); a client passes it to Offer and Accept.
type Options struct {
	// Level selects the encoder for outgoing messages. Zero (and any invalid value) means
	// LowMemory, this package's own encoder: about the ratio and speed of
	// compress/flate's BestSpeed, ~57 KiB instead of ~1.2 MB per connection with context
	// takeover, and any window size honoured. 1 (flate.BestSpeed) to 9
	// (flate.BestCompression) and flate.HuffmanOnly use compress/flate; levels 2-9
	// compress a little better, run several times slower and, without context
	// takeover, also pay ~640 KiB of memclr per message when a pooled writer is reset.
	Level int

	// Threshold is the size below which the connection sends a message uncompressed
	// (RFC 7692 §6 lets every message choose: RSV1 clear means not compressed). Zero means
	// DefaultThreshold; a negative value compresses every message. It is carried in
	// Params.Threshold for the connection layer, which decides per message.
	Threshold int

	// ServerNoContextTakeover: on a server, always answer server_no_context_takeover
	// (RFC 7692 §7.1.1.1 lets a server do so whatever the offer says), so no compressor
	// is kept per connection. On a client, ask the server for it in the offer.
	ServerNoContextTakeover bool

	// ClientNoContextTakeover: on a server, always answer client_no_context_takeover
	// (§7.1.1.2), so no 32 KiB inflate window is kept per connection. On a client,
	// include it in the offer as a hint and compress every message independently.
	ClientNoContextTakeover bool

	// ClientMaxWindowBits (server only), 8-15: when an offer contains
	// client_max_window_bits, answer with this value (or the client's, if smaller), so
	// the inflate window kept per connection with context takeover is 1<<bits bytes
	// instead of 32 KiB. Zero: do not ask (§7.1.2.2 makes the answer optional).
	ClientMaxWindowBits int

	// ServerMaxWindowBits (client only), 8-15: ask the server to compress with at most
	// this window (server_max_window_bits in the offer, §7.1.2.1), which bounds the
	// inflate window the client keeps. Zero: do not ask.
	ServerMaxWindowBits int

	// Takeover, when not nil, caps how many connections (server side) may keep
	// per-connection compression state. Beyond the cap a server answers both
	// server_no_context_takeover and client_no_context_takeover, so the connection uses
	// pooled state only. The slot is returned by Params.Release.
	Takeover *Limiter
}

func (o *Options) level() int {
	if o == nil {
		return LowMemory
	}
	return normLevel(o.Level)
}

// normLevel maps an Options.Level to the level used: 0 and invalid values to LowMemory,
// DefaultCompression to 6.
func normLevel(l int) int {
	switch {
	case l == LowMemory:
		return LowMemory
	case l == 0 || l < flate.HuffmanOnly || l > flate.BestCompression:
		return LowMemory
	case l == flate.DefaultCompression:
		return 6
	}
	return l
}

func (o *Options) threshold() int {
	if o == nil || o.Threshold == 0 {
		return DefaultThreshold
	}
	if o.Threshold < 0 {
		return 0
	}
	return o.Threshold
}

// Limiter caps the number of connections that keep per-connection compression state
// (context takeover). Create it with NewLimiter and share it through Options.Takeover.
// It is safe for concurrent use.
type Limiter struct {
	max   int64
	inUse atomic.Int64
}

// NewLimiter returns a Limiter that admits at most max connections with context
// takeover. max <= 0 admits none.
func NewLimiter(max int) *Limiter { return &Limiter{max: int64(max)} }

// InUse returns the number of slots currently held.
func (l *Limiter) InUse() int { return int(l.inUse.Load()) }

func (l *Limiter) acquire() *lease {
	for {
		n := l.inUse.Load()
		if n >= l.max {
			return nil
		}
		if l.inUse.CompareAndSwap(n, n+1) {
			return &lease{l: l}
		}
	}
}

type lease struct {
	l    *Limiter
	done atomic.Bool
}

// Params is what a permessage-deflate negotiation agreed, plus the local settings the
// connection needs (Level, Threshold). The zero value is not meaningful; get one from
// Negotiate or Accept.
type Params struct {
	// ServerNoContextTakeover: the server compresses each message independently
	// (RFC 7692 §7.1.1.1).
	ServerNoContextTakeover bool
	// ClientNoContextTakeover: the client compresses each message independently
	// (RFC 7692 §7.1.1.2).
	ClientNoContextTakeover bool
	// ServerMaxWindowBits is the largest LZ77 window the server may use, 8-15
	// (15 when not stated; RFC 7692 §7.1.2.1).
	ServerMaxWindowBits int
	// ClientMaxWindowBits is the largest LZ77 window the client may use, 8-15
	// (15 when not stated; RFC 7692 §7.1.2.2).
	ClientMaxWindowBits int

	// Level is the local compress/flate level (from Options.Level).
	Level int
	// Threshold is the local size below which messages go uncompressed
	// (from Options.Threshold; 0 means compress everything).
	Threshold int

	lease *lease
}

// Release returns the Options.Takeover slot this connection holds, if any. Call it once
// the connection is finished (or if the handshake fails after Negotiate); calling it more
// than once, or on Params that hold no slot, is harmless.
func (p *Params) Release() {
	if p == nil || p.lease == nil {
		return
	}
	if p.lease.done.CompareAndSwap(false, true) {
		p.lease.l.inUse.Add(-1)
	}
}

// sendTakeover reports whether the endpoint with role local keeps compression context
// across the messages it sends.
func (p *Params) sendTakeover(local frame.Role) bool {
	if local == frame.Client {
		return !p.ClientNoContextTakeover
	}
	return !p.ServerNoContextTakeover
}

// recvTakeover reports whether the peer of local keeps context across the messages it
// sends, so local must keep the inflate window.
func (p *Params) recvTakeover(local frame.Role) bool {
	if local == frame.Client {
		return !p.ServerNoContextTakeover
	}
	return !p.ClientNoContextTakeover
}

func (p *Params) sendWindowBits(local frame.Role) int {
	if local == frame.Client {
		return p.ClientMaxWindowBits
	}
	return p.ServerMaxWindowBits
}

func (p *Params) recvWindowBits(local frame.Role) int {
	if local == frame.Client {
		return p.ServerMaxWindowBits
	}
	return p.ClientMaxWindowBits
}

// sendLevel is the level local compresses with. compress/flate cannot bound its LZ77
// window below 32 KiB, so when a smaller window was agreed (RFC 7692 §7.1.2) the LowMemory
// encoder, which can, takes over; flate.HuffmanOnly (no back-references) may stay.
func (p *Params) sendLevel(local frame.Role) int {
	l := normLevel(p.Level)
	if bits := p.sendWindowBits(local); bits != 0 && bits < MaxWindowBits && l != flate.HuffmanOnly {
		return LowMemory
	}
	return l
}

// AcceptsShared reports whether a payload made by CompressShared at level may be sent as
// is by the endpoint with role local: true when that endpoint's outgoing messages have no
// context takeover (the peer's window must not depend on earlier messages this endpoint
// compressed itself) and either the agreed window is 32 KiB or level is
// flate.HuffmanOnly (no back-references).
func (p *Params) AcceptsShared(local frame.Role, level int) bool {
	if p.sendTakeover(local) {
		return false
	}
	bits := p.sendWindowBits(local)
	return bits == 0 || bits == MaxWindowBits || level == flate.HuffmanOnly
}

// offer is a parsed permessage-deflate parameter list.
type offer struct {
	serverNoContextTakeover bool
	clientNoContextTakeover bool
	serverMaxWindowBits     int  // 0: absent
	clientMaxWindowBits     int  // 0: absent or no value
	clientMaxWindowBitsSet  bool // present, with or without a value
}

// parseWindowBits parses a window-bits value: a decimal integer 8-15 without leading
// zeros (RFC 7692 §7.1.2.1, §7.1.2.2).
func parseWindowBits(v string) (int, bool) {
	if len(v) == 0 || len(v) > 2 || v[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < MinWindowBits || n > MaxWindowBits {
		return 0, false
	}
	return n, true
}

// parseParams validates a parameter list. inResponse selects the response rules:
// client_max_window_bits then needs a value (RFC 7692 §7.1.2.2).
func parseParams(params []handshake.Param, inResponse bool) (offer, error) {
	var o offer
	var seen [4]bool
	for _, prm := range params {
		var idx int
		switch strings.ToLower(prm.Name) {
		case paramServerNoContextTakeover:
			idx = 0
		case paramClientNoContextTakeover:
			idx = 1
		case paramServerMaxWindowBits:
			idx = 2
		case paramClientMaxWindowBits:
			idx = 3
		default:
			// RFC 7692 §7.1: a parameter not defined for use in an offer/response.
			return o, fmt.Errorf("%w: %q", ErrUnknownParameter, prm.Name)
		}
		if seen[idx] {
			// RFC 7692 §7.1: multiple extension parameters with the same name.
			return o, fmt.Errorf("%w: %q", ErrDuplicateParameter, prm.Name)
		}
		seen[idx] = true
		switch idx {
		case 0, 1:
			// RFC 7692 §7.1.1.1, §7.1.1.2: these parameters have no value.
			if prm.HasValue {
				return o, fmt.Errorf("%w: %s=%q", ErrInvalidValue, prm.Name, prm.Value)
			}
			if idx == 0 {
				o.serverNoContextTakeover = true
			} else {
				o.clientNoContextTakeover = true
			}
		case 2:
			// RFC 7692 §7.1.2.1: server_max_window_bits always has a value 8-15.
			n, ok := parseWindowBits(prm.Value)
			if !prm.HasValue || !ok {
				return o, fmt.Errorf("%w: %s=%q", ErrInvalidValue, prm.Name, prm.Value)
			}
			o.serverMaxWindowBits = n
		case 3:
			// RFC 7692 §7.1.2.2: optional value 8-15 in an offer, required in a response.
			o.clientMaxWindowBitsSet = true
			if !prm.HasValue {
				if inResponse {
					return o, fmt.Errorf("%w: %s without a value", ErrInvalidValue, prm.Name)
				}
				continue
			}
			n, ok := parseWindowBits(prm.Value)
			if !ok {
				return o, fmt.Errorf("%w: %s=%q", ErrInvalidValue, prm.Name, prm.Value)
			}
			o.clientMaxWindowBits = n
		}
	}
	return o, nil
}

func isDeflate(e handshake.Extension) bool { return strings.EqualFold(e.Name, ExtensionName) }

func flag(name string) handshake.Param { return handshake.Param{Name: name} }

func valued(name string, bits int) handshake.Param {
	return handshake.Param{Name: name, Value: strconv.Itoa(bits), HasValue: true}
}

// Negotiate is the server side of RFC 7692 §5 and §7.1: it walks the client's offers in
// order, skips other extensions and every permessage-deflate offer it must or chooses to
// decline, and accepts the first acceptable one. ok is false when none is acceptable;
// the handshake then goes on without compression (declining is not an error, §5).
//
// An offer is declined when it has an unknown or duplicated parameter or an invalid value
// (§7.1: the server MUST decline it). Every window size is accepted: an offer that
// demands server_max_window_bits below 15 gets it, and that connection is compressed by
// the LowMemory encoder, which never refers further back than the window (compress/flate
// cannot bound its window).
//
// resp is the extension to put in Sec-WebSocket-Extensions. It never contains
// client_max_window_bits unless the accepted offer had it (§7.1.2.2), and it contains
// server_max_window_bits whenever the offer did, since that is how §7.1.2.1 accepts it.
// p describes what was agreed; call p.Release when the connection ends if
// cfg.Takeover is set.
func Negotiate(offers []handshake.Extension, cfg *Options) (resp handshake.Extension, p Params, ok bool) {
	for _, ext := range offers {
		if !isDeflate(ext) {
			continue
		}
		o, err := parseParams(ext.Params, false)
		if err != nil {
			continue // RFC 7692 §7.1: decline this offer, try the next.
		}
		return accept(o, cfg)
	}
	return handshake.Extension{}, Params{}, false
}

func accept(o offer, cfg *Options) (handshake.Extension, Params, bool) {
	p := Params{
		ServerNoContextTakeover: o.serverNoContextTakeover,
		// The client's hint (§7.1.1.2) is echoed: it spares us an inflate window.
		ClientNoContextTakeover: o.clientNoContextTakeover,
		ServerMaxWindowBits:     MaxWindowBits,
		ClientMaxWindowBits:     MaxWindowBits,
		Level:                   cfg.level(),
		Threshold:               cfg.threshold(),
	}
	if cfg != nil {
		p.ServerNoContextTakeover = p.ServerNoContextTakeover || cfg.ServerNoContextTakeover
		p.ClientNoContextTakeover = p.ClientNoContextTakeover || cfg.ClientNoContextTakeover
		if cfg.Takeover != nil && (!p.ServerNoContextTakeover || !p.ClientNoContextTakeover) {
			if p.lease = cfg.Takeover.acquire(); p.lease == nil {
				p.ServerNoContextTakeover = true
				p.ClientNoContextTakeover = true
			}
		}
	}
	resp := handshake.Extension{Name: ExtensionName, Params: make([]handshake.Param, 0, 4)}
	if p.ServerNoContextTakeover {
		resp.Params = append(resp.Params, flag(paramServerNoContextTakeover))
	}
	if p.ClientNoContextTakeover {
		resp.Params = append(resp.Params, flag(paramClientNoContextTakeover))
	}
	if o.serverMaxWindowBits != 0 {
		// RFC 7692 §7.1.2.1: accepted by answering the same or a smaller value. Below 15
		// the LowMemory encoder bounds its distances (Params.sendLevel).
		p.ServerMaxWindowBits = o.serverMaxWindowBits
		resp.Params = append(resp.Params, valued(paramServerMaxWindowBits, p.ServerMaxWindowBits))
	}
	if o.clientMaxWindowBitsSet {
		// RFC 7692 §7.1.2.2: the client's own value bounds its window even if not echoed.
		if o.clientMaxWindowBits != 0 {
			p.ClientMaxWindowBits = o.clientMaxWindowBits
		}
		if cfg != nil && cfg.ClientMaxWindowBits >= MinWindowBits && cfg.ClientMaxWindowBits <= MaxWindowBits {
			p.ClientMaxWindowBits = min(p.ClientMaxWindowBits, cfg.ClientMaxWindowBits)
			resp.Params = append(resp.Params, valued(paramClientMaxWindowBits, p.ClientMaxWindowBits))
		}
	}
	return resp, p, true
}

// Offer is the client side of RFC 7692 §5: the permessage-deflate offer for the
// Sec-WebSocket-Extensions request header, built from cfg (nil: a plain offer).
//
// client_max_window_bits is always offered, without a value (§7.1.2.2): the server may
// then ask for any window down to 8 bits, which the client honours by compressing with
// the LowMemory encoder.
func Offer(cfg *Options) handshake.Extension {
	e := handshake.Extension{Name: ExtensionName}
	if cfg == nil {
		cfg = &Options{}
	}
	if cfg.ClientNoContextTakeover {
		e.Params = append(e.Params, flag(paramClientNoContextTakeover))
	}
	if cfg.ServerNoContextTakeover {
		e.Params = append(e.Params, flag(paramServerNoContextTakeover))
	}
	if b := cfg.ServerMaxWindowBits; b >= MinWindowBits && b <= MaxWindowBits {
		e.Params = append(e.Params, valued(paramServerMaxWindowBits, b))
	}
	e.Params = append(e.Params, flag(paramClientMaxWindowBits))
	return e
}

// Accept is the client side of RFC 7692 §7.1: it checks the server's response to the
// offer Offer(cfg) made and returns what was agreed. An error means the client must fail
// the WebSocket connection (§7.1): an unknown, duplicated or ill-valued parameter
// (including client_max_window_bits without a value, §7.1.2.2), or a
// server_max_window_bits larger than the one requested (§7.1.2.1). Finding the permessage-deflate
// element in the response header (and refusing it if none was offered) is the caller's
// job.
func Accept(resp handshake.Extension, cfg *Options) (Params, error) {
	if !isDeflate(resp) {
		return Params{}, fmt.Errorf("%w: %q", ErrNotDeflate, resp.Name)
	}
	o, err := parseParams(resp.Params, true)
	if err != nil {
		return Params{}, err
	}
	p := Params{
		ServerNoContextTakeover: o.serverNoContextTakeover,
		ClientNoContextTakeover: o.clientNoContextTakeover,
		ServerMaxWindowBits:     MaxWindowBits,
		ClientMaxWindowBits:     MaxWindowBits,
		Level:                   cfg.level(),
		Threshold:               cfg.threshold(),
	}
	if cfg != nil && cfg.ClientNoContextTakeover {
		// We told the server we would not take over context (§7.1.1.2); keep the promise.
		p.ClientNoContextTakeover = true
	}
	if o.serverMaxWindowBits != 0 {
		if cfg != nil && cfg.ServerMaxWindowBits >= MinWindowBits && cfg.ServerMaxWindowBits <= MaxWindowBits &&
			o.serverMaxWindowBits > cfg.ServerMaxWindowBits {
			// RFC 7692 §7.1.2.1: the answer must be the same or smaller than the offer.
			return Params{}, fmt.Errorf("%w: server_max_window_bits=%d above the %d offered",
				ErrUnsupported, o.serverMaxWindowBits, cfg.ServerMaxWindowBits)
		}
		p.ServerMaxWindowBits = o.serverMaxWindowBits
	}
	// A server that does not echo server_max_window_bits has promised nothing smaller
	// (§7.1.2.1): ServerMaxWindowBits stays 15 and the inflate window holds 32 KiB.
	if o.clientMaxWindowBitsSet {
		// Offer always includes client_max_window_bits (§7.1.2.2 would otherwise forbid
		// it here); any value 8-15 is honoured.
		p.ClientMaxWindowBits = o.clientMaxWindowBits
	}
	return p, nil
}
