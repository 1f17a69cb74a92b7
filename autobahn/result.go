package autobahn

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Result is the outcome of one case against one agent, with the fields of the suite's
// per-case report.
type Result struct {
	Agent         string              `json:"agent"`
	ID            string              `json:"id"`
	Description   string              `json:"description"`
	Expectation   string              `json:"expectation"`
	Behavior      Verdict             `json:"behavior"`
	BehaviorClose Verdict             `json:"behaviorClose"`
	Result        string              `json:"result"`
	ResultClose   string              `json:"resultClose"`
	Started       time.Time           `json:"started"`
	Duration      int64               `json:"duration"` // milliseconds
	ReportTime    bool                `json:"reportTime"`
	Expected      map[Verdict][]Event `json:"expected"`
	ExpectedClose CloseExpectation    `json:"expectedClose"`
	Received      []Event             `json:"received"`

	IsServer          bool    `json:"isServer"`
	ClosedByMe        bool    `json:"closedByMe"`
	FailedByMe        bool    `json:"failedByMe"`
	DroppedByMe       bool    `json:"droppedByMe"`
	WasClean          bool    `json:"wasClean"`
	WasNotCleanReason string  `json:"wasNotCleanReason,omitempty"`
	LocalCloseCode    *int    `json:"localCloseCode"`
	LocalCloseReason  string  `json:"localCloseReason,omitempty"`
	RemoteCloseCode   *int    `json:"remoteCloseCode"`
	RemoteCloseReason *string `json:"remoteCloseReason"`

	TxFrameStats map[int]int `json:"txFrameStats"`
	RxFrameStats map[int]int `json:"rxFrameStats"`
	HTTPRequest  string      `json:"httpRequest"`
	HTTPResponse string      `json:"httpResponse"`
	Wirelog      []WireEntry `json:"wirelog"`
}

// Failed reports whether the case counts as a failure: behavior FAILED, or close
// behavior FAILED or UNCLEAN (the verdicts the suite's report paints red). WRONG CODE and
// FAILED BY CLIENT are reported but, as in the suite, not failures on their own.
func (r *Result) Failed() bool {
	return r.Behavior == Failed || r.BehaviorClose == Failed || r.BehaviorClose == Unclean
}

// MarshalJSON writes an event as the suite's tuple: ["message", payload, binary],
// ["pong", payload] or ["timeout", tag]. Long or binary payloads are abbreviated.
func (e Event) MarshalJSON() ([]byte, error) {
	p := excerpt(e.Data)
	if len(e.Data) > 64 {
		p = fmt.Sprintf("%s (%d octets)", p, len(e.Data))
	}
	if e.Kind == "message" {
		return json.Marshal([]any{e.Kind, p, e.Binary})
	}
	return json.Marshal([]any{e.Kind, p})
}

// judge computes the verdicts when the connection is gone, exactly in the order of the
// suite's Case.onConnectionLost, then runs the case's own hook.
func (s *session) judge() {
	for _, e := range s.expected {
		if eventsEqual(s.received, e.Events) {
			s.behavior = e.Verdict
			s.result = "Actual events match at least one expected."
			break
		}
	}
	ec := s.expectedClose
	switch {
	case ec.ClosedByMe != s.closedByMe:
		s.behaviorClose = Failed
		s.resultClose = "The connection was failed by the wrong endpoint"
	case ec.RequireClean && !s.wasClean:
		s.behaviorClose = Unclean
		s.resultClose = "The spec requires the connection to be failed cleanly here"
	case s.remoteCloseCode != nil && !slices.Contains(ec.CloseCode, *s.remoteCloseCode):
		s.behaviorClose = WrongCode
		s.resultClose = fmt.Sprintf("The close code should have been %v or empty", ec.CloseCode)
	case !s.isServer && s.droppedByMe:
		s.behaviorClose = FailedByClient
		s.resultClose = "It is preferred that the server close the TCP connection"
	default:
		s.behaviorClose = OK
		s.resultClose = "Connection was properly closed"
	}
	// For the UTF-8 cases a close by the wrong endpoint means the peer did not detect the
	// invalid payload at all.
	if ec.WrongEndpointFatal && ec.ClosedByMe != s.closedByMe {
		s.behavior = Failed
	}
	if s.onLost != nil {
		s.onLost()
	}
}

// wrongCodeIsFatal is the hook of the close cases (7.x): a wrong close code fails them.
func (s *session) wrongCodeIsFatal() {
	if s.behaviorClose == WrongCode {
		s.behavior = Failed
		s.result = s.resultClose
	}
}

func (s *session) toResult(agent string, started time.Time, req, resp string) *Result {
	exp := map[Verdict][]Event{}
	for _, e := range s.expected {
		exp[e.Verdict] = e.Events
	}
	rc := s.remoteCloseReason
	return &Result{
		Agent: agent, ID: s.c.ID, Description: s.c.Description, Expectation: s.c.Expectation,
		Behavior: s.behavior, BehaviorClose: s.behaviorClose, Result: s.result, ResultClose: s.resultClose,
		Started: started.UTC(), Duration: time.Since(started).Milliseconds(), ReportTime: s.reportTime,
		Expected: exp, ExpectedClose: s.expectedClose, Received: s.received,
		IsServer: s.isServer, ClosedByMe: s.closedByMe, FailedByMe: s.failedByMe, DroppedByMe: s.droppedByMe,
		WasClean: s.wasClean, WasNotCleanReason: s.wasNotCleanReason,
		LocalCloseCode: s.localCloseCode, LocalCloseReason: excerpt([]byte(s.localCloseReason)),
		RemoteCloseCode: s.remoteCloseCode, RemoteCloseReason: rc,
		TxFrameStats: s.txFrames, RxFrameStats: s.rxFrames,
		HTTPRequest: req, HTTPResponse: resp, Wirelog: s.wirelog,
	}
}
