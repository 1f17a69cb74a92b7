package autobahn

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func synthetic(agent string, verdicts map[string][2]Verdict) *Report {
	r := &Report{Agent: agent}
	for _, c := range Cases() {
		if v, ok := verdicts[c.ID]; ok {
			code := 1000
			r.Results = append(r.Results, &Result{Agent: agent, ID: c.ID, Behavior: v[0], BehaviorClose: v[1], RemoteCloseCode: &code})
		}
	}
	return r
}

func TestReportSectionsAndTable(t *testing.T) {
	rep := synthetic("x", map[string][2]Verdict{
		"1.1.1": {OK, OK}, "1.1.2": {Failed, OK}, "2.1": {OK, Unclean}, "6.4.1": {NonStrict, OK},
		"7.1.6": {Informational, Informational}, "12.1.1": {Unimplemented, OK}, "2.2": {OK, WrongCode},
	})
	got := map[string][3]int{}
	for _, sc := range rep.Sections() {
		got[sc.Section] = [3]int{sc.Cases, sc.Failures, sc.CloseNotOK}
	}
	want := map[string][3]int{"1": {2, 1, 0}, "2": {2, 1, 2}, "6": {1, 0, 0}, "7": {1, 0, 0}, "12": {1, 0, 0}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Sections (-want +got):\n%s", diff)
	}
	table := MarkdownTable(rep, synthetic("y", map[string][2]Verdict{"1.1.1": {OK, OK}}))
	for _, line := range []string{"| section | x | y |", "| 1 Framing | 1/0/0/0/1 | 1/0/0/0/0 |", "| 2 Pings/Pongs | 2/0/0/0/0 | - |"} {
		if !strings.Contains(table, line) {
			t.Errorf("MarkdownTable lacks %q:\n%s", line, table)
		}
	}
	var sb strings.Builder
	rep.Summary(&sb)
	if !strings.Contains(sb.String(), "FAILED 1.1.2") || !strings.Contains(sb.String(), "FAILED 2.1") || strings.Contains(sb.String(), "FAILED 2.2") {
		t.Errorf("Summary failure lines wrong:\n%s", sb.String())
	}
}

// TestWriteFilesMergesAgents: index.json keeps the suite's shape and other agents' entries.
func TestWriteFilesMergesAgents(t *testing.T) {
	dir := t.TempDir()
	for _, r := range []*Report{
		synthetic("Agent One", map[string][2]Verdict{"1.1.1": {OK, OK}}),
		synthetic("agent-two", map[string][2]Verdict{"1.1.1": {Failed, Failed}}),
	} {
		if err := r.WriteFiles(dir); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "servers", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index map[string]map[string]map[string]any
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]map[string]any{
		"Agent One": {"1.1.1": {"behavior": "OK", "behaviorClose": "OK", "duration": 0.0, "remoteCloseCode": 1000.0, "reportfile": "agent_one_case_1_1_1.json"}},
		"agent-two": {"1.1.1": {"behavior": "FAILED", "behaviorClose": "FAILED", "duration": 0.0, "remoteCloseCode": 1000.0, "reportfile": "agent_two_case_1_1_1.json"}},
	}
	if diff := cmp.Diff(want, index); diff != "" {
		t.Errorf("index.json (-want +got):\n%s", diff)
	}
	for _, f := range []string{"agent_one_case_1_1_1.json", "agent_two.html", "agent_one.html", "index.html"} {
		if _, err := os.Stat(filepath.Join(dir, "servers", f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, "servers", "index.html"))
	if !strings.Contains(string(html), `href="agent_two.html"`) {
		t.Errorf("index.html does not link agent_two.html")
	}
}
