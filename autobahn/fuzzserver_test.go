package autobahn

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/duplexws/duplex/internal/leak"
)

// rawClientAgent is a client echo agent written in the test on the harness's own wire
// code, correct by default, with switches that break it.
type rawClientAgent struct {
	noMask bool // send frames unmasked (a client MUST mask, RFC 6455 §5.3)
	noUTF8 bool // echo invalid text instead of failing with 1007
}

func (a rawClientAgent) run(t *testing.T, url string) {
	d, err := dial(context.Background(), url, "", 5*time.Second)
	if err != nil {
		t.Errorf("dial %s: %v", url, err)
		return
	}
	defer d.conn.Close()
	_ = d.conn.SetDeadline(time.Now().Add(20 * time.Second))
	key := [4]byte{9, 8, 7, 6}
	write := func(op byte, p []byte) {
		_, _ = d.conn.Write(encodeFrame(nil, true, 0, op, p, !a.noMask, key))
	}
	var msg []byte
	var msgOp byte
	for {
		f, err := readFrame(d.br, 1<<26)
		if err != nil {
			return
		}
		switch f.op {
		case opPing:
			write(opPong, f.payload)
		case opClose:
			write(opClose, []byte{0x03, 0xe8})
			return
		case opText, opBinary, opContinuation:
			if f.op != opContinuation {
				msgOp, msg = f.op, nil
			}
			msg = append(msg, f.payload...)
			if !f.fin {
				continue
			}
			if msgOp == opText && !a.noUTF8 && !utf8.Valid(msg) {
				write(opClose, binary.BigEndian.AppendUint16(nil, closeInvalidPayload))
				return
			}
			write(msgOp, msg)
		default:
			write(opClose, binary.BigEndian.AppendUint16(nil, closeProtocolError))
			return
		}
	}
}

func startFuzzingServer(t *testing.T, patterns []string, opts *Options) (*FuzzingServer, string) {
	t.Helper()
	cases, err := Select(patterns, nil)
	if err != nil {
		t.Fatal(err)
	}
	fs := NewFuzzingServer(cases, t.TempDir(), opts)
	srv := httptest.NewServer(fs)
	t.Cleanup(srv.Close)
	return fs, "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestFuzzingServerEndpoints(t *testing.T) {
	leak.Check(t)
	opts := quickOptions("")
	done := make(chan *Result, 3)
	opts.OnResult = func(r *Result) { done <- r }
	fs, base := startFuzzingServer(t, []string{"1.1.1", "2.1", "6.3.1"}, opts)
	ctx := context.Background()
	text, err := fetchText(ctx, Dial, base+"/getCaseCount")
	if err != nil || text != "3" {
		t.Fatalf("getCaseCount = %q, %v; want 3", text, err)
	}
	text, err = fetchText(ctx, Dial, base+"/getCaseInfo?case=2")
	var info map[string]string
	if err != nil || json.Unmarshal([]byte(text), &info) != nil || info["id"] != "2.1" {
		t.Fatalf("getCaseInfo = %q, %v; want id 2.1", text, err)
	}
	status := func() string {
		text, err := fetchText(ctx, Dial, base+"/getCaseStatus?case=2&agent=raw")
		var st map[string]string
		if err != nil || json.Unmarshal([]byte(text), &st) != nil {
			t.Fatalf("getCaseStatus = %q, %v", text, err)
		}
		return st["behavior"]
	}
	if got := status(); got != "UNKNOWN" {
		t.Errorf("status before the run = %s, want UNKNOWN", got)
	}
	for i := 1; i <= 3; i++ {
		rawClientAgent{}.run(t, fmt.Sprintf("%s/runCase?case=%d&agent=raw", base, i))
	}
	waitResults(t, done, 3)
	if got := status(); got != "OK" {
		t.Errorf("status after the run = %s, want OK", got)
	}
	if _, err := fetchText(ctx, Dial, base+"/updateReports?agent=raw"); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(fs.outdir, "clients", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var index map[string]map[string]struct {
		Behavior, BehaviorClose Verdict
		Reportfile              string
	}
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	if e := index["raw"]["6.3.1"]; e.Behavior != OK || e.BehaviorClose != OK || e.Reportfile != "raw_case_6_3_1.json" {
		t.Errorf("index.json raw/6.3.1 = %+v", e)
	}
	// Bad requests are answered with 400, not run.
	resp, err := http.Get(strings.Replace(base, "ws", "http", 1) + "/runCase?case=99&agent=raw")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("runCase?case=99: status %d, want 400", resp.StatusCode)
	}
}

// TestFuzzingServerCatchesBrokenClients: in server mode the harness fails clients that
// do not mask or do not validate UTF-8, and passes the correct agent.
func TestFuzzingServerCatchesBrokenClients(t *testing.T) {
	patterns := []string{"1.1.1", "2.2", "6.3.1", "6.20.1"}
	tests := []struct {
		name  string
		agent rawClientAgent
		want  map[string]Verdict
	}{
		{"correct", rawClientAgent{}, map[string]Verdict{"1.1.1": OK, "2.2": OK, "6.3.1": OK, "6.20.1": OK}},
		{"no masking", rawClientAgent{noMask: true}, map[string]Verdict{"1.1.1": Failed, "2.2": Failed}},
		{"no UTF-8 check", rawClientAgent{noUTF8: true}, map[string]Verdict{"1.1.1": OK, "6.3.1": Failed, "6.20.1": Failed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := quickOptions("")
			done := make(chan *Result, len(patterns))
			opts.OnResult = func(r *Result) { done <- r }
			fs, base := startFuzzingServer(t, patterns, opts)
			for i := range patterns {
				tt.agent.run(t, fmt.Sprintf("%s/runCase?case=%d&agent=a", base, i+1))
			}
			waitResults(t, done, len(patterns))
			rep := fs.Report("a")
			if rep == nil {
				t.Fatal("no report")
			}
			got := map[string]*Result{}
			for _, r := range rep.Results {
				got[r.ID] = r
				if !r.IsServer {
					t.Errorf("case %s: IsServer false in server mode", r.ID)
				}
			}
			for id, v := range tt.want {
				r := got[id]
				if r == nil {
					t.Errorf("case %s not recorded", id)
					continue
				}
				failed := r.Failed()
				if (v == Failed) != failed || v != Failed && r.Behavior != v {
					t.Errorf("case %s: behavior %s close %s, want %s (%s / %s)", id, r.Behavior, r.BehaviorClose, v, r.Result, r.ResultClose)
				}
			}
		})
	}
}

// waitResults waits until the fuzzing server has recorded n results: a client sees its
// case end when TCP closes, a little before the server has judged and recorded it.
func waitResults(t *testing.T, done <-chan *Result, n int) {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for i := 0; i < n; i++ {
		select {
		case <-done:
		case <-deadline.C:
			t.Fatalf("only %d of %d results recorded", i, n)
		}
	}
}
