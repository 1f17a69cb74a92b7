package autobahn

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// FuzzingServer is the harness in fuzzing-server mode: an http.Handler that tests
// WebSocket clients with the suite's URL scheme. A client under test connects to
//
//	/getCaseCount                    receives the number of cases as a text message
//	/runCase?case=N&agent=NAME       runs case N (1-based) against the client
//	/getCaseInfo?case=N              receives {"id": ..., "description": ...}
//	/getCaseStatus?case=N&agent=NAME receives {"behavior": ...}
//	/updateReports?agent=NAME        makes the server write the reports
//
// Every endpoint is a WebSocket endpoint, as in the suite. Results are kept per agent.
type FuzzingServer struct {
	cases  []*Case
	outdir string
	opts   *Options

	mu      sync.Mutex
	reports map[string]*Report
	order   []string
}

// NewFuzzingServer returns a fuzzing server that runs cases and writes reports under
// outdir/clients.
func NewFuzzingServer(cases []*Case, outdir string, opts *Options) *FuzzingServer {
	if opts == nil {
		opts = &Options{}
	}
	return &FuzzingServer{cases: cases, outdir: outdir, opts: opts, reports: map[string]*Report{}}
}

// Reports returns the report of every agent seen so far, in order of first appearance.
func (f *FuzzingServer) Reports() []*Report {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*Report, 0, len(f.order))
	for _, a := range f.order {
		out = append(out, f.copyReport(a))
	}
	return out
}

// Report returns a snapshot of the results recorded for agent, or nil.
func (f *FuzzingServer) Report(agent string) *Report {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.copyReport(agent)
}

func (f *FuzzingServer) copyReport(agent string) *Report {
	r, ok := f.reports[agent]
	if !ok {
		return nil
	}
	return &Report{Agent: r.Agent, ServerMode: true, Results: append([]*Result(nil), r.Results...)}
}

func (f *FuzzingServer) record(res *Result) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.reports[res.Agent]
	if !ok {
		r = &Report{Agent: res.Agent, ServerMode: true}
		f.reports[res.Agent] = r
		f.order = append(f.order, res.Agent)
	}
	for i, old := range r.Results {
		if old.ID == res.ID {
			r.Results[i] = res
			return
		}
	}
	r.Results = append(r.Results, res)
}

func (f *FuzzingServer) caseParam(r *http.Request) (*Case, error) {
	n, err := strconv.Atoi(r.URL.Query().Get("case"))
	if err != nil || n < 1 || n > len(f.cases) {
		return nil, fmt.Errorf("case must be 1..%d", len(f.cases))
	}
	return f.cases[n-1], nil
}

// ServeHTTP implements http.Handler.
func (f *FuzzingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	agent := r.URL.Query().Get("agent")
	switch r.URL.Path {
	case "/runCase":
		c, err := f.caseParam(r)
		if err != nil || agent == "" {
			http.Error(w, "need case=N (1-based) and agent=NAME", http.StatusBadRequest)
			return
		}
		f.runCase(w, r, c, agent)
	case "/getCaseCount":
		f.command(w, r, strconv.Itoa(len(f.cases)))
	case "/getCaseInfo":
		c, err := f.caseParam(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b, _ := json.Marshal(map[string]string{"id": c.ID, "description": c.Description})
		f.command(w, r, string(b))
	case "/getCaseStatus":
		c, err := f.caseParam(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		status := "UNKNOWN"
		if rep := f.Report(agent); rep != nil {
			for _, res := range rep.Results {
				if res.ID == c.ID {
					status = string(res.Behavior)
				}
			}
		}
		b, _ := json.Marshal(map[string]string{"behavior": status})
		f.command(w, r, string(b))
	case "/updateReports":
		for _, rep := range f.Reports() {
			if agent == "" || rep.Agent == agent {
				_ = rep.WriteFiles(f.outdir)
			}
		}
		f.command(w, r, "")
	default:
		http.NotFound(w, r)
	}
}

func (f *FuzzingServer) runCase(w http.ResponseWriter, r *http.Request, c *Case, agent string) {
	started := time.Now()
	var (
		answer string
		params *pmdParams
	)
	if len(c.accepts) > 0 {
		answer, params = serverAnswer(r.Header.Values("Sec-WebSocket-Extensions"), c.accepts)
	}
	a, err := acceptUpgrade(w, r, answer)
	if err != nil {
		f.record(connectFailed(c, agent, started, true, err))
		return
	}
	o := *f.opts
	o.Agent = agent
	s := newSession(c, &o, a.conn, a.br, true)
	if params != nil {
		s.pmd = newPMD(params)
	}
	s.run()
	res := s.toResult(agent, started, a.request, a.response)
	f.record(res)
	if f.opts.OnResult != nil {
		f.opts.OnResult(res)
	}
}

// command upgrades, sends text (if any) as one text message, and closes.
func (f *FuzzingServer) command(w http.ResponseWriter, r *http.Request, text string) {
	a, err := acceptUpgrade(w, r, "")
	if err != nil {
		return
	}
	defer a.conn.Close()
	var out []byte
	if text != "" {
		out = encodeFrame(out, true, 0, opText, []byte(text), false, [4]byte{})
	}
	out = encodeFrame(out, true, 0, opClose, []byte{0x03, 0xe8}, false, [4]byte{})
	_ = a.conn.SetDeadline(time.Now().Add(5 * f.opts.timeout()))
	if _, err := a.conn.Write(out); err != nil {
		return
	}
	// Wait for the client's close (RFC 6455 §7.1.1), then drop TCP.
	for i := 0; i < 64; i++ {
		fr, err := readFrame(a.br, 1<<20)
		if err != nil || fr.op == opClose {
			return
		}
	}
}
