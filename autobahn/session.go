package autobahn

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
	"unicode/utf8"
)

// connState mirrors the states of the suite's protocol object.
type connState int

const (
	stateOpen connState = iota
	stateClosing
	stateClosed
)

// Event is one thing the harness observed from the peer, in the suite's vocabulary:
// Kind is "message", "pong", "ping" or "timeout"; Data the payload (or the tag of a
// timeout); Binary whether a message was binary.
type Event struct {
	Kind   string
	Data   []byte
	Binary bool
}

func evMessage(p []byte, binary bool) Event { return Event{Kind: "message", Data: p, Binary: binary} }
func evPong(p []byte) Event                 { return Event{Kind: "pong", Data: p} }
func evTimeout(tag string) Event            { return Event{Kind: "timeout", Data: []byte(tag)} }

func eventsEqual(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].Binary != b[i].Binary || string(a[i].Data) != string(b[i].Data) {
			return false
		}
	}
	return true
}

// expectation is one acceptable outcome of a case and the verdict it earns.
type expectation struct {
	Verdict Verdict
	Events  []Event
}

// CloseExpectation is how a case expects the connection to end, as in the suite:
// who starts the close (ClosedByMe: the harness), the acceptable close codes from the
// peer, and whether a clean close handshake is required.
type CloseExpectation struct {
	ClosedByMe         bool  `json:"closedByMe"`
	CloseCode          []int `json:"closeCode"`
	RequireClean       bool  `json:"requireClean"`
	WrongEndpointFatal bool  `json:"closedByWrongEndpointIsFatal,omitempty"`
}

// rx event kinds posted by the reader goroutine to the case loop.
const (
	rxFrameLog = iota
	rxMessage
	rxPing
	rxPong
	rxClose
	rxViolation
	rxEOF
)

type rxEvent struct {
	kind   int
	frame  rxFrame // rxFrameLog
	data   []byte
	binary bool
	code   int // rxViolation
	reason string
}

type timer struct {
	at time.Time
	fn func()
}

// session is one run of one case over one connection: the Go counterpart of the suite's
// fuzzing protocol object. All state is owned by the goroutine running loop; a reader
// goroutine parses frames and posts events to it.
type session struct {
	c        *Case
	opts     *Options
	conn     net.Conn
	br       *bufio.Reader
	isServer bool // the harness is the server (fuzzing-server mode, testing a client)
	rng      *rand.Rand

	start    time.Time
	deadline time.Time
	state    connState
	lost     bool

	closedByMe, failedByMe, droppedByMe, wasClean bool
	wasNotCleanReason                             string
	closeTimer                                    *timer // close handshake / server drop timeout
	localCloseCode                                *int
	localCloseReason                              string
	remoteCloseCode                               *int
	remoteCloseReason                             *string

	received      []Event
	expected      []expectation
	expectedClose CloseExpectation
	behavior      Verdict
	behaviorClose Verdict
	result        string
	resultClose   string
	suppressClose bool
	reportTime    bool

	// Hooks a case may set (the suite's method overrides).
	onMessage func(data []byte, binary bool)
	onLost    func()

	wirelogOn bool
	wirelog   []WireEntry
	txFrames  map[int]int
	rxFrames  map[int]int

	timers []*timer

	mu      sync.Mutex
	queue   []rxEvent
	wake    chan struct{}
	readEnd chan struct{}

	// pmd is the permessage-deflate state, nil when not negotiated.
	pmd *pmdState

	// stream state for frames written in pieces (6.4.3, 6.4.4)
	streamKey [4]byte
	streamPos int
	streamMsk bool
}

func newSession(c *Case, opts *Options, conn net.Conn, br *bufio.Reader, isServer bool) *session {
	now := time.Now()
	s := &session{
		c: c, opts: opts, conn: conn, br: br, isServer: isServer,
		rng:           rand.New(rand.NewPCG(uint64(now.UnixNano()), 0x5eed)),
		start:         now,
		deadline:      now.Add(opts.caseTimeout()),
		behavior:      Failed,
		behaviorClose: Failed,
		result:        "Actual events differ from any expected.",
		resultClose:   "TCP connection was dropped without close handshake",
		wirelogOn:     true,
		txFrames:      map[int]int{},
		rxFrames:      map[int]int{},
		wake:          make(chan struct{}, 1),
		readEnd:       make(chan struct{}),
	}
	_ = conn.SetWriteDeadline(s.deadline)
	return s
}

// run executes the case and returns when the TCP connection is gone.
func (s *session) run() {
	go s.readLoop()
	s.c.run(s)
	s.loop()
	<-s.readEnd
	_ = s.conn.Close()
	s.judge()
}

func (s *session) loop() {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for !s.lost {
		s.drain()
		if s.lost {
			break
		}
		if !time.Now().Before(s.deadline) {
			s.wasClean = false
			s.wasNotCleanReason = "case did not finish within the harness case timeout"
			s.log(WireEntry{Kind: "TIMEOUT", Note: "case timeout, dropping TCP"})
			s.drop()
			// The reader ends on the closed connection; collect what it posted.
			<-s.readEnd
			s.drain()
			s.lost = true
			break
		}
		wait := time.Until(s.deadline)
		if next := s.nextTimer(); next != nil {
			d := time.Until(next.at)
			if d <= 0 {
				s.fire(next)
				continue
			}
			wait = min(wait, d)
		}
		t.Reset(wait)
		select {
		case <-s.wake:
		case <-t.C:
		}
	}
}

// extendDeadline makes sure the case may run until at least d (a case's own timeout,
// such as the suite's WAITSECS, may exceed Options.CaseTimeout).
func (s *session) extendDeadline(d time.Time) {
	if d.After(s.deadline) {
		s.deadline = d
		_ = s.conn.SetWriteDeadline(d)
	}
}

// drain handles every event the reader has queued.
func (s *session) drain() {
	for {
		s.mu.Lock()
		q := s.queue
		s.queue = nil
		s.mu.Unlock()
		if len(q) == 0 {
			return
		}
		for _, ev := range q {
			s.handle(ev)
		}
	}
}

func (s *session) post(ev rxEvent) {
	s.mu.Lock()
	s.queue = append(s.queue, ev)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *session) after(units float64, scale time.Duration, fn func()) *timer {
	t := &timer{at: time.Now().Add(time.Duration(units * float64(scale))), fn: fn}
	s.timers = append(s.timers, t)
	return t
}

func (s *session) cancel(t *timer) {
	for i, x := range s.timers {
		if x == t {
			s.timers = append(s.timers[:i], s.timers[i+1:]...)
			return
		}
	}
}

func (s *session) nextTimer() *timer {
	var best *timer
	for _, t := range s.timers {
		if best == nil || t.at.Before(best.at) {
			best = t
		}
	}
	return best
}

func (s *session) fire(t *timer) {
	s.cancel(t)
	t.fn()
}

// ---- receive side --------------------------------------------------------------------

// readLoop parses frames, assembles messages and validates what the peer sends the way a
// strict endpoint must (RFC 6455 §5, §8.1). It never blocks on the case loop.
func (s *session) readLoop() {
	defer close(s.readEnd)
	limit := s.opts.maxMessage()
	var (
		inMsg      bool
		msgOp      byte
		msg        []byte
		compressed bool
		failed     bool // a violation was reported: only close frames matter now
		closeSeen  bool
	)
	violation := func(code int, reason string) {
		if !failed {
			failed = true
			s.post(rxEvent{kind: rxViolation, code: code, reason: reason})
		}
	}
	for {
		f, err := readFrame(s.br, limit)
		if err != nil {
			switch {
			case errors.Is(err, errFrameTooLong):
				s.post(rxEvent{kind: rxFrameLog, frame: f})
				violation(closeMessageTooBig, "frame too long for the harness")
				_, _ = io.Copy(io.Discard, s.br)
			case errors.Is(err, errLengthMSB):
				violation(closeProtocolError, "64-bit length with MSB set (RFC 6455 §5.2)")
				_, _ = io.Copy(io.Discard, s.br)
			}
			s.post(rxEvent{kind: rxEOF})
			return
		}
		s.post(rxEvent{kind: rxFrameLog, frame: f})
		if closeSeen {
			continue // RFC 6455 §5.5.1: nothing may follow a close frame; ignore it
		}
		if failed {
			if f.op == opClose {
				closeSeen = true
				s.post(rxEvent{kind: rxClose, data: f.payload})
			}
			continue
		}
		rsvOK := f.rsv == 0 ||
			// RFC 7692 §6.1: with permessage-deflate, RSV1 marks the first frame of a
			// compressed data message, and only that frame.
			(s.pmd != nil && f.rsv == 4 && (f.op == opText || f.op == opBinary))
		switch {
		case !rsvOK:
			// RFC 6455 §5.2: RSV bits MUST be 0 unless an extension defines them.
			violation(closeProtocolError, "RSV bits set without a negotiated extension")
			continue
		case (f.op >= 3 && f.op <= 7) || f.op >= 11:
			// RFC 6455 §5.2: reserved opcodes MUST fail the connection.
			violation(closeProtocolError, "reserved opcode "+opName(f.op))
			continue
		case s.isServer && !f.masked:
			// RFC 6455 §5.1: a server MUST close on an unmasked client frame.
			violation(closeProtocolError, "unmasked frame from client")
			continue
		case !s.isServer && f.masked:
			// RFC 6455 §5.1: a client MUST close on a masked server frame.
			violation(closeProtocolError, "masked frame from server")
			continue
		}
		if f.op >= 8 {
			// RFC 6455 §5.5: control frames are ≤ 125 octets and not fragmented.
			if !f.fin || len(f.payload) > maxControlPayload {
				violation(closeProtocolError, "fragmented or oversized control frame")
				continue
			}
			switch f.op {
			case opPing:
				s.post(rxEvent{kind: rxPing, data: f.payload})
			case opPong:
				s.post(rxEvent{kind: rxPong, data: f.payload})
			case opClose:
				closeSeen = true
				s.post(rxEvent{kind: rxClose, data: f.payload})
			}
			continue
		}
		// RFC 6455 §5.4: continuation only inside a message, data frames only outside.
		if f.op == opContinuation && !inMsg {
			violation(closeProtocolError, "continuation frame outside a message")
			continue
		}
		if f.op != opContinuation && inMsg {
			violation(closeProtocolError, "new data frame inside a fragmented message")
			continue
		}
		if f.op != opContinuation {
			inMsg, msgOp, msg, compressed = true, f.op, nil, f.rsv == 4
		}
		if int64(len(msg))+int64(len(f.payload)) > limit {
			violation(closeMessageTooBig, "message longer than the harness accepts")
			continue
		}
		if msg == nil {
			msg = f.payload
		} else {
			msg = append(msg, f.payload...)
		}
		if !f.fin {
			continue
		}
		inMsg = false
		if compressed {
			out, err := s.pmd.decompress(msg, limit)
			if errors.Is(err, errInflateLimit) {
				violation(closeMessageTooBig, "message inflates past the harness limit")
				continue
			}
			if err != nil {
				// RFC 7692 §8.2.3: a message that does not inflate fails the connection.
				violation(closeProtocolError, "compressed message does not inflate: "+err.Error())
				continue
			}
			msg = out
		}
		if msgOp == opText && !utf8.Valid(msg) {
			// RFC 6455 §8.1: invalid UTF-8 in a text message fails the connection (1007).
			violation(closeInvalidPayload, "text message is not valid UTF-8")
			continue
		}
		if msg == nil {
			msg = []byte{}
		}
		s.post(rxEvent{kind: rxMessage, data: msg, binary: msgOp == opBinary})
		msg = nil
	}
}

func (s *session) handle(ev rxEvent) {
	switch ev.kind {
	case rxFrameLog:
		f := ev.frame
		s.rxFrames[int(f.op)]++
		s.log(WireEntry{Kind: "RF", Op: int(f.op), Fin: f.fin, Rsv: int(f.rsv), Masked: f.masked,
			Len: int(f.length), Data: excerpt(f.payload)})
	case rxMessage:
		if s.state == stateClosed {
			return
		}
		if s.onMessage != nil {
			s.onMessage(ev.data, ev.binary)
			return
		}
		s.received = append(s.received, evMessage(ev.data, ev.binary))
		s.finishWhenDone()
	case rxPing:
		// The suite's protocol answers pings itself and does not record them.
		if s.state == stateOpen {
			s.sendFrame(frameSpec{op: opPong, data: ev.data})
		}
	case rxPong:
		if s.state == stateClosed {
			return
		}
		s.received = append(s.received, evPong(ev.data))
		s.finishWhenDone()
	case rxClose:
		s.onCloseFrame(ev.data)
	case rxViolation:
		s.log(WireEntry{Kind: "FAIL", Note: ev.reason})
		s.failConnection(ev.code, ev.reason)
	case rxEOF:
		s.lost = true
		s.state = stateClosed
		s.log(WireEntry{Kind: "TCP", Note: s.tcpNote()})
	}
}

func (s *session) tcpNote() string {
	if s.droppedByMe {
		return "TCP DROPPED BY ME"
	}
	return "TCP DROPPED BY PEER"
}

// finishWhenDone starts the closing handshake once the received events match every
// expectation, exactly as the suite does.
func (s *session) finishWhenDone() {
	for _, e := range s.expected {
		if !eventsEqual(s.received, e.Events) {
			return
		}
	}
	if s.expectedClose.ClosedByMe && !s.suppressClose {
		s.sendClose(s.expectedClose.CloseCode[0], "")
	}
}

// validRemoteCloseCode is the suite's test for a close code received from the peer
// (RFC 6455 §7.4.1, §7.4.2): 1000-1003, 1007-1014 and 3000-4999.
func validRemoteCloseCode(c int) bool {
	switch {
	case c >= 1000 && c <= 1003, c >= 1007 && c <= 1014:
		return true
	case c >= 3000 && c <= 4999:
		return true
	}
	return false
}

func (s *session) onCloseFrame(p []byte) {
	if s.state == stateClosed {
		return
	}
	switch {
	case len(p) == 1:
		// RFC 6455 §5.5.1: a close body, if present, starts with a 2-octet code.
		s.failConnection(closeProtocolError, "close frame with 1-octet payload")
		return
	case len(p) >= 2:
		code := int(binary.BigEndian.Uint16(p))
		if !validRemoteCloseCode(code) {
			s.failConnection(closeProtocolError, "invalid close code from peer")
			return
		}
		if !utf8.Valid(p[2:]) {
			s.failConnection(closeInvalidPayload, "close reason is not valid UTF-8")
			return
		}
		s.remoteCloseCode = &code
		r := string(p[2:])
		s.remoteCloseReason = &r
	}
	switch s.state {
	case stateClosing:
		// The peer answered our close.
		if s.closeTimer != nil {
			s.cancel(s.closeTimer)
			s.closeTimer = nil
		}
		s.wasClean = true
		s.afterCloseHandshake()
	case stateOpen:
		// The peer started the close: answer it (RFC 6455 §5.5.1).
		s.wasClean = true
		s.sendCloseFrame(intp(closeNormal), nil, true)
		s.afterCloseHandshake()
	}
}

// afterCloseHandshake: a server drops TCP at once; a client waits for the server to do it
// (RFC 6455 §7.1.1) and drops it itself, unclean, if it does not happen in time.
func (s *session) afterCloseHandshake() {
	if s.isServer {
		s.drop()
		return
	}
	s.closeTimer = s.after(1, s.opts.timeout(), func() {
		if s.state != stateClosed {
			s.wasClean = false
			s.wasNotCleanReason = "server did not drop TCP connection (in time)"
			s.drop()
		}
	})
}

// ---- send side -----------------------------------------------------------------------

func intp(v int) *int { return &v }

func (s *session) masked(f *frameSpec) bool {
	if s.isServer {
		return f.addMask
	}
	return !f.noMask
}

// sendFrame writes one frame, in chops if asked.
func (s *session) sendFrame(f frameSpec) {
	if s.state == stateClosed {
		return
	}
	p := f.payload()
	masked := s.masked(&f)
	var key [4]byte
	if masked {
		binary.LittleEndian.PutUint32(key[:], s.rng.Uint32())
	}
	buf := encodeFrame(make([]byte, 0, len(p)+14), !f.more, f.rsv, f.op, p, masked, key)
	s.txFrames[int(f.op)]++
	s.log(WireEntry{Kind: "TF", Op: int(f.op), Fin: !f.more, Rsv: int(f.rsv), Masked: masked,
		Len: len(p), Data: excerpt(p), Chop: f.chop, Sync: f.sync})
	s.write(buf, f.chop)
}

// write sends raw octets, chunked when chop > 0. Write errors are ignored: a peer that
// went away is reported by the reader.
func (s *session) write(b []byte, chop int) {
	if s.droppedByMe {
		return
	}
	if chop <= 0 {
		_, _ = s.conn.Write(b)
		return
	}
	for len(b) > 0 {
		n := min(chop, len(b))
		if _, err := s.conn.Write(b[:n]); err != nil {
			return
		}
		b = b[n:]
	}
}

// sendMessage sends a message, fragmented into frames of fragSize octets when fragSize > 0.
func (s *session) sendMessage(p []byte, binaryMsg bool, fragSize int) {
	op := byte(opText)
	if binaryMsg {
		op = opBinary
	}
	if fragSize <= 0 || len(p) <= fragSize {
		s.sendFrame(frameSpec{op: op, data: p})
		return
	}
	for i := 0; i < len(p); i += fragSize {
		end := min(i+fragSize, len(p))
		fop := op
		if i > 0 {
			fop = opContinuation
		}
		s.sendFrame(frameSpec{op: fop, data: p[i:end], more: end < len(p)})
	}
}

// sendCompressed sends a message compressed with the negotiated permessage-deflate
// (RSV1 on the first frame, RFC 7692 §6), its compressed payload fragmented into frames
// of fragSize octets when fragSize > 0 (the suite's autoFragmentSize).
func (s *session) sendCompressed(p []byte, binaryMsg bool, fragSize int) {
	z, err := s.pmd.compress(p)
	if err != nil {
		s.log(WireEntry{Kind: "FAIL", Note: "harness compression failed: " + err.Error()})
		s.drop()
		return
	}
	op := byte(opText)
	if binaryMsg {
		op = opBinary
	}
	if fragSize <= 0 || len(z) <= fragSize {
		s.sendFrame(frameSpec{op: op, rsv: 4, data: z})
		return
	}
	for i := 0; i < len(z); i += fragSize {
		end := min(i+fragSize, len(z))
		f := frameSpec{op: opContinuation, data: z[i:end], more: end < len(z)}
		if i == 0 {
			f.op, f.rsv = op, 4
		}
		s.sendFrame(f)
	}
}

// beginFrame writes only the header of a frame whose payload follows in pieces
// (frameData), as the suite does for its chopped fail-fast cases.
func (s *session) beginFrame(op byte, fin bool, length int) {
	if s.state == stateClosed {
		return
	}
	f := frameSpec{op: op, more: !fin}
	s.streamMsk = s.masked(&f)
	s.streamPos = 0
	if s.streamMsk {
		binary.LittleEndian.PutUint32(s.streamKey[:], s.rng.Uint32())
	}
	hdr := encodeFrame(nil, fin, 0, op, make([]byte, length), s.streamMsk, s.streamKey)
	hdr = hdr[:len(hdr)-length]
	s.txFrames[int(op)]++
	s.log(WireEntry{Kind: "TF", Op: int(op), Fin: fin, Masked: s.streamMsk, Len: length, Note: "header only, payload follows in pieces"})
	s.write(hdr, 0)
}

func (s *session) frameData(p []byte) {
	if s.state == stateClosed {
		return
	}
	b := append([]byte(nil), p...)
	if s.streamMsk {
		maskBytes(b, s.streamKey, s.streamPos)
	}
	s.streamPos += len(b)
	s.log(WireEntry{Kind: "TO", Len: len(p), Data: excerpt(p), Note: "frame payload piece"})
	s.write(b, 0)
}

// sendCloseFrame is the suite's sendCloseFrame: code nil sends no code; reason is sent
// raw (it may be invalid on purpose).
func (s *session) sendCloseFrame(code *int, reason []byte, isReply bool) {
	if s.state != stateOpen {
		return
	}
	var p []byte
	if code != nil {
		p = binary.BigEndian.AppendUint16(p, uint16(*code))
	}
	p = append(p, reason...)
	s.sendFrame(frameSpec{op: opClose, data: p})
	s.state = stateClosing
	s.closedByMe = !isReply
	s.localCloseCode = code
	s.localCloseReason = string(reason)
	if s.closedByMe {
		s.closeTimer = s.after(1, s.opts.timeout(), func() {
			if s.state != stateClosed {
				s.wasClean = false
				s.wasNotCleanReason = "peer did not respond (in time) in closing handshake"
				s.drop()
			}
		})
	}
}

// sendClose is the suite's sendClose(code, reason): start the closing handshake.
func (s *session) sendClose(code int, reason string) {
	s.sendCloseFrame(&code, []byte(reason), false)
}

// failConnection fails the WebSocket connection the way the suite does with
// failByDrop = false: a close frame if open, else drop TCP.
func (s *session) failConnection(code int, reason string) {
	if s.state == stateClosed {
		return
	}
	s.failedByMe = true
	if s.state == stateOpen {
		s.sendCloseFrame(&code, []byte(reason), false)
	} else {
		s.drop()
	}
}

// drop closes the TCP connection.
func (s *session) drop() {
	if s.state == stateClosed {
		return
	}
	s.droppedByMe = true
	s.state = stateClosed
	_ = s.conn.Close()
}

// ---- timers in suite seconds -----------------------------------------------------------

// killAfter fails the connection after sec suite seconds (Options.Timeout each).
func (s *session) killAfter(sec float64) {
	s.log(WireEntry{Kind: "KL", Note: durNote(sec, s.opts.timeout())})
	s.after(sec, s.opts.timeout(), func() {
		if s.state != stateClosed {
			s.log(WireEntry{Kind: "KLE", Note: "failing connection"})
			s.failConnection(closeGoingAway, "Going Away")
		}
	})
}

// closeAfter starts the closing handshake after sec suite seconds (Options.Timeout each).
func (s *session) closeAfter(sec float64) {
	s.log(WireEntry{Kind: "TI", Note: durNote(sec, s.opts.timeout())})
	// Leave room for the close handshake after the timer.
	s.extendDeadline(time.Now().Add(time.Duration((sec + 3) * float64(s.opts.timeout()))))
	s.after(sec, s.opts.timeout(), func() {
		if s.state != stateClosed {
			s.log(WireEntry{Kind: "TIE", Note: "closing connection"})
			s.sendClose(closeNormal, "")
		}
	})
}

// continueLater runs fn after sec suite seconds of deliberate delay (Options.Pace each)
// unless the connection is gone by then. The wait does not end early: a delay is the
// point of these cases.
func (s *session) continueLater(sec float64, tag string, fn func()) {
	s.log(WireEntry{Kind: "CT", Note: durNote(sec, s.opts.pace()) + " tag " + tag})
	s.after(sec, s.opts.pace(), func() {
		if s.state != stateClosed {
			s.log(WireEntry{Kind: "CTE", Note: "delay over, tag " + tag})
			fn()
		}
	})
}

func durNote(sec float64, scale time.Duration) string {
	return time.Duration(sec * float64(scale)).String()
}

// ---- wire log ---------------------------------------------------------------------------

// WireEntry is one row of a case's wire log: a frame sent (TF) or received (RF), a piece
// of a frame (TO), or a harness event (CT/CTE delay, KL/KLE kill, TI/TIE close timer,
// FAIL protocol violation seen, TCP end, TIMEOUT).
type WireEntry struct {
	AtMicros int64  `json:"t_us"`
	Kind     string `json:"kind"`
	Op       int    `json:"opcode,omitempty"`
	Fin      bool   `json:"fin,omitempty"`
	Rsv      int    `json:"rsv,omitempty"`
	Masked   bool   `json:"masked,omitempty"`
	Len      int    `json:"len,omitempty"`
	Data     string `json:"data,omitempty"`
	Chop     int    `json:"chop,omitempty"`
	Sync     bool   `json:"sync,omitempty"`
	Note     string `json:"note,omitempty"`
}

const maxWirelog = 400

func (s *session) log(e WireEntry) {
	if !s.wirelogOn || len(s.wirelog) >= maxWirelog {
		return
	}
	e.AtMicros = time.Since(s.start).Microseconds()
	s.wirelog = append(s.wirelog, e)
	if len(s.wirelog) == maxWirelog {
		s.wirelog = append(s.wirelog, WireEntry{Kind: "NOTE", Note: "wire log truncated"})
	}
}

// excerpt renders a payload for logs: text if it is short valid UTF-8, else hex; long
// payloads are cut at 64 octets.
func excerpt(p []byte) string {
	const max = 64
	cut := p
	suffix := ""
	if len(cut) > max {
		cut = cut[:max]
		suffix = " ..."
	}
	if utf8.Valid(cut) {
		printable := true
		for _, r := range string(cut) {
			if r < 0x20 || r == 0x7f {
				printable = false
				break
			}
		}
		if printable {
			return string(cut) + suffix
		}
	}
	return "0x" + hex.EncodeToString(cut) + suffix
}
