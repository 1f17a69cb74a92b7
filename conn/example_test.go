package conn_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/frame"
)

// An echo server and a client over net.Pipe (after a handshake, any net.Conn will do).
func Example_echo() {
	a, b := net.Pipe()
	server := conn.New(a, nil, conn.Server, nil)
	client := conn.New(b, nil, conn.Client, nil)
	ctx := context.Background()

	done := make(chan error, 1)
	go func() {
		var buf []byte // reused: reading allocates nothing once it is big enough
		for {
			typ, msg, err := server.ReadMessage(ctx, buf)
			if err != nil {
				done <- err
				return
			}
			buf = msg
			if err := server.WriteMessage(ctx, typ, msg); err != nil {
				done <- err
				return
			}
		}
	}()

	client.WriteMessage(ctx, conn.Text, []byte("hello"))
	typ, msg, _ := client.ReadMessage(ctx, nil)
	fmt.Println(typ, string(msg))

	fmt.Println(client.Close(frame.CloseNormal, "bye"))
	err := <-done
	fmt.Println(uint16(conn.CloseStatus(err)), err)
	// Output:
	// text hello
	// <nil>
	// 1000 conn: closed by peer: normal closure (1000): bye
}

// Streaming a message out in fragments with Writer and in with Reader, without holding it
// whole in memory on either side.
func Example_streaming() {
	a, b := net.Pipe()
	server := conn.New(a, nil, conn.Server, &conn.Options{FragmentSize: 16})
	client := conn.New(b, nil, conn.Client, nil)
	defer server.CloseNow()
	defer client.CloseNow()
	ctx := context.Background()

	go func() {
		w, _ := server.Writer(ctx, conn.Text)
		io.Copy(w, strings.NewReader("a message longer than one 16-byte fragment"))
		w.Close() // sends the final fragment
	}()

	typ, r, _ := client.Reader(ctx)
	var sb strings.Builder
	n, err := io.Copy(&sb, r)
	fmt.Println(typ, n, err, sb.String())
	// Output:
	// text 42 <nil> a message longer than one 16-byte fragment
}

// A batch of messages in one write, and a message prepared once for many connections.
func ExampleConn_WriteMessages() {
	a, b := net.Pipe()
	server := conn.New(a, nil, conn.Server, nil)
	client := conn.New(b, nil, conn.Client, nil)
	defer server.CloseNow()
	defer client.CloseNow()
	ctx := context.Background()

	news, _ := conn.PrepareMessage(conn.Text, []byte("to everyone"))
	go server.WriteMessages(ctx, []conn.Message{
		{Type: conn.Text, Data: []byte("first")},
		{Type: conn.Binary, Data: []byte{2}},
		{Prepared: news}, // the same frame bytes on every connection
	})
	for range 3 {
		typ, msg, _ := client.ReadMessage(ctx, nil)
		fmt.Printf("%v %q\n", typ, msg)
	}
	// Output:
	// text "first"
	// binary "\x02"
	// text "to everyone"
}
