package crosscheck

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duplexws/duplex/autobahn"
)

// peers are the reference implementations the harness is checked against.
var peers = []struct {
	agent   string
	handler func() http.Handler
}{
	{"gorilla-websocket-v1.5.3", GorillaEcho},
	{"lxzan-gws-v1.8.9", GWSEcho},
}

// deflateSection reports whether a case belongs to the compression sections, where
// UNIMPLEMENTED is acceptable.
func deflateSection(id string) bool {
	return strings.HasPrefix(id, "12.") || strings.HasPrefix(id, "13.")
}

// TestPeersPassHarness runs every case the harness has against gorilla and gws and
// requires zero failures outside the compression sections: both libraries pass the
// official suite, so a failure here is a harness bug until shown otherwise.
func TestPeersPassHarness(t *testing.T) {
	cases, err := autobahn.Select([]string{"*"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var reports []*autobahn.Report
	for _, p := range peers {
		t.Run(p.agent, func(t *testing.T) {
			srv := httptest.NewServer(p.handler())
			defer srv.Close()
			opts := &autobahn.Options{Agent: p.agent}
			if testing.Short() {
				opts.Shrink = 16
			}
			rep, err := autobahn.RunClient(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), cases, opts)
			if err != nil {
				t.Fatal(err)
			}
			reports = append(reports, rep)
			var sb strings.Builder
			rep.Summary(&sb)
			t.Log("\n" + sb.String())
			for _, r := range rep.Results {
				if r.Failed() && !deflateSection(r.ID) {
					t.Errorf("case %s: behavior %s, close %s: %s / %s", r.ID, r.Behavior, r.BehaviorClose, r.Result, r.ResultClose)
				}
			}
			if err := rep.WriteFiles("../report"); err != nil {
				t.Error(err)
			}
		})
	}
	reports = append(reports, duplexReports(t, cases)...)
	t.Log("\n" + autobahn.MarkdownTable(reports...))
}

// duplexReports runs the same cases against this library's echo target (server role)
// and its client agent (client role), for the side-by-side table. Their verdicts are
// asserted by the gates in package autobahn, not here.
func duplexReports(t *testing.T, cases []*autobahn.Case) []*autobahn.Report {
	opts := func() *autobahn.Options {
		o := &autobahn.Options{Agent: "duplex-server"}
		if testing.Short() {
			o.Shrink = 16
		}
		return o
	}
	srv := httptest.NewServer(autobahn.EchoHandler())
	defer srv.Close()
	server, err := autobahn.RunClient(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), cases, opts())
	if err != nil {
		t.Fatal(err)
	}
	o := opts()
	done := make(chan struct{}, len(cases))
	o.OnResult = func(*autobahn.Result) { done <- struct{}{} }
	fs := autobahn.NewFuzzingServer(cases, "../report", o)
	fsrv := httptest.NewServer(fs)
	defer fsrv.Close()
	if err := autobahn.RunAgent(context.Background(), "ws"+strings.TrimPrefix(fsrv.URL, "http"), "duplex-client", nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.NewTimer(5 * time.Minute)
	defer deadline.Stop()
	for i := range cases {
		select {
		case <-done:
		case <-deadline.C:
			t.Fatalf("fuzzing server recorded %d of %d cases", i, len(cases))
		}
	}
	client := fs.Report("duplex-client")
	for _, r := range []*autobahn.Report{server, client} {
		if err := r.WriteFiles("../report"); err != nil {
			t.Error(err)
		}
	}
	return []*autobahn.Report{server, client}
}
