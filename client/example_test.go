package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/duplexws/duplex/client"
	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/handshake"
)

// echoHandler is a minimal echo endpoint built from package handshake and conn.New; real
// servers use package server.
func echoHandler(wg *sync.WaitGroup) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := handshake.CheckRequest(r, nil)
		var he *handshake.Error
		if errors.As(err, &he) {
			he.Respond(w)
			return
		}
		nc, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		resp := &handshake.Response{Protocol: req.SelectProtocol([]string{"echo"})}
		if handshake.WriteResponse(nc, req.Key, resp) != nil {
			nc.Close()
			return
		}
		c := conn.New(nc, brw.Reader, conn.Server, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.CloseNow()
			for {
				typ, msg, err := c.ReadMessage(context.Background(), nil)
				if err != nil || c.WriteMessage(context.Background(), typ, msg) != nil {
					return
				}
			}
		}()
	})
}

func ExampleDial() {
	var wg sync.WaitGroup
	srv := httptest.NewServer(echoHandler(&wg))
	defer func() { srv.Close(); wg.Wait() }()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") // ws://127.0.0.1:port
	c, resp, err := client.Dial(ctx, url, &client.Options{Subprotocols: []string{"echo"}})
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Sec-WebSocket-Protocol"))

	if err := c.WriteMessage(ctx, conn.Text, []byte("hello")); err != nil {
		fmt.Println("write:", err)
		return
	}
	typ, msg, err := c.ReadMessage(ctx, nil)
	fmt.Println(typ, string(msg), err)
	fmt.Println(c.Close(frame.CloseNormal, "bye"))
	// Output:
	// 101 echo
	// text hello <nil>
	// <nil>
}

// A handshake the server refuses comes back with its response for inspection.
func ExampleDial_refused() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "login first", http.StatusUnauthorized)
	}))
	defer srv.Close()

	_, resp, err := client.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	fmt.Println(errors.Is(err, handshake.ErrStatus), resp.StatusCode)
	// Output: true 401
}
