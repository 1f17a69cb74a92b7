package handshake

// Header-syntax helpers shared by the http.Request path, the raw path and the client.
// They work on string and []byte alike so that the raw path can inspect bytes still in the
// bufio.Reader's buffer without copying them.

type text interface{ ~string | ~[]byte }

// trimOWS strips optional whitespace (SP / HTAB, RFC 7230 §3.2.3) from both ends.
func trimOWS[T text](s T) T {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	return s[i:j]
}

// equalFold reports whether s equals the lower-case ASCII string lower, ignoring ASCII case.
func equalFold[T text](s T, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// hasToken reports whether the comma-separated list v (RFC 7230 §7) contains the token
// lower, compared ASCII case-insensitively (RFC 6455 §4.2.1 items 3 and 4).
func hasToken[T text](v T, lower string) bool {
	for len(v) > 0 {
		i := 0
		for i < len(v) && v[i] != ',' {
			i++
		}
		if equalFold(trimOWS(v[:i]), lower) {
			return true
		}
		if i == len(v) {
			break
		}
		v = v[i+1:]
	}
	return false
}

// anyHasToken is hasToken over the values of a repeated header field.
func anyHasToken(values []string, lower string) bool {
	for _, v := range values {
		if hasToken(v, lower) {
			return true
		}
	}
	return false
}

// isTokenOf is isToken for either text type.
func isTokenOf[T text](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tcharTable[s[i]] {
			return false
		}
	}
	return true
}

// validFieldValue reports whether v may appear as a header field value: no control
// characters other than HTAB (RFC 7230 §3.2: field-content is VCHAR / obs-text with SP and
// HTAB between). Rejecting CR, LF and NUL is what stops header injection.
func validFieldValue[T text](v T) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < 0x20 && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
