package autobahn

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duplexws/duplex/internal/leak"
)

// quickOptions keeps runs against test peers short: section 9 shrunk, deliberate delays
// halved. Timeout only elapses against a peer that does not answer, so it is generous: at
// 1s a reference echo's close handshake came back UNCLEAN under go test -race on a loaded
// machine (cases 12.3.6, 12.3.10). Tests of peers that never answer set their own.
func quickOptions(agent string) *Options {
	return &Options{Agent: agent, Parallel: 4, Pace: 50 * time.Millisecond, Timeout: 3 * time.Second, Shrink: 16, CaseTimeout: 20 * time.Second}
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
	leak.Check(t)
	url := startRawEcho(t, rawEcho{})
	rep := runAgainst(t, url, quickOptions("reference"), "*")
	if testing.Verbose() {
		rep.Summary(os.Stdout)
	}
	for _, r := range rep.Failed() {
		t.Errorf("case %s: behavior %s close %s: %s / %s", r.ID, r.Behavior, r.BehaviorClose, r.Result, r.ResultClose)
	}
}

// TestBrokenPeersFail runs the harness against echo servers broken on purpose and checks
// that the suite's verdicts catch each defect: the harness must not pass a broken peer.
func TestBrokenPeersFail(t *testing.T) {
	type want struct {
		id       string
		behavior Verdict // "" = do not check
		close    Verdict // "" = do not check
	}
	tests := []struct {
		name  string
		peer  rawEcho
		cases []string
		want  []want
	}{
		{"no UTF-8 validation", rawEcho{noUTF8: true}, []string{"6.3.*", "6.4.*", "6.8.1", "6.20.1", "6.2.1"}, []want{
			{"6.3.1", Failed, Failed}, {"6.3.2", Failed, Failed}, {"6.4.1", Failed, ""}, {"6.4.3", Failed, ""},
			{"6.8.1", Failed, Failed}, {"6.20.1", Failed, Failed}, {"6.2.1", OK, OK}}},
		{"wrong close code", rawEcho{wrongCode: true}, []string{"3.1", "6.3.1", "7.9.1", "7.5.1", "1.1.1"}, []want{
			{"3.1", OK, WrongCode}, {"6.3.1", OK, WrongCode}, {"7.9.1", Failed, WrongCode}, {"7.5.1", Failed, WrongCode}, {"1.1.1", OK, OK}}},
		{"accepts RSV bits", rawEcho{acceptRSV: true}, []string{"3.*"}, []want{
			{"3.1", Failed, Failed}, {"3.2", Failed, Failed}, {"3.4", Failed, Failed}, {"3.5", Failed, Failed}, {"3.7", OK, WrongCode}}},
		{"ignores pings", rawEcho{pingMode: pingIgnore}, []string{"2.*", "5.6", "5.19"}, []want{
			{"2.1", Failed, ""}, {"2.2", Failed, ""}, {"2.6", Failed, ""}, {"2.10", Failed, ""}, {"5.6", Failed, ""}, {"5.19", Failed, ""},
			{"2.5", OK, OK}, {"2.7", OK, OK}}},
		{"pongs without payload", rawEcho{pingMode: pingEmpty}, []string{"2.1", "2.2", "2.3", "2.9"}, []want{
			{"2.1", OK, OK}, {"2.2", Failed, ""}, {"2.3", Failed, ""}, {"2.9", Failed, ""}}},
		// The suite grades a peer that only validates complete messages NON-STRICT, not
		// FAILED: fail-fast is a SHOULD (RFC 6455 §8.1 "as soon as").
		{"no fail-fast", rawEcho{noFailFast: true}, []string{"6.4.*", "6.3.2"}, []want{
			{"6.4.1", NonStrict, OK}, {"6.4.2", NonStrict, OK}, {"6.3.2", OK, OK}}},
		{"never answers close", rawEcho{ignoreClose: true}, []string{"7.1.2", "7.3.1", "7.7.1", "1.1.1"}, []want{
			{"7.3.1", "", Unclean}, {"7.7.1", "", Unclean}, {"1.1.1", "", Unclean}}},
		{"accepts reserved opcodes", rawEcho{acceptBadOps: true}, []string{"4.*"}, []want{
			{"4.1.1", OK, Failed}, {"4.1.3", Failed, Failed}, {"4.2.4", Failed, Failed}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := startRawEcho(t, tt.peer)
			opts := quickOptions("broken")
			opts.Timeout = time.Second // generous: control cases must not time out on a loaded machine
			rep := runAgainst(t, url, opts, tt.cases...)
			got := map[string]*Result{}
			for _, r := range rep.Results {
				got[r.ID] = r
			}
			for _, w := range tt.want {
				r, ok := got[w.id]
				if !ok {
					t.Errorf("case %s not run", w.id)
					continue
				}
				if w.behavior != "" && r.Behavior != w.behavior {
					t.Errorf("case %s: behavior %s, want %s (%s)", w.id, r.Behavior, w.behavior, r.Result)
				}
				if w.close != "" && r.BehaviorClose != w.close {
					t.Errorf("case %s: close %s, want %s (%s)", w.id, r.BehaviorClose, w.close, r.ResultClose)
				}
			}
		})
	}
}

// gateExclude lists the sections the gates leave out: the compression sections 12 and 13
// for as long as conn has no permessage-deflate (EchoHandler and Dial then negotiate none
// and every case there is UNIMPLEMENTED). Flip echoCompression when conn gains it.
func gateExclude() []string {
	if echoCompression {
		return nil
	}
	return []string{"12.*", "13.*"}
}

func runAgainstExcluding(t *testing.T, url string, opts *Options, exclude []string) *Report {
	t.Helper()
	cases, err := Select([]string{"*"}, exclude)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := RunClient(context.Background(), url, cases, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// gateVerdicts fails t for every FAILED or UNIMPLEMENTED case, logging its wire log.
func gateVerdicts(t *testing.T, rep *Report) {
	t.Helper()
	for _, r := range rep.Results {
		if !r.Failed() && r.Behavior != Unimplemented {
			continue
		}
		t.Errorf("case %s: behavior %s, close %s: %s / %s (closedByMe=%v droppedByMe=%v wasClean=%v %s, %d ms)",
			r.ID, r.Behavior, r.BehaviorClose, r.Result, r.ResultClose, r.ClosedByMe, r.DroppedByMe, r.WasClean, r.WasNotCleanReason, r.Duration)
		for _, w := range r.Wirelog {
			t.Logf("  %s: %8dus %-4s op=%d fin=%v rsv=%d len=%d %s %s", r.ID, w.AtMicros, w.Kind, w.Op, w.Fin, w.Rsv, w.Len, w.Data, w.Note)
		}
	}
}

// gateOptions returns the options of the conformance gates: the suite's sizes and counts
// unless the run is -short (sections 9, 12 and 13 divided by 16) or under the race
// detector (divided by 1000); make autobahn runs the full sizes.
func gateOptions(agent string) *Options {
	// A peer that answers is never waited for, so a generous Timeout costs nothing and
	// keeps a loaded CI machine from turning slowness into verdicts.
	o := &Options{Agent: agent, Parallel: 4, Timeout: 2 * time.Second}
	switch {
	case raceEnabled:
		// The race detector slows compression about tenfold: one round trip per case of
		// sections 12 and 13, section 9 at 1/1000 of its sizes.
		o.Shrink = 1000
	case testing.Short():
		o.Shrink = 16
	}
	if v, err := strconv.Atoi(os.Getenv("AUTOBAHN_SHRINK")); err == nil && v > 0 {
		o.Shrink = v // make autobahn AUTOBAHN_SHRINK=16 for a quicker full-suite run
	}
	return o
}

// TestConformanceServer is the gate for the server role: the full suite (every section the
// harness has) against EchoHandler, the echo target on this library's conn with library
// defaults. Any FAILED or UNIMPLEMENTED verdict fails it.
func TestConformanceServer(t *testing.T) {
	leak.Check(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Serve(ln) }()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
	})
	rep := runAgainstExcluding(t, localURL(ln), gateOptions("duplex-server"), gateExclude())
	var sb strings.Builder
	rep.Summary(&sb)
	t.Log("\n" + sb.String())
	gateVerdicts(t, rep)
	if os.Getenv("AUTOBAHN_REPORT") != "" {
		if err := rep.WriteFiles(os.Getenv("AUTOBAHN_REPORT")); err != nil {
			t.Error(err)
		}
	}
}

// TestConformanceClient is the gate for the client role: the fuzzing server runs every
// case against RunAgent, the echo agent on this library's client side (handshake + conn
// in the client role). Any FAILED or UNIMPLEMENTED verdict fails it.
func TestConformanceClient(t *testing.T) {
	leak.Check(t)
	cases, err := Select([]string{"*"}, gateExclude())
	if err != nil {
		t.Fatal(err)
	}
	opts := gateOptions("")
	done := make(chan *Result, len(cases)+1)
	opts.OnResult = func(r *Result) { done <- r }
	fs := NewFuzzingServer(cases, t.TempDir(), opts)
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	base := "ws" + strings.TrimPrefix(srv.URL, "http")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := RunAgent(ctx, base, "duplex-client", nil); err != nil {
		t.Fatal(err)
	}
	waitResults(t, done, len(cases))
	rep := fs.Report("duplex-client")
	if rep == nil || len(rep.Results) != len(cases) {
		t.Fatalf("report has %d results, want %d", len(rep.Results), len(cases))
	}
	var sb strings.Builder
	rep.Summary(&sb)
	t.Log("\n" + sb.String())
	gateVerdicts(t, rep)
	if _, err := os.Stat(filepath.Join(rep.Dir(fs.outdir), "index.json")); err != nil {
		t.Errorf("updateReports did not write index.json: %v", err)
	}
	if os.Getenv("AUTOBAHN_REPORT") != "" {
		if err := rep.WriteFiles(os.Getenv("AUTOBAHN_REPORT")); err != nil {
			t.Error(err)
		}
	}
}
