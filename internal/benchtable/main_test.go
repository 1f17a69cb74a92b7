package main

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseLine(t *testing.T) {
	type result struct {
		Fam, Impl, Case string
		MBs             float64
		OK              bool
	}
	tests := []struct {
		name, line string
		want       result
	}{
		{"mask", "BenchmarkApply/simd/1KiB-2   100   13.5 ns/op   75821.84 MB/s   0 B/op   0 allocs/op",
			result{"Apply", "simd", "1KiB", 75821.84, true}},
		{"utf8 corpus and size", "BenchmarkValid/stdlib/japanese/16KiB-16  10  1.0 ns/op  2000.5 MB/s",
			result{"Valid", "stdlib", "japanese/16KiB", 2000.5, true}},
		{"GOMAXPROCS 1 has no suffix", "BenchmarkApply/copy/8B  100  5 ns/op  1600 MB/s",
			result{"Apply", "copy", "8B", 1600, true}},
		{"dash inside a name is kept", "BenchmarkApply/simd-avx2/1MiB-2  100  5 ns/op  9 MB/s",
			result{"Apply", "simd-avx2", "1MiB", 9, true}},
		{"no MB/s", "BenchmarkValid/Feed/ascii-2  100  50 ns/op", result{}},
		{"too few levels", "BenchmarkOther/x-2  100  50 ns/op  1 MB/s", result{}},
		{"not a benchmark", "ok  github.com/duplexws/duplex/mask  6.2s", result{}},
		{"bad number", "BenchmarkApply/copy/8B-2  100  5 ns/op  x MB/s", result{}},
		{"empty", "", result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got result
			got.Fam, got.Impl, got.Case, got.MBs, got.OK = parseLine(tt.line)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseLine(%q) mismatch (-want +got):\n%s", tt.line, diff)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{"one", []float64{3}, 3},
		{"odd unsorted", []float64{9, 1, 5}, 5},
		{"even", []float64{4, 1, 3, 2}, 2.5},
		{"outlier", []float64{1, 1, 1, 1000, 1}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]float64(nil), tt.in...)
			if got := median(in); got != tt.want {
				t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
			}
			if diff := cmp.Diff(tt.in, in); diff != "" {
				t.Errorf("median modified its input:\n%s", diff)
			}
		})
	}
}

// TestRenderGolden renders mask and utf8 output with repeated runs, noise lines, a
// benchmark without MB/s and a missing cell, and compares with testdata/sample.md.
func TestRenderGolden(t *testing.T) {
	in, err := os.ReadFile("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/sample.md")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := render(bytes.NewReader(in), &out, options{impl: "simd"}); err != nil {
		t.Fatalf("render: %v", err)
	}
	if diff := cmp.Diff(string(want), out.String()); diff != "" {
		t.Errorf("render mismatch (-want +got):\n%s", diff)
	}
}

func TestRenderOptions(t *testing.T) {
	in := "BenchmarkApply/copy/8B-2 1 1 ns/op 1000 MB/s\n" +
		"BenchmarkApply/naive/8B-2 1 1 ns/op 500 MB/s\n" +
		"BenchmarkApply/generic/8B-2 1 1 ns/op 2000 MB/s\n"
	tests := []struct {
		name   string
		opts   options
		header string
		row    string
	}{
		{"no candidate, no ratio", options{impl: "simd"},
			"| case | copy | naive | generic |", "| 8B | 1.00 | 0.50 | 2.00 |"},
		{"candidate generic vs copy", options{impl: "generic"},
			"| case | copy | naive | generic | generic ÷ copy |", "| 8B | 1.00 | 0.50 | 2.00 | 2.00× |"},
		{"explicit baseline", options{base: "naive", impl: "generic"},
			"| case | copy | naive | generic | generic ÷ naive |", "| 8B | 1.00 | 0.50 | 2.00 | 4.00× |"},
		{"unknown baseline", options{base: "nope", impl: "generic"},
			"| case | copy | naive | generic |", "| 8B | 1.00 | 0.50 | 2.00 |"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := render(strings.NewReader(in), &out, tt.opts); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(out.String(), "\n")
			if len(lines) < 6 {
				t.Fatalf("short output:\n%s", out.String())
			}
			if diff := cmp.Diff([]string{tt.header, tt.row}, []string{lines[2], lines[4]}); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s\nfull output:\n%s", diff, out.String())
			}
		})
	}
}

func TestRenderEmpty(t *testing.T) {
	var out bytes.Buffer
	err := render(strings.NewReader("PASS\nok  x  1s\n"), &out, options{impl: "simd"})
	if !errors.Is(err, errNoBenchmarks) {
		t.Fatalf("render of input without benchmarks: err = %v, want %v", err, errNoBenchmarks)
	}
}

// TestRenderStatAndCeiling checks -stat (median or fastest run per cell, named in the
// title), the ratio column against the ceiling reference, and that stdlib is preferred to
// copy as the default baseline when a family has both.
func TestRenderStatAndCeiling(t *testing.T) {
	in := "BenchmarkValid/stdlib/ascii/1KiB-2 1 1 ns/op 10000 MB/s\n" +
		"BenchmarkValid/stdlib/ascii/1KiB-2 1 1 ns/op 30000 MB/s\n" +
		"BenchmarkValid/stdlib/ascii/1KiB-2 1 1 ns/op 20000 MB/s\n" +
		"BenchmarkValid/simd/ascii/1KiB-2 1 1 ns/op 100000 MB/s\n" +
		"BenchmarkValid/simd/ascii/1KiB-2 1 1 ns/op 60000 MB/s\n" +
		"BenchmarkValid/simd/ascii/1KiB-2 1 1 ns/op 80000 MB/s\n" +
		"BenchmarkValid/copy/ascii/1KiB-2 1 1 ns/op 50000 MB/s\n" +
		"BenchmarkValid/read/ascii/1KiB-2 1 1 ns/op 125000 MB/s\n"
	tests := []struct {
		name               string
		opts               options
		title, header, row string
	}{
		{"median", options{impl: "simd", ceiling: "read"},
			"**BenchmarkValid** — median GB/s of 3 run(s), baseline `stdlib`",
			"| case | stdlib | simd | copy | read | simd ÷ stdlib | simd ÷ read |",
			"| ascii/1KiB | 20.00 | 80.00 | 50.00 | 125.00 | 4.00× | 0.64× |"},
		{"best", options{impl: "simd", ceiling: "read", stat: "best"},
			"**BenchmarkValid** — best GB/s of 3 run(s), baseline `stdlib`",
			"| case | stdlib | simd | copy | read | simd ÷ stdlib | simd ÷ read |",
			"| ascii/1KiB | 30.00 | 100.00 | 50.00 | 125.00 | 3.33× | 0.80× |"},
		{"no ceiling column without the reference", options{impl: "simd", ceiling: "absent"},
			"**BenchmarkValid** — median GB/s of 3 run(s), baseline `stdlib`",
			"| case | stdlib | simd | copy | read | simd ÷ stdlib |",
			"| ascii/1KiB | 20.00 | 80.00 | 50.00 | 125.00 | 4.00× |"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := render(strings.NewReader(in), &out, tt.opts); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(out.String(), "\n")
			if len(lines) < 5 {
				t.Fatalf("short output:\n%s", out.String())
			}
			want := []string{tt.title, tt.header, tt.row}
			if diff := cmp.Diff(want, []string{lines[0], lines[2], lines[4]}); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s\nfull output:\n%s", diff, out.String())
			}
		})
	}
	var out bytes.Buffer
	if err := render(strings.NewReader(in), &out, options{impl: "simd", stat: "mean"}); !errors.Is(err, errStat) {
		t.Errorf("render with -stat mean: err = %v, want %v", err, errStat)
	}
}
