package main

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

// FuzzRender feeds arbitrary text to render: it must not panic, and it must either report
// errNoBenchmarks or print one table per family, each with a header, a rule and a row per
// case.
func FuzzRender(f *testing.F) {
	if sample, err := os.ReadFile("testdata/sample.txt"); err == nil {
		f.Add(string(sample))
	}
	f.Add("BenchmarkApply/simd/1KiB-2 1 1 ns/op 1 MB/s\n")
	f.Add("BenchmarkValid/stdlib/ascii/8B 1 1 ns/op NaN MB/s\nBenchmarkValid/simd/ascii/8B 1 1 ns/op -0 MB/s\n")
	f.Add("Benchmark-/-/- 1 MB/s MB/s\n")
	f.Fuzz(func(t *testing.T, in string) {
		var out bytes.Buffer
		err := render(strings.NewReader(in), &out, options{impl: "simd"})
		if errors.Is(err, errNoBenchmarks) {
			if out.Len() != 0 {
				t.Fatalf("output alongside errNoBenchmarks: %q", out.String())
			}
			return
		}
		if err != nil {
			// Only a line longer than the scanner's buffer can fail reading.
			if !strings.Contains(err.Error(), "reading input") {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if !strings.HasPrefix(out.String(), "**Benchmark") {
			t.Fatalf("output does not start with a table title: %q", out.String())
		}
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if line != "" && !strings.HasPrefix(line, "|") && !strings.HasPrefix(line, "**Benchmark") {
				t.Fatalf("stray line %q in output:\n%s", line, out.String())
			}
		}
	})
}
