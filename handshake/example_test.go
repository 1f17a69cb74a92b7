package handshake_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/duplexws/duplex/handshake"
)

func ExampleAcceptKey() {
	// The sample of RFC 6455 §1.3.
	fmt.Println(handshake.AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="))
	// Output: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=
}

func ExampleParseExtensions() {
	exts, err := handshake.ParseExtensions([]string{
		`permessage-deflate; client_max_window_bits, permessage-deflate; server_max_window_bits="10"`,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range exts {
		fmt.Println(e.Name, len(e.Params), e)
	}
	// Output:
	// permessage-deflate 1 permessage-deflate; client_max_window_bits
	// permessage-deflate 1 permessage-deflate; server_max_window_bits=10
}

// CheckRequest on the net/http path: a failure carries the status and headers to answer with.
func ExampleCheckRequest() {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := handshake.CheckRequest(r, nil)
		var he *handshake.Error
		if errors.As(err, &he) {
			he.Respond(w)
			return
		}
		// Here a server would hijack the connection and call WriteResponse.
		fmt.Println("upgrade for", req.URI)
	})

	plain := httptest.NewRequest("GET", "/chat", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, plain)
	fmt.Println(rec.Code, rec.Header().Get("Upgrade"), rec.Header().Get("Sec-WebSocket-Version"))

	ws := httptest.NewRequest("GET", "/chat", nil)
	ws.Header.Set("Upgrade", "websocket")
	ws.Header.Set("Connection", "Upgrade")
	ws.Header.Set("Sec-WebSocket-Version", "13")
	ws.Header.Set("Sec-WebSocket-Key", handshake.NewKey())
	h.ServeHTTP(httptest.NewRecorder(), ws)
	// Output:
	// 426 websocket 13
	// upgrade for /chat
}

// The raw path on a net.Conn, with the read deadline that bounds the time a client may
// take, and the client side of the same handshake.
func ExampleReadRequest() {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()

	done := make(chan struct{})
	go func() { // server
		defer close(done)
		server.SetReadDeadline(time.Now().Add(10 * time.Second)) // bound the handshake
		br := bufio.NewReader(server)
		req, err := handshake.ReadRequest(br, nil)
		var he *handshake.Error
		if errors.As(err, &he) {
			he.WriteRaw(server)
			return
		} else if err != nil {
			return // I/O failure: just close
		}
		server.SetReadDeadline(time.Time{})
		resp := &handshake.Response{Protocol: req.SelectProtocol([]string{"v2", "v1"})}
		handshake.WriteResponse(server, req.Key, resp)
		// br now goes to the connection, with any bytes read past the handshake.
	}()

	offer := &handshake.Offer{Key: handshake.NewKey(), Protocols: []string{"v1", "v2"}}
	r, err := handshake.NewRequest(context.Background(), "ws://example.com/chat", offer)
	if err != nil {
		fmt.Println(err)
		return
	}
	client.Write(handshake.AppendRequest(nil, r))
	resp, err := http.ReadResponse(bufio.NewReader(client), r)
	if err != nil {
		fmt.Println(err)
		return
	}
	agreed, err := handshake.VerifyResponse(resp, offer)
	fmt.Println(resp.StatusCode, agreed.Protocol, err)
	<-done
	// Output: 101 v2 <nil>
}

func ExampleOriginPolicy() {
	p := &handshake.OriginPolicy{Allow: []string{"*.example.com", "localhost:*"}}
	for _, origin := range []string{"", "https://example.org", "https://app.example.com",
		"http://localhost:3000", "https://evil.test"} {
		err := p.Check(origin, "example.org")
		fmt.Printf("%q allowed=%v\n", origin, err == nil)
	}
	// Output:
	// "" allowed=true
	// "https://example.org" allowed=true
	// "https://app.example.com" allowed=true
	// "http://localhost:3000" allowed=true
	// "https://evil.test" allowed=false
}
