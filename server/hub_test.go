package server

import (
	"context"
	"encoding/binary"
	"net/http"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
)

// TestHubSlowClient broadcasts to three members, one of which never reads. The fast ones
// get every message in order; the slow one is shed (CloseSlow) or skipped (SkipSlow) and
// never delays the others.
func TestHubSlowClient(t *testing.T) {
	for _, policy := range []SlowPolicy{CloseSlow, SkipSlow} {
		name := map[SlowPolicy]string{CloseSlow: "CloseSlow", SkipSlow: "SkipSlow"}[policy]
		t.Run(name, func(t *testing.T) {
			hub := &Hub{Slow: policy}
			opts := testOpts(nil)
			opts.MaxBuffered = 512 << 10
			opts.CloseTimeout = 200 * time.Millisecond
			opts.WriteTimeout = time.Minute // only the policy may act on the slow member
			srv, conns := connServer(t, opts)

			const n = 3
			clients := make([]*conn.Conn, n)
			members := make([]*Conn, n)
			for i := range n {
				clients[i], _ = dial(t, srv, "/")
				members[i] = within(t, conns, 5*time.Second, "a connection")
				hub.Join("room", members[i])
			}
			if hub.Len("room") != n {
				t.Fatalf("Len = %d", hub.Len("room"))
			}
			// Find which server-side member is the slow client's: the last dialled.
			slow := members[n-1]

			// Fast clients report each message they get; the slow client reads nothing.
			type got struct {
				client, seq int
				err         error
			}
			recv := make(chan got, 2*n)
			for i := range n - 1 {
				go func() {
					for {
						_, p, err := clients[i].ReadMessage(context.Background(), nil)
						if err != nil {
							recv <- got{client: i, err: err}
							return
						}
						recv <- got{client: i, seq: int(binary.BigEndian.Uint32(p))}
					}
				}()
			}
			// 32 MiB in total: far more than the slow client's socket buffers and
			// MaxBuffered together.
			msg := make([]byte, 64<<10)
			const count = 512
			for seq := range count {
				binary.BigEndian.PutUint32(msg, uint32(seq))
				if _, err := hub.Broadcast("room", Binary, msg); err != nil {
					t.Fatal(err)
				}
				for range n - 1 {
					g := within(t, recv, 10*time.Second, "a fast client's message")
					if g.err != nil || g.seq != seq {
						t.Fatalf("client %d: seq %d err %v, want seq %d", g.client, g.seq, g.err, seq)
					}
				}
			}
			switch policy {
			case CloseSlow:
				within(t, slow.Done(), 10*time.Second, "the slow member to be closed")
				if got := opts.Registry.Stats().SlowClosed; got != 1 {
					t.Fatalf("SlowClosed = %d, want 1", got)
				}
				// It left the room when it ended, before Done was closed.
				if hub.Len("room") != n-1 {
					t.Fatalf("Len = %d after the slow member ended", hub.Len("room"))
				}
			case SkipSlow:
				if slow.ReadyState() != Open || hub.Skipped() == 0 {
					t.Fatalf("SkipSlow: state %v, skipped %d", slow.ReadyState(), hub.Skipped())
				}
				if b := slow.BufferedAmount(); b > opts.MaxBuffered {
					t.Fatalf("slow member buffers %d bytes, over MaxBuffered", b)
				}
			}
			for _, m := range members[:n-1] {
				if m.ReadyState() != Open {
					t.Fatalf("a fast member is %v", m.ReadyState())
				}
			}
		})
	}
}

func TestHubJoinLeave(t *testing.T) {
	hub := &Hub{}
	opts := testOpts(nil)
	srv, conns := connServer(t, opts)
	ws, _ := dial(t, srv, "/")
	c := within(t, conns, 5*time.Second, "the connection")
	hub.Join("a", c)
	hub.Join("a", c)
	hub.Join("b", c)
	if hub.Len("a") != 1 || hub.Len("b") != 1 {
		t.Fatalf("Len a=%d b=%d", hub.Len("a"), hub.Len("b"))
	}
	hub.Leave("a", c)
	if n, _ := hub.BroadcastText("a", "nobody"); n != 0 || hub.Len("a") != 0 {
		t.Fatalf("after Leave: delivered %d, Len %d", n, hub.Len("a"))
	}
	if n, _ := hub.BroadcastJSON("b", []int{1, 2}); n != 1 {
		t.Fatalf("BroadcastJSON delivered %d", n)
	}
	if _, p, err := ws.ReadMessage(context.Background(), nil); err != nil || string(p) != "[1,2]" {
		t.Fatalf("got %q %v", p, err)
	}
	if _, err := hub.Broadcast("b", Text, []byte{0xff}); err != ErrInvalidUTF8 {
		t.Fatalf("invalid text: %v", err)
	}
	var members []*Conn
	for m := range hub.Members("b") {
		members = append(members, m)
	}
	if len(members) != 1 || members[0] != c {
		t.Fatalf("Members = %v", members)
	}
	c.CloseNow()
	<-c.Done()
	if hub.Len("b") != 0 {
		t.Fatal("an ended connection is still a member")
	}
	hub.Join("b", c) // joining after the end is a no-op
	if hub.Len("b") != 0 {
		t.Fatal("an ended connection joined")
	}
}

var _ http.Handler = Require(nil, nil)

// TestHubConcurrent joins, leaves and broadcasts from several goroutines at once (run
// under -race); every member that stays gets every message broadcast after it joined.
func TestHubConcurrent(t *testing.T) {
	hub := &Hub{}
	opts := testOpts(nil)
	opts.MaxBuffered = 64 << 20
	srv, conns := connServer(t, opts)
	const n = 4
	clients := make([]*conn.Conn, n)
	members := make([]*Conn, n)
	for i := range n {
		clients[i], _ = dial(t, srv, "/")
		members[i] = within(t, conns, 5*time.Second, "a connection")
		hub.Join("stay", members[i])
	}
	const count = 200
	done := make(chan struct{})
	go func() { // churn: join and leave another room concurrently
		defer close(done)
		for i := range count {
			m := members[i%n]
			hub.Join("churn", m)
			hub.BroadcastText("churn", "x")
			hub.Leave("churn", m)
			hub.Len("churn")
		}
	}()
	for i := range count {
		if k, err := hub.BroadcastText("stay", "m"); err != nil || k != n {
			t.Fatalf("broadcast %d reached %d members, %v", i, k, err)
		}
	}
	<-done
	for i, ws := range clients {
		got := 0
		for got < count {
			_, p, err := ws.ReadMessage(context.Background(), nil)
			if err != nil {
				t.Fatalf("client %d: %v after %d", i, err, got)
			}
			if string(p) == "m" {
				got++
			}
		}
	}
	if hub.Len("churn") != 0 || hub.Len("stay") != n {
		t.Fatalf("Len churn=%d stay=%d", hub.Len("churn"), hub.Len("stay"))
	}
}
