package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The echo client is the same for every server, the raw TCP one included: it writes
// pre-encoded masked binary frames and reads back the exact number of bytes the echo
// takes (an unmasked server frame, or for raw TCP the client's own bytes), checking the
// first byte of each batch. It is deliberately minimal so that the client costs the
// same whichever server is measured.

const handshakeRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"

// echoConn is one client connection.
type echoConn struct {
	nc net.Conn
	br *bufio.Reader
}

// dialEcho connects to addr from local (nil: any), and performs the opening handshake
// unless raw.
func dialEcho(addr string, local net.Addr, raw bool, bufSize int) (*echoConn, error) {
	d := net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &echoConn{nc: nc, br: bufio.NewReaderSize(nc, bufSize)}
	if raw {
		return c, nil
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(nc, handshakeRequest); err != nil {
		nc.Close()
		return nil, err
	}
	line, err := c.br.ReadSlice('\n')
	if err != nil || !bytes.HasPrefix(line, []byte("HTTP/1.1 101")) {
		nc.Close()
		return nil, fmt.Errorf("bench: handshake: %q %v", line, err)
	}
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			nc.Close()
			return nil, err
		}
		if len(line) <= 2 { // the empty line ending the head
			break
		}
	}
	_ = nc.SetDeadline(time.Time{})
	return c, nil
}

// echoShape is what the client sends and expects back for one message.
type echoShape struct {
	frame    []byte // one masked client frame
	respLen  int    // bytes of one echo
	respByte byte   // expected first byte of an echo
}

func shape(size int, raw bool) echoShape {
	fr := clientFrame(payload(size, false), false)
	if raw {
		return echoShape{frame: fr, respLen: len(fr), respByte: fr[0]}
	}
	hdr := 2
	switch {
	case size > 0xffff:
		hdr = 10
	case size > 125:
		hdr = 4
	}
	return echoShape{frame: fr, respLen: hdr + size, respByte: 0x82}
}

// roundTrip writes batch (k frames) and reads k echoes into resp.
func (c *echoConn) roundTrip(batch, resp []byte, first byte) error {
	if _, err := c.nc.Write(batch); err != nil {
		return err
	}
	if _, err := io.ReadFull(c.br, resp); err != nil {
		return err
	}
	if resp[0] != first {
		return fmt.Errorf("bench: echo starts with %#x, want %#x", resp[0], first)
	}
	return nil
}

func echoServers() []*library {
	if rawLib.serve == nil {
		return slices.Clone(libraries)
	}
	return append(slices.Clone(libraries), rawLib)
}

// benchEcho is measurement 3: loopback echo latency and throughput, each server in a
// child process. All children run at once and the runs are interleaved (every server's
// run 1, then every server's run 2, ...), so that a change in machine load touches all
// servers alike.
func benchEcho(r *results, cfg *config) {
	const latSize, conns, depth = 16, 64, 8
	sizes := []struct {
		name string
		n    int
	}{{"16 B", 16}, {"16 KiB", 16 << 10}}
	servers := echoServers()
	children := make([]*child, len(servers))
	for i, l := range servers {
		ch, err := startChild(l.name)
		if err != nil {
			r.printf("echo: %s: %v\n\n", l.name, err)
			continue
		}
		children[i] = ch
		defer ch.stop()
	}
	if err := echoLatency(r, cfg, servers, children, latSize); err != nil {
		r.printf("echo latency: %v\n\n", err)
	}
	for run := range cfg.echoRuns {
		for _, sz := range sizes {
			for i, l := range servers {
				if children[i] == nil {
					continue
				}
				if err := echoThroughput(r, cfg, children[i], l.name, l == rawLib, sz.name, sz.n, conns, depth, run); err != nil {
					r.printf("echo throughput: %s %s: %v\n\n", l.name, sz.name, err)
				}
			}
		}
	}

	r.printf("## 3. Loopback echo (server in a child process, binary messages)\n\n")
	r.printf("Latency: 1 connection, %d B ping-pong, all servers interleaved in rounds of 100. Throughput: %d connections × %d pipelined messages. "+
		"CPU/echo: the server process's utime+stime (/proc/<pid>/stat) over the window / echoes; syscalls/echo: syscr+syscw from /proc/<pid>/io. Medians of %d runs.\n\n",
		latSize, conns, depth, cfg.echoRuns)
	rawP50, _ := r.median("echo", "latency", rawLib.name, "p50")
	var rows [][]string
	for _, l := range servers {
		p50, _ := r.median("echo", "latency", l.name, "p50")
		p99, _ := r.median("echo", "latency", l.name, "p99")
		rows = append(rows, []string{l.name, fmt.Sprintf("%.1f", p50), fmt.Sprintf("%.1f", p99), ratio(p50, rawP50)})
	}
	r.table([]string{"server", "p50 µs", "p99 µs", "p50 / raw TCP"}, rows)
	for _, sz := range sizes {
		rows = nil
		best := bestPeer(r, "echo", sz.name, "cpu µs/echo", true)
		for _, l := range servers {
			eps, _ := r.median("echo", sz.name, l.name, "echoes/s")
			cpu, _ := r.median("echo", sz.name, l.name, "cpu µs/echo")
			rd, _ := r.median("echo", sz.name, l.name, "read syscalls/echo")
			wr, _ := r.median("echo", sz.name, l.name, "write syscalls/echo")
			rows = append(rows, []string{l.name, num(eps), fmt.Sprintf("%.2f", cpu), ratio(cpu, best),
				fmt.Sprintf("%.2f", rd), fmt.Sprintf("%.2f", wr)})
		}
		r.printf("Echo throughput, %s messages:\n\n", sz.name)
		r.table([]string{"server", "echoes/s", "server CPU µs/echo", "CPU vs best peer", "read syscalls/echo", "write syscalls/echo"}, rows)
	}
}

// peers are the libraries ours is compared with (the physical limit is not a peer).
var peers = []*library{gorillaLib, gobwasLib, gwsLib, coderLib}

// bestPeer returns the best median among the peers (the lowest when lower).
func bestPeer(r *results, measurement, cas, metric string, lower bool) float64 {
	best := 0.0
	for _, p := range peers {
		v, ok := r.median(measurement, cas, p.name, metric)
		if !ok || v == 0 {
			continue
		}
		if best == 0 || (lower && v < best) || (!lower && v > best) {
			best = v
		}
	}
	return best
}

// echoLatency measures 1-connection ping-pong latency against every server, in rounds
// of 100 round trips per server, until cfg.latDur per server has passed.
func echoLatency(r *results, cfg *config, servers []*library, children []*child, size int) error {
	type state struct {
		c   *echoConn
		sh  echoShape
		lat []float64
	}
	st := make([]*state, len(servers))
	for i, l := range servers {
		if children[i] == nil {
			continue
		}
		raw := l == rawLib
		c, err := dialEcho(children[i].addr, nil, raw, 4096)
		if err != nil {
			return fmt.Errorf("%s: %w", l.name, err)
		}
		defer c.nc.Close()
		st[i] = &state{c: c, sh: shape(size, raw)}
	}
	resp := make([]byte, 64)
	end := time.Now().Add(cfg.latDur * time.Duration(len(servers)))
	for round := 0; round < 2 || time.Now().Before(end); round++ {
		for i, s := range st {
			if s == nil {
				continue
			}
			for range 100 {
				t0 := time.Now()
				if err := s.c.roundTrip(s.sh.frame, resp[:s.sh.respLen], s.sh.respByte); err != nil {
					return fmt.Errorf("%s: %w", servers[i].name, err)
				}
				if round > 0 { // round 0 warms up
					s.lat = append(s.lat, float64(time.Since(t0).Nanoseconds())/1e3)
				}
			}
		}
	}
	for i, s := range st {
		if s == nil {
			continue
		}
		slices.Sort(s.lat)
		r.add("echo", "latency", servers[i].name, "p50", "µs", 0, s.lat[len(s.lat)/2])
		r.add("echo", "latency", servers[i].name, "p99", "µs", 0, s.lat[len(s.lat)*99/100])
		r.add("echo", "latency", servers[i].name, "round trips", "count", 0, float64(len(s.lat)))
	}
	return nil
}

func echoThroughput(r *results, cfg *config, ch *child, name string, raw bool, cas string, size, conns, depth, run int) error {
	sh := shape(size, raw)
	batch := bytes.Repeat(sh.frame, depth)
	cs := make([]*echoConn, 0, conns)
	defer func() {
		for _, c := range cs {
			c.nc.Close()
		}
	}()
	for range conns {
		c, err := dialEcho(ch.addr, nil, raw, max(4096, 2*sh.respLen))
		if err != nil {
			return err
		}
		cs = append(cs, c)
	}
	var (
		count atomic.Int64
		stop  atomic.Bool
		wg    sync.WaitGroup
		errMu sync.Mutex
		first error
	)
	for _, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := make([]byte, depth*sh.respLen)
			for !stop.Load() {
				_ = c.nc.SetDeadline(time.Now().Add(10 * time.Second))
				if err := c.roundTrip(batch, resp, sh.respByte); err != nil {
					errMu.Lock()
					first = cmpErr(first, err)
					errMu.Unlock()
					return
				}
				count.Add(int64(depth))
			}
		}()
	}
	warm := time.NewTimer(cfg.echoDur / 5)
	<-warm.C
	n0, cpu0, io0, t0 := count.Load(), must(ch.cpu()), must(ch.io()), time.Now()
	window := time.NewTimer(cfg.echoDur)
	<-window.C
	n1, cpu1, io1, t1 := count.Load(), must(ch.cpu()), must(ch.io()), time.Now()
	stop.Store(true)
	wg.Wait()
	if first != nil {
		return first
	}
	echoes := float64(n1 - n0)
	if echoes == 0 {
		return errors.New("bench: no echoes in the window")
	}
	r.add("echo", cas, name, "echoes/s", "1/s", run, echoes/t1.Sub(t0).Seconds())
	r.add("echo", cas, name, "cpu µs/echo", "µs", run, float64((cpu1-cpu0).Nanoseconds())/1e3/echoes)
	r.add("echo", cas, name, "read syscalls/echo", "1", run, float64(io1[0]-io0[0])/echoes)
	r.add("echo", cas, name, "write syscalls/echo", "1", run, float64(io1[1]-io0[1])/echoes)
	return nil
}

func cmpErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func must[T any](v T, err error) T {
	if err != nil {
		fatal(err)
	}
	return v
}
