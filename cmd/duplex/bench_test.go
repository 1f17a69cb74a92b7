package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duplexws/duplex/internal/leak"
)

func TestBenchOwnServer(t *testing.T) {
	leak.Check(t)
	tests := []struct {
		name string
		args []string
	}{
		{"binary", []string{"-duration", "150ms", "-conns", "2", "-size", "100"}},
		{"text, window 1", []string{"-duration", "100ms", "-conns", "1", "-size", "3000", "-window", "1", "-text"}},
		{"empty messages", []string{"-duration", "100ms", "-conns", "1", "-size", "0"}},
		{"compressed", []string{"-duration", "100ms", "-conns", "2", "-size", "4096", "-compress"}},
	}
	re := regexp.MustCompile(`echoed (\d+) messages .* msg/s, .* MB/s`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), append([]string{"bench"}, tt.args...), nil, &stdout, &stderr)
			if code != exitOK {
				t.Fatalf("exit %d\n%s%s", code, stdout.String(), stderr.String())
			}
			m := re.FindStringSubmatch(stdout.String())
			if m == nil {
				t.Fatalf("no result line:\n%s", stdout.String())
			}
			if n, _ := strconv.Atoi(m[1]); n == 0 {
				t.Errorf("no message echoed:\n%s", stdout.String())
			}
		})
	}
}

func TestBenchProgressAndCounts(t *testing.T) {
	leak.Check(t)
	url, stop, err := serveDemo(newDemo(demoConfig{Logger: discardLogger()}))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var ticks int
	res, err := bench(context.Background(), benchConfig{
		URL: url + "/echo", Conns: 2, Size: 10, Window: 4, Duration: 120 * time.Millisecond, Every: 20 * time.Millisecond,
	}, func(elapsed time.Duration, msgs, bytes int64) {
		ticks++
		if bytes != 10*msgs {
			t.Errorf("tick: %d bytes for %d messages of 10", bytes, msgs)
		}
	})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("bench: %v %v", err, res.Errors)
	}
	if ticks < 2 {
		t.Errorf("%d progress ticks in 120ms at 20ms", ticks)
	}
	if res.Messages == 0 || res.Bytes != 10*res.Messages || res.Elapsed < 120*time.Millisecond {
		t.Errorf("result %+v", res)
	}
}

func TestBenchUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"conns", []string{"-conns", "0"}, "-conns"},
		{"size", []string{"-size", "-1"}, "-size"},
		{"window", []string{"-window", "0"}, "-window"},
		{"duration", []string{"-duration", "2m"}, "-duration"},
		{"two URLs", []string{"ws://a/", "ws://b/"}, "one URL at most"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), append([]string{"bench"}, tt.args...), nil, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("exit %d, stderr %q", code, stderr.String())
			}
		})
	}
}
