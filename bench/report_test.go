package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []float64
		want float64
	}{
		{"one", []float64{3}, 3},
		{"odd", []float64{5, 1, 3}, 3},
		{"even", []float64{4, 1, 3, 2}, 2.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := median(tc.in); got != tc.want {
				t.Fatalf("median(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestResultsCSVAndTargets(t *testing.T) {
	r := &results{}
	for run, v := range []float64{10, 30, 20} {
		r.add("echo", "16 B", duplexLib.name, "cpu µs/echo", "µs", run, v)
	}
	r.add("echo", "16 B", gorillaLib.name, "cpu µs/echo", "µs", 0, 40)
	r.add("echo", "16 B", gobwasLib.name, "cpu µs/echo", "µs", 0, 25)
	if got, _ := r.median("echo", "16 B", duplexLib.name, "cpu µs/echo"); got != 20 {
		t.Fatalf("median = %v, want 20", got)
	}
	if got := bestPeer(r, "echo", "16 B", "cpu µs/echo", true); got != 25 {
		t.Fatalf("best peer = %v, want 25 (the lowest)", got)
	}
	summary(r)
	if !strings.Contains(r.md.String(), "| echo server CPU/echo ≤ 0.70× best peer at 16 B | 0.80× (duplex; all: duplex 0.80×) | not met |") {
		t.Fatalf("summary lacks the 16 B echo verdict:\n%s", r.md.String())
	}
	path := filepath.Join(t.TempDir(), "b.csv")
	if err := r.writeCSV(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+5 || rows[1][6] != "10" || rows[3][5] != "2" {
		t.Fatalf("CSV rows = %q", rows)
	}
}
