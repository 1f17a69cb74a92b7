//go:build !race

package conn

import (
	"bytes"
	"context"
	"net"
	"runtime"
	"testing"
	"time"
)

// TestIdleMemory measures the heap an idle server connection costs while a goroutine
// waits in ReadMessage (the net.Conn itself and the goroutine's stack not counted), and
// asserts that it holds no read buffer: less than the 4 KiB buffer alone.
func TestIdleMemory(t *testing.T) {
	const n = 300
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var server, client []net.Conn
	for i := 0; i < n; i++ {
		s, c := tcpPairOn(t, ln)
		server, client = append(server, s), append(client, c)
	}
	stacks := make([]byte, 8<<20) // allocated before measuring
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	conns := make([]*Conn, n)
	done := make(chan struct{}, n)
	for i := range conns {
		conns[i] = New(server[i], nil, Server, nil)
		go func(c *Conn) {
			c.ReadMessage(context.Background(), nil)
			done <- struct{}{}
		}(conns[i])
	}
	// Wait (polling with a deadline) until every reader is parked in the network wait:
	// that is where a reader that held a buffer would hold it.
	deadline := time.Now().Add(testTimeout)
	for {
		k := runtime.Stack(stacks, true)
		if bytes.Count(stacks[:k], []byte("[IO wait")) >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("readers did not park")
		}
		runtime.Gosched()
	}
	runtime.GC()
	runtime.ReadMemStats(&m1)
	runtime.KeepAlive(stacks)
	perConn := (int64(m1.HeapAlloc) - int64(m0.HeapAlloc)) / n
	stack := (int64(m1.StackInuse) - int64(m0.StackInuse)) / n
	t.Logf("idle server connection: %d B heap + %d B reader stack", perConn, stack)
	if perConn >= DefaultReadBufferSize {
		t.Errorf("idle connection holds %d B of heap, want < %d (no read buffer)", perConn, DefaultReadBufferSize)
	}
	for i := range conns {
		conns[i].CloseNow()
		client[i].Close()
		<-done
	}
}

func tcpPairOn(t *testing.T, ln net.Listener) (net.Conn, net.Conn) {
	t.Helper()
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			ch <- nil
			return
		}
		ch <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-ch
	if s == nil {
		t.Fatal("accept failed")
	}
	return s, c
}
