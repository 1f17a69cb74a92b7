package server_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/duplexws/duplex/client"
	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/server"
)

// The echo server: every message comes back with its type.
func Example() {
	echo := server.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := server.FromRequest(r)
		for m := range c.Messages() {
			// SendContext waits while the peer is slow to read (Send would cut it off).
			if c.SendContext(c.Context(), m.Type, m.Data) != nil {
				return
			}
		}
	}), nil)
	srv := httptest.NewServer(echo) // or http.ListenAndServe(":8080", echo)
	defer srv.Close()

	ws := dial(srv.URL)
	ws.WriteMessage(context.Background(), conn.Text, []byte("hello"))
	_, p, _ := ws.ReadMessage(context.Background(), nil)
	fmt.Printf("%s\n", p)
	ws.Close(server.CloseNormal, "")
	// Output: hello
}

// A dwebsocket-style view: one route answers plain HTTP (GET /?message=...) and WebSocket.
func ExampleAccept() {
	view := func(w http.ResponseWriter, r *http.Request) {
		c := server.FromRequest(r) // nil for plain HTTP
		if c == nil {
			fmt.Fprintf(w, "you said %q over HTTP", r.URL.Query().Get("message"))
			return
		}
		for {
			m, err := c.Wait() // blocks; returns the close once the peer is gone
			if err != nil {
				fmt.Println("closed with", server.CloseStatus(err))
				return
			}
			c.SendText("you said " + m.Text())
		}
	}
	done := make(chan struct{})
	srv := httptest.NewServer(server.Accept(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		view(w, r)
		if server.IsWebSocket(r) {
			close(done)
		}
	}), nil))
	defer srv.Close()

	resp, _ := http.Get(srv.URL + "/hello?message=hi")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(string(body))

	ws := dial(srv.URL + "/hello")
	ws.WriteMessage(context.Background(), conn.Text, []byte("hi"))
	_, p, _ := ws.ReadMessage(context.Background(), nil)
	fmt.Println(string(p))
	ws.Close(server.CloseGoingAway, "bye")
	<-done
	// Output:
	// you said "hi" over HTTP
	// you said hi
	// closed with going away (1001)
}

// A chat room: every message a member sends goes to every member, encoded once.
func ExampleHub() {
	var hub server.Hub
	chat := server.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := server.FromRequest(r)
		hub.Join("lobby", c) // leaves by itself when c ends
		c.SendText("joined")
		for m := range c.Messages() {
			hub.BroadcastText("lobby", r.URL.Query().Get("name")+": "+m.Text())
		}
	}), nil)
	srv := httptest.NewServer(chat)
	defer srv.Close()

	ctx := context.Background()
	ann, bob := dial(srv.URL+"/?name=ann"), dial(srv.URL+"/?name=bob")
	ann.ReadMessage(ctx, nil) // "joined": both are members now
	bob.ReadMessage(ctx, nil)
	ann.WriteMessage(ctx, conn.Text, []byte("hi bob"))
	_, p, _ := bob.ReadMessage(ctx, nil)
	fmt.Println("bob got:", string(p))
	_, p, _ = ann.ReadMessage(ctx, nil)
	fmt.Println("ann got:", string(p))
	ann.Close(server.CloseNormal, "")
	bob.Close(server.CloseNormal, "")
	// Output:
	// bob got: ann: hi bob
	// ann got: ann: hi bob
}

// shouter is a Tornado-style handler.
type shouter struct{ closed chan server.CloseCode }

func (s *shouter) Open(c *server.Conn) { c.SendText("welcome") }

func (s *shouter) OnMessage(c *server.Conn, m server.Message) {
	c.SendText(strings.ToUpper(string(m.Data))) // m.Data is only valid during the call
}

func (s *shouter) OnClose(c *server.Conn, err error) { s.closed <- server.CloseStatus(err) }

// SelectSubprotocol is optional (server.SubprotocolSelector).
func (s *shouter) SelectSubprotocol(offered []string) string { return offered[0] }

func ExampleHandle() {
	h := &shouter{closed: make(chan server.CloseCode, 1)}
	srv := httptest.NewServer(server.Handle(h, nil))
	defer srv.Close()

	ctx := context.Background()
	ws := dial(srv.URL)
	_, p, _ := ws.ReadMessage(ctx, nil)
	fmt.Println(string(p))
	ws.WriteMessage(ctx, conn.Text, []byte("hello"))
	_, p, _ = ws.ReadMessage(ctx, nil)
	fmt.Println(string(p))
	ws.Close(server.CloseNormal, "")
	fmt.Println("OnClose:", <-h.closed)
	// Output:
	// welcome
	// HELLO
	// OnClose: normal closure (1000)
}

// Serving from a net.Listener without net/http: Serve reads the handshake with package
// handshake's raw path (handshake.ReadRequest under a read deadline, then
// handshake.WriteResponse and conn.New(nc, br, conn.Server, opts): the same steps by hand
// give a bare *conn.Conn).
func ExampleServe() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	h := &shouter{closed: make(chan server.CloseCode, 1)}
	go server.Serve(ln, h, nil)
	defer ln.Close()

	ws := dial("ws://" + ln.Addr().String() + "/shout")
	ctx := context.Background()
	ws.ReadMessage(ctx, nil) // welcome
	ws.WriteMessage(ctx, conn.Text, []byte("raw"))
	_, p, _ := ws.ReadMessage(ctx, nil)
	fmt.Println(string(p))
	ws.Close(server.CloseNormal, "")
	<-h.closed
	// Output: RAW
}

// dial connects with package client (http:// URLs become ws://).
func dial(url string) *conn.Conn {
	ws, _, err := client.Dial(context.Background(), strings.Replace(url, "http://", "ws://", 1), nil)
	if err != nil {
		panic(err)
	}
	return ws
}
