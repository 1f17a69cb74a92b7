package autobahn

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Report is the outcome of a run: one Result per case, in the order run, for one agent.
type Report struct {
	// Agent is the name of the implementation tested.
	Agent string
	// ServerMode is true when the harness was the server (it tested a client); reports
	// then go under clients/, else under servers/, as the suite lays them out.
	ServerMode bool
	Results    []*Result
}

// Failed returns the results that count as failures (see Result.Failed).
func (r *Report) Failed() []*Result {
	var out []*Result
	for _, res := range r.Results {
		if res.Failed() {
			out = append(out, res)
		}
	}
	return out
}

// RunClient runs cases against the WebSocket server at url, one connection per case and
// (unless Options.Parallel says otherwise) one case at a time, as the suite's fuzzing
// client does. Results are in the order of cases. It returns an error only when
// it cannot run at all; a case whose connection fails is a FAILED result. ctx cancels the
// run between cases.
func RunClient(ctx context.Context, url string, cases []*Case, opts *Options) (*Report, error) {
	if opts == nil {
		opts = &Options{}
	}
	rep := &Report{Agent: opts.agent(), Results: make([]*Result, len(cases))}
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, opts.parallel())
	)
	for i, c := range cases {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() {
				<-sem
				wg.Done()
			}()
			res := runClientCase(ctx, url, c, opts)
			mu.Lock()
			rep.Results[i] = res
			if opts.OnResult != nil {
				opts.OnResult(res)
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	done := rep.Results[:0]
	for _, r := range rep.Results {
		if r != nil {
			done = append(done, r)
		}
	}
	rep.Results = done
	return rep, ctx.Err()
}

func runClientCase(ctx context.Context, url string, c *Case, opts *Options) *Result {
	started := time.Now()
	offer := offersString(c.offers)
	d, err := dial(ctx, url, offer, 10*opts.timeout())
	if err != nil {
		return connectFailed(c, opts.agent(), started, false, err)
	}
	var pmd *pmdState
	answer := d.header.Values("Sec-WebSocket-Extensions")
	switch {
	case offer == "" && len(answer) > 0:
		// RFC 6455 §4.1: the client MUST fail if the server answers an extension it did not offer.
		_ = d.conn.Close()
		return connectFailed(c, opts.agent(), started, false, fmt.Errorf("server answered extensions %q that were not offered", answer))
	case offer != "":
		p, err := clientParams(answer, c.offers)
		if err != nil {
			_ = d.conn.Close()
			return connectFailed(c, opts.agent(), started, false, err)
		}
		if p != nil {
			pmd = newPMD(p)
		}
	}
	s := newSession(c, opts, d.conn, d.br, false)
	s.pmd = pmd
	s.run()
	return s.toResult(opts.agent(), started, d.request, d.response)
}

func connectFailed(c *Case, agent string, started time.Time, isServer bool, err error) *Result {
	return &Result{
		Agent: agent, ID: c.ID, Description: c.Description, Expectation: c.Expectation,
		Behavior: Failed, BehaviorClose: Failed,
		Result:      fmt.Sprintf("WebSocket connection could not be opened: %v", err),
		ResultClose: "no connection",
		Started:     started.UTC(), Duration: time.Since(started).Milliseconds(), IsServer: isServer,
	}
}

func unimplemented(c *Case, agent string, started time.Time, isServer bool, why string) *Result {
	return &Result{
		Agent: agent, ID: c.ID, Description: c.Description, Expectation: c.Expectation,
		Behavior: Unimplemented, BehaviorClose: Unimplemented,
		Result: why, ResultClose: why,
		Started: started.UTC(), Duration: time.Since(started).Milliseconds(), IsServer: isServer,
	}
}
