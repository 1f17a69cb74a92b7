package crosscheck

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
	t.Log("\n" + autobahn.MarkdownTable(reports...))
}
