package server

import (
	"context"
	"encoding/json"
	"errors"
	"expvar"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/duplexws/duplex/conn"
)

func TestShutdownClosesWithGoingAway(t *testing.T) {
	opts := testOpts(nil)
	mux := http.NewServeMux()
	mux.Handle("/accept", Accept(http.HandlerFunc(dwebsocketView), opts))
	mux.Handle("/handle", Handle(echoHandler{}, opts))
	srv := start(t, mux)

	var clients []*conn.Conn
	for _, path := range []string{"/accept", "/accept", "/handle"} {
		ws, _ := dial(t, srv, path)
		// A round trip makes sure the server side is registered.
		ws.WriteMessage(context.Background(), conn.Text, []byte("x"))
		if _, _, err := ws.ReadMessage(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		clients = append(clients, ws)
	}
	if n := opts.Registry.Len(); n != 3 {
		t.Fatalf("Len = %d", n)
	}
	seen := make(chan error, len(clients))
	for _, ws := range clients {
		go func() {
			_, _, err := ws.ReadMessage(context.Background(), nil)
			seen <- err
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := opts.Registry.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for range clients {
		err := within(t, seen, 5*time.Second, "a client to see the close")
		var ce *conn.CloseError
		if !errors.As(err, &ce) || ce.Code != CloseGoingAway || !ce.Remote {
			t.Fatalf("client saw %v, want a close 1001 from the server", err)
		}
	}
	if n := opts.Registry.Len(); n != 0 {
		t.Fatalf("Len after Shutdown = %d", n)
	}
	_, _, resp := rawDial(t, srv, "/accept", upgradeLines, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("upgrade after Shutdown: status %d, want 503", resp.StatusCode)
	}
}

// TestShutdownDeadline: a peer that never answers the close frame is dropped when the
// context ends, and Shutdown reports the context's error.
func TestShutdownDeadline(t *testing.T) {
	opts := testOpts(nil)
	opts.CloseTimeout = time.Minute
	srv, conns := connServer(t, opts)
	nc, _, resp := rawDial(t, srv, "/", upgradeLines, nil)
	if resp.StatusCode != 101 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	c := within(t, conns, 5*time.Second, "the connection")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := opts.Registry.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want DeadlineExceeded (conn err %v, state %v)", err, c.Err(), c.ReadyState())
	}
	within(t, c.Done(), 5*time.Second, "the connection to be dropped")
	nc.Close()
}

func TestRegisterOnShutdown(t *testing.T) {
	opts := testOpts(nil)
	srv := start(t, Accept(http.HandlerFunc(dwebsocketView), opts))
	opts.Registry.RegisterOnShutdown(srv.Config)
	ws, _ := dial(t, srv, "/")
	ws.WriteMessage(context.Background(), conn.Text, []byte("x"))
	ws.ReadMessage(context.Background(), nil)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Config.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	_, _, err := ws.ReadMessage(context.Background(), nil)
	if CloseStatus(err) != CloseGoingAway {
		t.Fatalf("client saw %v, want 1001", err)
	}
	// Shutdown after the hook is idempotent and waits for the rest.
	if err := opts.Registry.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestStatsAndExpvar(t *testing.T) {
	opts := testOpts(nil)
	srv := start(t, Accept(http.HandlerFunc(dwebsocketView), opts))
	defer shutdown(t, opts.Registry)
	var _ expvar.Var = opts.Registry

	ws, _ := dial(t, srv, "/")
	ctx := context.Background()
	for _, m := range []string{"ab", "cde"} {
		ws.WriteMessage(ctx, conn.Text, []byte(m))
		ws.ReadMessage(ctx, nil)
	}
	for c := range opts.Registry.All() {
		c.Flush(ctx) // the sent counters move when the write completes
	}
	want := Stats{Connections: 1, Accepted: 1, MessagesReceived: 2, BytesReceived: 5, MessagesSent: 2, BytesSent: 5}
	if diff := cmp.Diff(want, opts.Registry.Stats()); diff != "" {
		t.Fatalf("live Stats (-want +got):\n%s", diff)
	}
	ws.Close(CloseNormal, "")
	for c := range opts.Registry.All() {
		<-c.Done()
	}
	want.Connections = 0
	var got Stats
	if err := json.Unmarshal([]byte(opts.Registry.String()), &got); err != nil {
		t.Fatalf("String() is not JSON: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("Stats after close, via String (-want +got):\n%s", diff)
	}
}
