package handshake

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sampleKey = "dGhlIHNhbXBsZSBub25jZQ==" // RFC 6455 §1.3

// rawRequest joins a request line and header lines with CRLF and ends the header block.
func rawRequest(requestLine string, fields ...string) string {
	var b strings.Builder
	b.WriteString(requestLine)
	b.WriteString("\r\n")
	for _, f := range fields {
		b.WriteString(f)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// baseFields are a minimal valid client handshake's header fields (RFC 6455 §4.1).
func baseFields(extra ...string) []string {
	return append([]string{
		"Host: example.com",
		"Upgrade: websocket",
		"Connection: Upgrade",
		"Sec-WebSocket-Key: " + sampleKey,
		"Sec-WebSocket-Version: 13",
	}, extra...)
}

// without returns fields minus those whose name (before ':') equals name, case-insensitively.
func without(fields []string, name string) []string {
	var out []string
	for _, f := range fields {
		if n, _, _ := strings.Cut(f, ":"); !strings.EqualFold(n, name) {
			out = append(out, f)
		}
	}
	return out
}

func replace(fields []string, name, value string) []string {
	return append(without(fields, name), name+": "+value)
}

// requestCase is shared by the net/http path (CheckRequest on a request parsed by
// http.ReadRequest) and the raw path (ReadRequest), which must agree.
type requestCase struct {
	name    string
	line    string
	fields  []string
	cfg     *Config
	status  int   // 0: accepted
	err     error // sentinel for errors.Is
	header  http.Header
	protos  []string
	exts    []Extension
	origin  string
	wantURI string
}

func requestCases() []requestCase {
	base := baseFields()
	get := "GET /chat?x=1 HTTP/1.1"
	return []requestCase{
		{name: "minimal valid (RFC 6455 §4.1)", line: get, fields: base, wantURI: "/chat?x=1"},
		{name: "Connection list keep-alive, Upgrade (RFC 6455 §4.2.1 item 4)", line: get,
			fields: replace(base, "Connection", "keep-alive, Upgrade"), wantURI: "/chat?x=1"},
		{name: "tokens case-insensitive (RFC 6455 §4.2.1 items 3, 4)", line: get,
			fields: replace(replace(base, "Connection", "UPGRADE"), "Upgrade", "WebSocket"), wantURI: "/chat?x=1"},
		{name: "header names case-insensitive (RFC 7230 §3.2)", line: get,
			fields: []string{"host: example.com", "UPGRADE: websocket", "connection: upgrade",
				"sec-websocket-key: " + sampleKey, "SEC-WEBSOCKET-VERSION: 13"}, wantURI: "/chat?x=1"},
		{name: "Upgrade list with websocket", line: get,
			fields: replace(base, "Upgrade", "foo/1, websocket"), wantURI: "/chat?x=1"},
		{name: "HTTP/1.2 is 1.1 or later", line: "GET / HTTP/1.2", fields: base, wantURI: "/"},
		{name: "405 POST (RFC 6455 §4.1 item 2, RFC 7231 §6.5.5 Allow)", line: "POST / HTTP/1.1",
			fields: base, status: 405, err: ErrMethod, header: http.Header{"Allow": {"GET"}}},
		{name: "405 lower-case get (methods are case-sensitive)", line: "get / HTTP/1.1",
			fields: base, status: 405, err: ErrMethod},
		{name: "400 HTTP/1.0 (RFC 6455 §4.2.1 item 1)", line: "GET / HTTP/1.0", fields: base,
			status: 400, err: ErrHTTPVersion},
		{name: "400 missing Host (RFC 6455 §4.2.1 item 2, RFC 7230 §5.4)", line: get,
			fields: without(base, "Host"), status: 400, err: ErrHost},
		{name: "426 no Upgrade (RFC 6455 §4.2.1 item 3)", line: get, fields: without(base, "Upgrade"),
			status: 426, err: ErrNotUpgrade, header: upgradeRequired()},
		{name: "426 Upgrade h2c", line: get, fields: replace(base, "Upgrade", "h2c"),
			status: 426, err: ErrNotUpgrade},
		{name: "426 Connection without upgrade token (RFC 6455 §4.2.1 item 4)", line: get,
			fields: replace(base, "Connection", "keep-alive"), status: 426, err: ErrNotUpgrade},
		{name: "426 Connection token must be whole: upgrades", line: get,
			fields: replace(base, "Connection", "upgrades"), status: 426, err: ErrNotUpgrade},
		{name: "426 version 8 (RFC 6455 §4.2.2, §4.4)", line: get,
			fields: replace(base, "Sec-WebSocket-Version", "8"), status: 426, err: ErrVersion,
			header: upgradeRequired()},
		{name: "426 version missing (RFC 6455 §4.2.1 item 6)", line: get,
			fields: without(base, "Sec-WebSocket-Version"), status: 426, err: ErrVersion},
		{name: "400 version repeated (RFC 6455 §11.3.5)", line: get,
			fields: append(baseFields(), "Sec-WebSocket-Version: 13"), status: 400, err: ErrMalformed},
		{name: "400 key missing (RFC 6455 §4.2.1 item 5)", line: get,
			fields: without(base, "Sec-WebSocket-Key"), status: 400, err: ErrKey},
		{name: "400 key not base64", line: get,
			fields: replace(base, "Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!=="), status: 400, err: ErrKey},
		{name: "400 key of 15 bytes", line: get,
			fields: replace(base, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA"), status: 400, err: ErrKey},
		{name: "400 key of 17 bytes", line: get,
			fields: replace(base, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA="), status: 400, err: ErrKey},
		{name: "400 key repeated (RFC 6455 §11.3.1)", line: get,
			fields: append(baseFields(), "Sec-WebSocket-Key: "+sampleKey), status: 400, err: ErrKey},
		{name: "no Origin allowed (non-browser client)", line: get, fields: base, wantURI: "/chat?x=1"},
		{name: "same-host Origin allowed, case-insensitive", line: get,
			fields: baseFields("Origin: https://EXAMPLE.com"), origin: "https://EXAMPLE.com", wantURI: "/chat?x=1"},
		{name: "403 cross-site Origin (RFC 6455 §10.2)", line: get,
			fields: baseFields("Origin: https://evil.example"), status: 403, err: ErrOrigin},
		{name: "403 same host, other port", line: get,
			fields: baseFields("Origin: http://example.com:8080"), status: 403, err: ErrOrigin},
		{name: "Origin in allow-list", line: get, fields: baseFields("Origin: https://app.other.org"),
			cfg: &Config{Origin: OriginPolicy{Allow: []string{"*.other.org"}}}, origin: "https://app.other.org",
			wantURI: "/chat?x=1"},
		{name: "AllowAll", line: get, fields: baseFields("Origin: https://evil.example"),
			cfg: &Config{Origin: OriginPolicy{AllowAll: true}}, origin: "https://evil.example", wantURI: "/chat?x=1"},
		{name: "400 Origin repeated (RFC 6454 §7.3)", line: get,
			fields: baseFields("Origin: https://example.com", "Origin: https://example.com"), status: 400, err: ErrMalformed},
		{name: "400 body", line: get, fields: baseFields("Content-Length: 5"), status: 400, err: ErrBody},
		{name: "Content-Length: 0 is no body", line: get, fields: baseFields("Content-Length: 0"), wantURI: "/chat?x=1"},
		{name: "subprotocols from several fields, in order (RFC 6455 §4.1 item 10)", line: get,
			fields: baseFields("Sec-WebSocket-Protocol: chat, superchat", "Sec-WebSocket-Protocol: v2.json"),
			protos: []string{"chat", "superchat", "v2.json"}, wantURI: "/chat?x=1"},
		{name: "400 subprotocol not a token (RFC 6455 §4.1 item 10)", line: get,
			fields: baseFields("Sec-WebSocket-Protocol: chat, a/b"), status: 400, err: ErrProtocolSyntax},
		{name: "extension offers parsed (RFC 6455 §9.1)", line: get,
			fields:  baseFields("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"),
			exts:    []Extension{{Name: "permessage-deflate", Params: []Param{{Name: "client_max_window_bits"}}}},
			wantURI: "/chat?x=1"},
		{name: "400 malformed extensions", line: get,
			fields: baseFields("Sec-WebSocket-Extensions: permessage-deflate;;"), status: 400, err: ErrExtensionSyntax},
	}
}

func checkResult(t *testing.T, tc requestCase, got Request, err error) {
	t.Helper()
	if tc.status == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		want := Request{URI: tc.wantURI, Host: "example.com", Key: sampleKey, Origin: tc.origin,
			Protocols: tc.protos, Extensions: tc.exts}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("request mismatch (-want +got):\n%s", diff)
		}
		return
	}
	var he *Error
	if !errors.As(err, &he) {
		t.Fatalf("err = %v, want *Error with status %d", err, tc.status)
	}
	if he.Status != tc.status {
		t.Errorf("status = %d, want %d (%v)", he.Status, tc.status, err)
	}
	if tc.err != nil && !errors.Is(err, tc.err) {
		t.Errorf("err = %v, want errors.Is %v", err, tc.err)
	}
	if tc.header != nil {
		if diff := cmp.Diff(tc.header, he.Header); diff != "" {
			t.Errorf("error header mismatch (-want +got):\n%s", diff)
		}
	}
	if he.Reason == "" {
		t.Error("empty Reason")
	}
}

func TestCheckRequest(t *testing.T) {
	for _, tc := range requestCases() {
		t.Run(tc.name, func(t *testing.T) {
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(rawRequest(tc.line, tc.fields...))))
			if err != nil {
				t.Fatalf("net/http cannot parse the test request: %v", err)
			}
			got, err := CheckRequest(r, tc.cfg)
			checkResult(t, tc, got, err)
		})
	}
}

func TestReadRequest(t *testing.T) {
	for _, tc := range requestCases() {
		t.Run(tc.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(rawRequest(tc.line, tc.fields...)))
			got, err := ReadRequest(br, tc.cfg)
			checkResult(t, tc, got, err)
		})
	}
}

func TestReadRequestRaw(t *testing.T) {
	valid := rawRequest("GET / HTTP/1.1", baseFields()...)
	many := baseFields()
	for len(many) < 10 {
		many = append(many, "X-Filler: 1")
	}
	tests := []struct {
		name   string
		in     string
		cfg    *Config
		size   int // bufio size, 0 = default
		status int
		err    error
	}{
		{name: "valid", in: valid},
		{name: "leading empty line ignored (RFC 7230 §3.5)", in: "\r\n" + valid},
		{name: "bare LF line ends (RFC 7230 §3.5)", in: strings.ReplaceAll(valid, "\r\n", "\n")},
		{name: "lines longer than the reader's buffer", in: rawRequest("GET /"+strings.Repeat("a", 100)+" HTTP/1.1",
			baseFields("Cookie: "+strings.Repeat("c", 300))...), size: 16},
		{name: "400 obs-fold (RFC 7230 §3.2.4)", in: rawRequest("GET / HTTP/1.1",
			baseFields("X-A: 1", " folded")...), status: 400, err: ErrMalformed},
		{name: "400 space before colon (RFC 7230 §3.2.4)", in: rawRequest("GET / HTTP/1.1",
			baseFields("X-A : 1")...), status: 400, err: ErrMalformed},
		{name: "400 no colon", in: rawRequest("GET / HTTP/1.1", baseFields("nocolon")...), status: 400},
		{name: "400 NUL in value", in: rawRequest("GET / HTTP/1.1", baseFields("X-A: a\x00b")...), status: 400},
		{name: "400 CR in value", in: rawRequest("GET / HTTP/1.1", baseFields("X-A: a\rb")...), status: 400},
		{name: "400 request line without version", in: rawRequest("GET /", baseFields()...), status: 400},
		{name: "400 request line bad version", in: rawRequest("GET / HTTP/11", baseFields()...), status: 400},
		{name: "400 request line extra space", in: rawRequest("GET  / HTTP/1.1", baseFields()...), status: 400},
		{name: "400 repeated Host (RFC 7230 §5.4)", in: rawRequest("GET / HTTP/1.1",
			baseFields("Host: other.example")...), status: 400, err: ErrHost},
		{name: "400 Transfer-Encoding", in: rawRequest("GET / HTTP/1.1",
			baseFields("Transfer-Encoding: chunked")...), status: 400, err: ErrBody},
		{name: "431 too many fields", in: rawRequest("GET / HTTP/1.1", many...),
			cfg: &Config{MaxHeaders: 9}, status: 431, err: ErrHeaderTooLarge},
		{name: "10 fields within MaxHeaders 10", in: rawRequest("GET / HTTP/1.1", many...),
			cfg: &Config{MaxHeaders: 10}},
		{name: "431 header bytes over the limit", in: rawRequest("GET / HTTP/1.1",
			baseFields("Cookie: "+strings.Repeat("c", 600))...), cfg: &Config{MaxHeaderBytes: 512},
			status: 431, err: ErrHeaderTooLarge},
		{name: "431 over the limit with a small reader buffer", in: rawRequest("GET / HTTP/1.1",
			baseFields("Cookie: "+strings.Repeat("c", 600))...), cfg: &Config{MaxHeaderBytes: 512}, size: 16,
			status: 431, err: ErrHeaderTooLarge},
		{name: "414 request line over the limit", in: rawRequest("GET /"+strings.Repeat("a", 600)+" HTTP/1.1",
			baseFields()...), cfg: &Config{MaxHeaderBytes: 512}, status: 414, err: ErrURITooLong},
		{name: "default limit 16 KiB", in: rawRequest("GET / HTTP/1.1",
			baseFields("Cookie: "+strings.Repeat("c", DefaultMaxHeaderBytes))...), status: 431},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var br *bufio.Reader
			if tt.size > 0 {
				br = bufio.NewReaderSize(strings.NewReader(tt.in), tt.size)
			} else {
				br = bufio.NewReader(strings.NewReader(tt.in))
			}
			req, err := ReadRequest(br, tt.cfg)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if req.Key != sampleKey || req.Host != "example.com" {
					t.Errorf("got key %q host %q", req.Key, req.Host)
				}
				return
			}
			var he *Error
			if !errors.As(err, &he) || he.Status != tt.status {
				t.Fatalf("err = %v, want *Error status %d", err, tt.status)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("err = %v, want %v", err, tt.err)
			}
		})
	}
}

func TestReadRequestIOErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"closed before any byte", "", io.EOF},
		{"truncated request line", "GET / HT", io.ErrUnexpectedEOF},
		{"truncated header", "GET / HTTP/1.1\r\nHost: a\r\nUpgr", io.ErrUnexpectedEOF},
		{"no empty line", "GET / HTTP/1.1\r\nHost: a\r\n", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadRequest(bufio.NewReader(strings.NewReader(tt.in)), nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var he *Error
			if errors.As(err, &he) {
				t.Errorf("I/O failure reported as *Error %v", he)
			}
		})
	}
}

func TestReadRequestKeepsTrailingBytes(t *testing.T) {
	in := rawRequest("GET / HTTP/1.1", baseFields()...) + "\x81\x85frame"
	br := bufio.NewReader(strings.NewReader(in))
	if _, err := ReadRequest(br, nil); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(br)
	if string(rest) != "\x81\x85frame" {
		t.Errorf("bytes after the handshake = %q, want the frame bytes", rest)
	}
}

func TestReadRequestOnHeader(t *testing.T) {
	in := rawRequest("GET / HTTP/1.1", baseFields("Cookie:  session=abc  ", "Authorization: no")...)
	t.Run("sees every field trimmed", func(t *testing.T) {
		var got []string
		cfg := &Config{OnHeader: func(name, value []byte) error {
			got = append(got, string(name)+"="+string(value))
			return nil
		}}
		if _, err := ReadRequest(bufio.NewReader(strings.NewReader(in)), cfg); err != nil {
			t.Fatal(err)
		}
		want := []string{"Host=example.com", "Upgrade=websocket", "Connection=Upgrade",
			"Sec-WebSocket-Key=" + sampleKey, "Sec-WebSocket-Version=13", "Cookie=session=abc", "Authorization=no"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("OnHeader calls (-want +got):\n%s", diff)
		}
	})
	t.Run("*Error answered as is", func(t *testing.T) {
		cfg := &Config{OnHeader: func(name, value []byte) error {
			if string(name) == "Authorization" {
				return &Error{Status: 401, Reason: "bad credentials"}
			}
			return nil
		}}
		_, err := ReadRequest(bufio.NewReader(strings.NewReader(in)), cfg)
		var he *Error
		if !errors.As(err, &he) || he.Status != 401 {
			t.Fatalf("err = %v, want status 401", err)
		}
	})
	t.Run("other error is 400 and wrapped", func(t *testing.T) {
		boom := errors.New("boom")
		cfg := &Config{OnHeader: func(name, value []byte) error { return boom }}
		_, err := ReadRequest(bufio.NewReader(strings.NewReader(in)), cfg)
		var he *Error
		if !errors.As(err, &he) || he.Status != 400 || !errors.Is(err, boom) {
			t.Fatalf("err = %v, want status 400 wrapping boom", err)
		}
	})
}

func TestIsUpgrade(t *testing.T) {
	tests := []struct {
		name   string
		method string
		fields []string
		want   bool
	}{
		{"websocket GET", "GET", baseFields(), true},
		{"keep-alive, Upgrade", "GET", replace(baseFields(), "Connection", "keep-alive, Upgrade"), true},
		{"POST", "POST", baseFields(), false},
		{"plain GET", "GET", []string{"Host: example.com"}, false},
		{"no Connection token", "GET", without(baseFields(), "Connection"), false},
		{"no Upgrade", "GET", without(baseFields(), "Upgrade"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(rawRequest(tt.method+" / HTTP/1.1", tt.fields...))))
			if err != nil {
				t.Fatal(err)
			}
			if got := IsUpgrade(r); got != tt.want {
				t.Errorf("IsUpgrade = %v, want %v", got, tt.want)
			}
			if allocs := testing.AllocsPerRun(50, func() { IsUpgrade(r) }); allocs != 0 {
				t.Errorf("IsUpgrade allocs = %v, want 0", allocs)
			}
		})
	}
}

func TestSelectProtocol(t *testing.T) {
	tests := []struct {
		name      string
		offered   []string
		supported []string
		want      string
	}{
		{"server preference wins", []string{"a", "b", "c"}, []string{"c", "b"}, "c"},
		{"none offered", nil, []string{"a"}, ""},
		{"none supported", []string{"a"}, nil, ""},
		{"no overlap", []string{"a"}, []string{"b"}, ""},
		{"exact, case-sensitive", []string{"Chat"}, []string{"chat"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Request{Protocols: tt.offered}
			if got := r.SelectProtocol(tt.supported); got != tt.want {
				t.Errorf("SelectProtocol = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAppendResponse(t *testing.T) {
	tests := []struct {
		name string
		resp *Response
		want string
	}{
		{"RFC 6455 §1.3 sample, nil response", nil, "HTTP/1.1 101 Switching Protocols\r\n" +
			"Upgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"},
		{"protocol and extensions (RFC 6455 §4.2.2 item 5)", &Response{Protocol: "chat",
			Extensions: []Extension{{Name: "permessage-deflate", Params: []Param{{Name: "server_no_context_takeover"}}}}},
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat\r\n" +
				"Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n\r\n"},
		{"extra header sorted, reserved skipped, injection neutralised", &Response{Header: http.Header{
			"Set-Cookie": {"a=1\r\nX-Evil: 1"}, "Upgrade": {"h2c"}, "Sec-Websocket-Accept": {"x"},
			"Bad Name": {"v"}, "A": {"1", "2"}}},
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
				"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nA: 1\r\nA: 2\r\n" +
				"Set-Cookie: a=1  X-Evil: 1\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(AppendResponse(nil, sampleKey, tt.resp))
			if got != tt.want {
				t.Errorf("AppendResponse =\n%q\nwant\n%q", got, tt.want)
			}
			var sb strings.Builder
			if err := WriteResponse(&sb, sampleKey, tt.resp); err != nil || sb.String() != tt.want {
				t.Errorf("WriteResponse = %q, %v", sb.String(), err)
			}
		})
	}
}

func TestAppendResponseAllocs(t *testing.T) {
	dst := make([]byte, 0, 512)
	resp := &Response{Protocol: "chat", Extensions: []Extension{{Name: "permessage-deflate"}}}
	if a := testing.AllocsPerRun(100, func() { dst = AppendResponse(dst[:0], sampleKey, resp) }); a != 0 {
		t.Errorf("AppendResponse allocs = %v, want 0", a)
	}
}

func TestErrorResponses(t *testing.T) {
	for _, tc := range requestCases() {
		if tc.status == 0 {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadRequest(bufio.NewReader(strings.NewReader(rawRequest(tc.line, tc.fields...))), tc.cfg)
			var he *Error
			if !errors.As(err, &he) {
				t.Fatalf("err = %v", err)
			}
			// Raw form: a complete HTTP response net/http can read.
			var sb strings.Builder
			if err := he.WriteRaw(&sb); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(strings.NewReader(sb.String())), nil)
			if err != nil {
				t.Fatalf("raw error response unreadable: %v\n%q", err, sb.String())
			}
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || string(body) != he.Reason+"\n" || !resp.Close {
				t.Errorf("raw response: status %d body %q close %v", resp.StatusCode, body, resp.Close)
			}
			for k, vs := range he.Header {
				if k == "Connection" {
					continue
				}
				if diff := cmp.Diff(vs, resp.Header[k]); diff != "" {
					t.Errorf("raw header %s (-want +got):\n%s", k, diff)
				}
			}
			// net/http form.
			rec := httptest.NewRecorder()
			he.Respond(rec)
			if rec.Code != tc.status || rec.Body.String() != he.Reason+"\n" {
				t.Errorf("Respond: code %d body %q", rec.Code, rec.Body.String())
			}
			for k, vs := range he.Header {
				if diff := cmp.Diff(vs, rec.Header()[k]); diff != "" {
					t.Errorf("Respond header %s (-want +got):\n%s", k, diff)
				}
			}
		})
	}
}

func TestErrorHeaderNotShared(t *testing.T) {
	_, err := ReadRequest(bufio.NewReader(strings.NewReader(rawRequest("POST / HTTP/1.1", baseFields()...))), nil)
	var he *Error
	if !errors.As(err, &he) {
		t.Fatal(err)
	}
	he.Header.Set("Allow", "mutated")
	_, err = ReadRequest(bufio.NewReader(strings.NewReader(rawRequest("POST / HTTP/1.1", baseFields()...))), nil)
	if !errors.As(err, &he) || he.Header.Get("Allow") != "GET" {
		t.Errorf("mutating one Error's Header changed the next: %v", he.Header)
	}
}

func TestReadRequestAllocs(t *testing.T) {
	in := rawRequest("GET /chat HTTP/1.1", baseFields("Origin: http://example.com", "User-Agent: test")...)
	sr := strings.NewReader(in)
	br := bufio.NewReader(sr)
	allocs := testing.AllocsPerRun(100, func() {
		sr.Reset(in)
		br.Reset(sr)
		if _, err := ReadRequest(br, nil); err != nil {
			t.Fatal(err)
		}
	})
	// One string holding URI, Host, Key and Origin.
	if allocs > 1 {
		t.Errorf("ReadRequest allocs = %v, want <= 1", allocs)
	}
}

func TestBrowserRequests(t *testing.T) {
	firefox := rawRequest("GET /ws HTTP/1.1", "Host: localhost:8080", "User-Agent: Mozilla/5.0 Firefox/121.0",
		"Accept: */*", "Accept-Language: en-US,en;q=0.5", "Accept-Encoding: gzip, deflate, br",
		"Sec-WebSocket-Version: 13", "Origin: http://localhost:8080",
		"Sec-WebSocket-Extensions: permessage-deflate", "Sec-WebSocket-Key: "+sampleKey,
		"Connection: keep-alive, Upgrade", "Sec-Fetch-Mode: websocket", "Pragma: no-cache",
		"Cache-Control: no-cache", "Upgrade: websocket")
	for name, in := range map[string]string{"chrome": benchRequest, "firefox": firefox} {
		t.Run(name, func(t *testing.T) {
			got, err := ReadRequest(bufio.NewReader(strings.NewReader(in)), nil)
			if err != nil {
				t.Fatalf("same-origin browser request refused: %v", err)
			}
			if len(got.Extensions) != 1 || got.Extensions[0].Name != "permessage-deflate" || got.Key != sampleKey {
				t.Errorf("got %+v", got)
			}
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(in)))
			if err != nil {
				t.Fatal(err)
			}
			viaHTTP, err := CheckRequest(r, nil)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, viaHTTP); diff != "" {
				t.Errorf("raw and net/http paths disagree (-raw +http):\n%s", diff)
			}
		})
	}
}

func TestManyProtocolFields(t *testing.T) {
	fields := baseFields()
	var want []string
	for i := range 6 { // more than the inline capacity of the raw path
		p := "p" + strings.Repeat("x", i)
		fields = append(fields, "Sec-WebSocket-Protocol: "+p)
		want = append(want, p)
	}
	got, err := ReadRequest(bufio.NewReader(strings.NewReader(rawRequest("GET / HTTP/1.1", fields...))), nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got.Protocols); diff != "" {
		t.Errorf("protocols (-want +got):\n%s", diff)
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Status: 426, Reason: "Sec-WebSocket-Version: 13 required", Err: ErrVersion}
	if got, want := e.Error(), "handshake: 426 Upgrade Required: Sec-WebSocket-Version: 13 required"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(e, ErrVersion) {
		t.Error("errors.Is(e, ErrVersion) = false")
	}
}
