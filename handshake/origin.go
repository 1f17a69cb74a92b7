package handshake

import (
	"strings"
)

// OriginPolicy decides which Origin header values a server accepts (RFC 6455 §4.2.2 item 4,
// §10.2; RFC 6454).
//
// Why: browsers attach the user's cookies and HTTP authentication to a WebSocket handshake
// whatever page opened it, and the same-origin policy does not apply to WebSockets. Without
// an Origin check, a page on evil.example can open a socket to your server with the
// victim's session and read and send messages as them (cross-site WebSocket hijacking).
// Browsers always send Origin, so checking it stops this; non-browser clients usually send
// none, cannot be made to carry a victim's cookies, and are allowed.
//
// The zero value allows requests without an Origin and requests whose Origin's host[:port]
// equals the request's Host, ASCII case-insensitively (same host; a port left out on either
// side is the default port of the Origin's scheme). Allow adds patterns;
// AllowAll turns the check off.
type OriginPolicy struct {
	// AllowAll accepts every Origin. Use it only when the endpoint does not rely on
	// cookies or HTTP authentication (or checks a token in the request itself).
	AllowAll bool

	// Allow lists additional origins to accept, besides same host. Each pattern is
	// [scheme://]host[:port], compared ASCII case-insensitively:
	//   - scheme, when given, must equal the Origin's scheme ("https://app.example.com");
	//   - host is a name or IP literal, "*.example.com" (any subdomain of example.com, at
	//     any depth, but not example.com itself), or "*" (any host);
	//   - port, when given, must equal the Origin's port ("localhost:8080"), or be "*" for
	//     any port or none ("localhost:*"); without a port the Origin must not carry an
	//     explicit port other than its scheme's default (80 for http, 443 for https).
	// The Origin "null" (sandboxed frames, file: pages) matches no pattern.
	Allow []string
}

// Check reports whether a request with the given Origin header value and Host may proceed.
// It returns nil or an *Error with status 403 wrapping ErrOrigin. An empty origin (no Origin
// header) is allowed.
func (p *OriginPolicy) Check(origin, host string) error {
	if origin == "" || p != nil && p.AllowAll {
		return nil
	}
	if p.allowed(origin, host) {
		return nil
	}
	return newError(403, ErrOrigin, "origin not allowed")
}

func (p *OriginPolicy) allowed(origin, host string) bool {
	scheme, authority, ok := splitOrigin(origin)
	if !ok {
		return false
	}
	ohost, oport := splitHostPort(authority)
	if host != "" && sameHost(scheme, ohost, oport, host) {
		return true
	}
	if p == nil {
		return false
	}
	for _, pat := range p.Allow {
		if matchOrigin(pat, scheme, ohost, oport) {
			return true
		}
	}
	return false
}

// sameHost reports whether the Origin's host and port equal the request's Host, ASCII
// case-insensitively, a missing port on either side meaning the default port of the
// Origin's scheme ("https://example.com" matches Host "example.com:443").
func sameHost(scheme, ohost, oport, host string) bool {
	hhost, hport := splitHostPort(host)
	if ohost == "" || !strings.EqualFold(ohost, hhost) {
		return false
	}
	if oport == "" {
		oport = defaultPort(scheme)
	}
	if hport == "" {
		hport = defaultPort(scheme)
	}
	return oport == hport
}

// splitOrigin splits a serialized origin "scheme://host[:port]" (RFC 6454 §6.2). Anything
// else, including "null", a path, or userinfo, is not an origin a pattern can match.
func splitOrigin(origin string) (scheme, authority string, ok bool) {
	i := strings.Index(origin, "://")
	if i <= 0 {
		return "", "", false
	}
	scheme, authority = origin[:i], origin[i+3:]
	if authority == "" || strings.ContainsAny(authority, "/?#@ \t") {
		return "", "", false
	}
	return scheme, authority, true
}

// splitHostPort splits host[:port], with IPv6 literals in brackets. port is "" when absent.
func splitHostPort(hp string) (host, port string) {
	if strings.HasPrefix(hp, "[") {
		if i := strings.IndexByte(hp, ']'); i > 0 {
			host, rest := hp[:i+1], hp[i+1:]
			if strings.HasPrefix(rest, ":") {
				return host, rest[1:]
			}
			return host, ""
		}
		return hp, ""
	}
	if i := strings.LastIndexByte(hp, ':'); i >= 0 {
		return hp[:i], hp[i+1:]
	}
	return hp, ""
}

func defaultPort(scheme string) string {
	switch {
	case strings.EqualFold(scheme, "http"), strings.EqualFold(scheme, "ws"):
		return "80"
	case strings.EqualFold(scheme, "https"), strings.EqualFold(scheme, "wss"):
		return "443"
	}
	return ""
}

func matchOrigin(pat, scheme, host, port string) bool {
	if i := strings.Index(pat, "://"); i >= 0 {
		if !strings.EqualFold(pat[:i], scheme) {
			return false
		}
		pat = pat[i+3:]
	}
	phost, pport := splitHostPort(pat)
	switch {
	case pport == "*":
	case pport == "":
		if port != "" && port != defaultPort(scheme) {
			return false
		}
	default:
		eff := port
		if eff == "" {
			eff = defaultPort(scheme)
		}
		if pport != eff {
			return false
		}
	}
	switch {
	case phost == "*":
		return true
	case strings.HasPrefix(phost, "*."):
		suffix := phost[1:] // ".example.com"
		return len(host) > len(suffix) && strings.EqualFold(host[len(host)-len(suffix):], suffix)
	default:
		return strings.EqualFold(phost, host)
	}
}
