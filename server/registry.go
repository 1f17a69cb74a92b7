package server

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Registry tracks live connections for graceful shutdown, the connection cap and stats.
// Hijacked connections are invisible to http.Server, so its Shutdown cannot close them:
// call Registry.Shutdown, or RegisterOnShutdown to have http.Server.Shutdown start it.
//
// The zero value is ready to use. A Registry is an expvar.Var: expvar.Publish("websocket",
// reg) exports its Stats as JSON.
type Registry struct {
	mu       sync.Mutex
	conns    map[*Conn]struct{}
	pending  int // upgrades between reserve and add/unreserve
	shutdown bool
	idle     chan struct{} // closed when conns becomes empty; made by a waiter

	accepted, refused, slow atomic.Uint64
	// Counters of connections that have ended; live ones are summed in Stats.
	msgsIn, bytesIn, msgsOut, bytesOut atomic.Uint64
}

// DefaultRegistry is the Registry of handlers whose Options name none.
var DefaultRegistry = &Registry{}

// Stats is a snapshot of a Registry's counters.
type Stats struct {
	Connections      int    `json:"connections"`       // live now
	Accepted         uint64 `json:"accepted"`          // upgrades completed
	Refused          uint64 `json:"refused"`           // upgrades refused: cap, shutdown, bad handshake
	SlowClosed       uint64 `json:"slow_closed"`       // closed with 1013 for a full send buffer
	MessagesReceived uint64 `json:"messages_received"` // data messages read
	BytesReceived    uint64 `json:"bytes_received"`    // their payload bytes
	MessagesSent     uint64 `json:"messages_sent"`     // data messages written
	BytesSent        uint64 `json:"bytes_sent"`        // their payload bytes
}

// Stats returns the counters now. It costs one pass over the live connections.
func (r *Registry) Stats() Stats {
	s := Stats{
		Accepted:         r.accepted.Load(),
		Refused:          r.refused.Load(),
		SlowClosed:       r.slow.Load(),
		MessagesReceived: r.msgsIn.Load(),
		BytesReceived:    r.bytesIn.Load(),
		MessagesSent:     r.msgsOut.Load(),
		BytesSent:        r.bytesOut.Load(),
	}
	r.mu.Lock()
	s.Connections = len(r.conns)
	for c := range r.conns {
		s.MessagesReceived += c.msgsIn.Load()
		s.BytesReceived += c.bytesIn.Load()
		s.MessagesSent += c.msgsOut.Load()
		s.BytesSent += c.bytesOut.Load()
	}
	r.mu.Unlock()
	return s
}

// String returns Stats as a JSON object, which makes a Registry an expvar.Var.
func (r *Registry) String() string {
	b, _ := json.Marshal(r.Stats()) // a struct of numbers cannot fail
	return string(b)
}

// Len returns the number of live connections.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.conns)
}

// All returns an iterator over the live connections at the time of the call.
func (r *Registry) All() iter.Seq[*Conn] {
	r.mu.Lock()
	list := make([]*Conn, 0, len(r.conns))
	for c := range r.conns {
		list = append(list, c)
	}
	r.mu.Unlock()
	return func(yield func(*Conn) bool) {
		for _, c := range list {
			if !yield(c) {
				return
			}
		}
	}
}

// reserve claims a slot for an upgrade about to happen; max <= 0 means no cap.
func (r *Registry) reserve(max int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shutdown {
		r.refused.Add(1)
		return ErrShuttingDown
	}
	if max > 0 && len(r.conns)+r.pending >= max {
		r.refused.Add(1)
		return ErrTooManyConnections
	}
	r.pending++
	return nil
}

// unreserve gives back a slot whose upgrade failed.
func (r *Registry) unreserve() {
	r.mu.Lock()
	r.pending--
	r.refused.Add(1)
	r.signalIdleLocked()
	r.mu.Unlock()
}

// add turns a reserved slot into a live connection. During shutdown the connection is
// closed with 1001 right away.
func (r *Registry) add(c *Conn) {
	r.mu.Lock()
	r.pending--
	if r.conns == nil {
		r.conns = make(map[*Conn]struct{})
	}
	r.conns[c] = struct{}{}
	down := r.shutdown
	r.mu.Unlock()
	r.accepted.Add(1)
	if down {
		go c.Close(CloseGoingAway, "server shutting down")
	}
}

// remove forgets an ended connection and folds its counters into the totals.
func (r *Registry) remove(c *Conn) {
	r.mu.Lock()
	if _, ok := r.conns[c]; !ok {
		r.mu.Unlock()
		return
	}
	delete(r.conns, c)
	r.msgsIn.Add(c.msgsIn.Load())
	r.bytesIn.Add(c.bytesIn.Load())
	r.msgsOut.Add(c.msgsOut.Load())
	r.bytesOut.Add(c.bytesOut.Load())
	r.signalIdleLocked()
	r.mu.Unlock()
}

func (r *Registry) signalIdleLocked() {
	if len(r.conns) == 0 && r.pending == 0 && r.idle != nil {
		close(r.idle)
		r.idle = nil
	}
}

// Shutdown refuses new upgrades (503), closes every live connection with 1001 (Going Away,
// RFC 6455 §7.4.1) and waits for their close handshakes. When ctx is done first, the
// connections still open are dropped without a handshake and ctx.Err() is returned. Each
// handshake is also bounded by its CloseTimeout. A Registry that was shut down stays so.
func (r *Registry) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.shutdown = true
	list := make([]*Conn, 0, len(r.conns))
	for c := range r.conns {
		list = append(list, c)
	}
	r.mu.Unlock()
	for _, c := range list {
		go c.Close(CloseGoingAway, "server shutting down")
	}
	for {
		r.mu.Lock()
		if len(r.conns) == 0 && r.pending == 0 {
			r.mu.Unlock()
			return nil
		}
		if r.idle == nil {
			r.idle = make(chan struct{})
		}
		idle := r.idle
		r.mu.Unlock()
		select {
		case <-idle:
		case <-ctx.Done():
			for c := range r.All() {
				_ = c.CloseNow()
			}
			return ctx.Err()
		}
	}
}

// RegisterOnShutdown makes srv.Shutdown start this registry's Shutdown, bounded by the
// longest CloseTimeout of its connections (the default 5s). http.Server does not wait for
// it: to wait, call Shutdown yourself after srv.Shutdown returns.
func (r *Registry) RegisterOnShutdown(srv *http.Server) {
	srv.RegisterOnShutdown(func() {
		ctx, cancel := context.WithTimeout(context.Background(), r.maxCloseTimeout())
		go func() {
			defer cancel()
			_ = r.Shutdown(ctx)
		}()
	})
}

func (r *Registry) maxCloseTimeout() (d time.Duration) {
	d = defaultCloseTimeout
	for c := range r.All() {
		d = max(d, c.cfg.CloseTimeout)
	}
	return d + time.Second
}
