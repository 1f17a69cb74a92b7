package main

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// benchIdle is measurement 4: memory per idle connection, each server in a fresh child.
func benchIdle(r *results, cfg *config) {
	n := cfg.idleConns
	for _, l := range echoServers() {
		if err := idleOne(r, l, n); err != nil {
			r.printf("idle: %s: %v\n\n", l.name, err)
		}
	}
	r.printf("## 4. Idle memory per connection (%d connections, each server in its own process)\n\n", n)
	r.printf("Go heap (HeapAlloc after GC) + goroutine stacks (StackInuse), reported by the child; RSS delta from /proc/<pid>/status. Bytes per connection.\n\n")
	head := []string{"server", "heap+stack B/conn", "heap B/conn", "stack B/conn", "RSS B/conn", "heap+stack vs best peer"}
	var rows [][]string
	best := bestPeer(r, "idle", "idle", "heap+stack", true)
	for _, l := range echoServers() {
		hs, ok := r.median("idle", "idle", l.name, "heap+stack")
		if !ok {
			continue
		}
		h, _ := r.median("idle", "idle", l.name, "heap")
		s, _ := r.median("idle", "idle", l.name, "stack")
		rss, _ := r.median("idle", "idle", l.name, "rss")
		rows = append(rows, []string{l.name, fmt.Sprintf("%.0f", hs), fmt.Sprintf("%.0f", h), fmt.Sprintf("%.0f", s),
			fmt.Sprintf("%.0f", rss), ratio(hs, best)})
	}
	r.table(head, rows)
}

func idleOne(r *results, l *library, n int) error {
	ch, err := startChild(l.name)
	if err != nil {
		return err
	}
	defer ch.stop()
	before, err := ch.mem()
	if err != nil {
		return err
	}
	raw := l == rawLib
	conns := make([]*echoConn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.nc.Close()
			}
		}
	}()
	// Spread the client ends over several source addresses in 127.0.0.0/8 so that 10k
	// connections to one port never run short of ephemeral ports.
	const dialers = 8
	var wg sync.WaitGroup
	errs := make([]error, dialers)
	for d := range dialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+d))}
			for i := d; i < n; i += dialers {
				c, err := dialEcho(ch.addr, local, raw, 256)
				if err != nil {
					errs[d] = err
					return
				}
				c.br = nil // the client keeps only the socket
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	// The handshake answer can reach the client before the server has set the
	// connection up; wait (bounded) until the child holds all of them.
	var after memStats
	deadline := time.Now().Add(20 * time.Second)
	for {
		if after, err = ch.mem(); err != nil {
			return err
		}
		if after.open >= int64(n) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d connections open in the server", after.open, n)
		}
	}
	// Once more, so that setup garbage of the last connections is collected.
	if after, err = ch.mem(); err != nil {
		return err
	}
	per := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	r.add("idle", "idle", l.name, "heap", "B/conn", 0, per(after.heap, before.heap))
	r.add("idle", "idle", l.name, "stack", "B/conn", 0, per(after.stack, before.stack))
	r.add("idle", "idle", l.name, "heap+stack", "B/conn", 0, per(after.heap+after.stack, before.heap+before.stack))
	r.add("idle", "idle", l.name, "rss", "B/conn", 0, per(after.rss, before.rss))
	return nil
}
