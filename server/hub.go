package server

import (
	"context"
	"encoding/json"
	"iter"
	"sync"
	"sync/atomic"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/utf8"
)

// SlowPolicy says what a Hub does with a member whose send buffer (Options.MaxBuffered) is
// too full to take a broadcast.
type SlowPolicy uint8

const (
	// CloseSlow closes the slow member with 1013 (Try Again Later), as its own Send would:
	// one consumer that cannot keep up never holds memory or delays the others. Default.
	CloseSlow SlowPolicy = iota
	// SkipSlow leaves the member open and does not deliver this message to it (counted in
	// Hub.Skipped). Use it where messages are snapshots that a newer one replaces.
	SkipSlow
)

// Hub groups connections in named rooms and broadcasts a message to a room's members.
// A broadcast validates the payload and encodes its frame once (conn.PrepareMessage) and
// queues that frame to every member, so it costs two allocations however many members
// there are; with permessage-deflate it is compressed once per compression level for the
// members without context takeover in their sending direction (the others, which must
// keep their own compression context, compress it themselves). It returns without
// waiting for any socket: each member's writer goroutine writes at its own pace, bounded by
// its Options.MaxBuffered and WriteTimeout (see SlowPolicy).
//
// A connection leaves every room of a Hub when it ends, before its Done channel is closed. The zero value is ready to use; all
// methods are safe for concurrent use.
type Hub struct {
	// Slow is the policy for members whose send buffer is full.
	Slow SlowPolicy

	mu      sync.RWMutex
	rooms   map[string]map[*Conn]struct{}
	members map[*Conn]*membership
	skipped atomic.Uint64
}

type membership struct {
	rooms map[string]struct{}
	stop  func() // unregisters the leave-on-end hook
}

// Join adds c to room. Joining a room twice is the same as once.
func (h *Hub) Join(room string, c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.rooms == nil {
		h.rooms = make(map[string]map[*Conn]struct{})
		h.members = make(map[*Conn]*membership)
	}
	m := h.members[c]
	if m == nil {
		stop, ok := c.onEnd(func() { h.LeaveAll(c) })
		if !ok {
			return // already ended: it would never leave
		}
		m = &membership{rooms: make(map[string]struct{}), stop: stop}
		h.members[c] = m
	}
	m.rooms[room] = struct{}{}
	set := h.rooms[room]
	if set == nil {
		set = make(map[*Conn]struct{})
		h.rooms[room] = set
	}
	set[c] = struct{}{}
}

// Leave removes c from room.
func (h *Hub) Leave(room string, c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.members[c]
	if m == nil {
		return
	}
	h.leaveLocked(room, c)
	delete(m.rooms, room)
	if len(m.rooms) == 0 {
		m.stop()
		delete(h.members, c)
	}
}

// LeaveAll removes c from every room.
func (h *Hub) LeaveAll(c *Conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	m := h.members[c]
	if m == nil {
		return
	}
	for room := range m.rooms {
		h.leaveLocked(room, c)
	}
	m.stop()
	delete(h.members, c)
}

func (h *Hub) leaveLocked(room string, c *Conn) {
	set := h.rooms[room]
	delete(set, c)
	if len(set) == 0 {
		delete(h.rooms, room)
	}
}

// Len returns the number of members of room.
func (h *Hub) Len(room string) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.rooms[room])
}

// Members returns an iterator over the members of room at the time of the call.
func (h *Hub) Members(room string) iter.Seq[*Conn] {
	h.mu.RLock()
	list := make([]*Conn, 0, len(h.rooms[room]))
	for c := range h.rooms[room] {
		list = append(list, c)
	}
	h.mu.RUnlock()
	return func(yield func(*Conn) bool) {
		for _, c := range list {
			if !yield(c) {
				return
			}
		}
	}
}

// Skipped returns how many deliveries SkipSlow has skipped.
func (h *Hub) Skipped() uint64 { return h.skipped.Load() }

// Broadcast queues a message of type t with a copy of p to every open member of room and
// returns how many members it was queued to. Text must be valid UTF-8 (else ErrInvalidUTF8
// and nothing is sent). It does not wait for any write.
func (h *Hub) Broadcast(room string, t MessageType, p []byte) (int, error) {
	switch t {
	case Text:
		if !utf8.Valid(p) {
			return 0, ErrInvalidUTF8
		}
	case Binary:
	default:
		return 0, ErrMessageType
	}
	return h.broadcast(room, t, p), nil
}

// BroadcastText queues s as a text message to every open member of room. See Broadcast.
func (h *Hub) BroadcastText(room, s string) (int, error) {
	b := []byte(s)
	if !utf8.Valid(b) {
		return 0, ErrInvalidUTF8
	}
	return h.broadcast(room, Text, b), nil
}

// BroadcastJSON queues the JSON encoding of v as a text message to every open member of
// room. See Broadcast.
func (h *Hub) BroadcastJSON(room string, v any) (int, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	return h.broadcast(room, Text, b), nil
}

// broadcast encodes p once (conn.PrepareMessage copies it into the frame) and queues the
// prepared message to every member of room.
func (h *Hub) broadcast(room string, t MessageType, p []byte) int {
	onFull := onFullShed
	if h.Slow == SkipSlow {
		onFull = onFullSkip
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	if len(h.rooms[room]) == 0 {
		return 0
	}
	pm, err := conn.PrepareMessage(t, p)
	if err != nil {
		return 0 // t was checked by the callers
	}
	it := outItem{typ: t, data: pm.Payload(), prep: pm}
	n := 0
	for c := range h.rooms[room] {
		switch c.enqueueItem(context.Background(), it, onFull) {
		case nil:
			n++
		case ErrBufferFull:
			if onFull == onFullSkip {
				h.skipped.Add(1)
			}
		}
	}
	return n
}
