package autobahn

import (
	"context"
	"os"
	"testing"
	"time"
)

// quickOptions keeps runs against test peers short: section 9 shrunk, peers that do not
// answer waited for 300ms per suite second.
func quickOptions(agent string) *Options {
	return &Options{Agent: agent, Pace: 50 * time.Millisecond, Timeout: 300 * time.Millisecond, Shrink: 16, CaseTimeout: 20 * time.Second}
}

func runAgainst(t *testing.T, url string, opts *Options, patterns ...string) *Report {
	t.Helper()
	cases, err := Select(patterns, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunClient(context.Background(), url, cases, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestReferenceEchoPasses(t *testing.T) {
	url := startRawEcho(t, rawEcho{})
	rep := runAgainst(t, url, quickOptions("reference"), "*")
	if testing.Verbose() {
		rep.Summary(os.Stdout)
	}
	for _, r := range rep.Failed() {
		t.Errorf("case %s: behavior %s close %s: %s / %s", r.ID, r.Behavior, r.BehaviorClose, r.Result, r.ResultClose)
	}
}
