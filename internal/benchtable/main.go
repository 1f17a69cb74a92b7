package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	var opts options
	flag.StringVar(&opts.base, "base", "", "baseline implementation (default: stdlib, copy, or the first seen)")
	flag.StringVar(&opts.impl, "impl", "simd", "implementation the ratio columns are computed for")
	flag.StringVar(&opts.ceiling, "ceiling", "read", "reference implementation (an upper bound) that gets a ratio column when present")
	flag.StringVar(&opts.stat, "stat", "median", "statistic of the runs per cell: median, or best (the fastest run)")
	flag.Parse()
	if err := render(os.Stdin, os.Stdout, opts); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

// options select the ratio columns and the statistic.
type options struct {
	base    string // baseline implementation; "" picks stdlib, copy or the first seen
	impl    string // candidate implementation
	ceiling string // reference (upper bound) implementation; a ratio column if present
	stat    string // "median" ("" too) or "best"
}

// errStat is returned for an unknown -stat.
var errStat = errors.New("benchtable: -stat must be median or best")

// statistic returns the function that reduces a cell's samples, and its name for titles.
func statistic(name string) (func([]float64) float64, string, error) {
	switch name {
	case "", "median":
		return median, "median", nil
	case "best":
		return slices.Max[[]float64], "best", nil
	}
	return nil, "", errStat
}

// errNoBenchmarks is returned when the input holds no benchmark with an MB/s figure.
var errNoBenchmarks = errors.New("benchtable: no benchmark lines with MB/s in input")

// family gathers the samples of one Benchmark<Family> function.
type family struct {
	name    string
	impls   []string                        // columns, in order of first appearance
	cases   []string                        // rows, in order of first appearance
	samples map[string]map[string][]float64 // case -> impl -> MB/s samples
}

// parseLine extracts the family, implementation, case and MB/s of one benchmark result
// line such as
//
//	BenchmarkApply/simd/1KiB-2   1000000   13.5 ns/op   75821.84 MB/s   0 B/op   0 allocs/op
//
// ok is false for any other line, and for results without MB/s.
func parseLine(line string) (fam, impl, cas string, mbs float64, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
		return "", "", "", 0, false
	}
	name := strings.TrimPrefix(fields[0], "Benchmark")
	// Drop the -GOMAXPROCS suffix, present unless GOMAXPROCS is 1.
	if i := strings.LastIndexByte(name, '-'); i >= 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	parts := strings.Split(name, "/")
	if len(parts) < 3 {
		return "", "", "", 0, false
	}
	for i := 2; i+1 < len(fields); i++ {
		if fields[i+1] == "MB/s" {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return "", "", "", 0, false
			}
			return parts[0], parts[1], strings.Join(parts[2:], "/"), v, true
		}
	}
	return "", "", "", 0, false
}

// median returns the median of xs (mean of the middle two for an even count).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func render(r io.Reader, w io.Writer, opts options) error {
	stat, statName, err := statistic(opts.stat)
	if err != nil {
		return err
	}
	var fams []*family
	byName := map[string]*family{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fam, impl, cas, mbs, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		f := byName[fam]
		if f == nil {
			f = &family{name: fam, samples: map[string]map[string][]float64{}}
			byName[fam] = f
			fams = append(fams, f)
		}
		if !slices.Contains(f.impls, impl) {
			f.impls = append(f.impls, impl)
		}
		if f.samples[cas] == nil {
			f.samples[cas] = map[string][]float64{}
			f.cases = append(f.cases, cas)
		}
		f.samples[cas][impl] = append(f.samples[cas][impl], mbs)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("benchtable: reading input: %w", err)
	}
	if len(fams) == 0 {
		return errNoBenchmarks
	}
	bw := bufio.NewWriter(w)
	for i, f := range fams {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		writeTable(bw, f, opts, stat, statName)
	}
	return bw.Flush()
}

// baseline picks the baseline column of f.
func baseline(f *family, want string) string {
	if want != "" {
		if slices.Contains(f.impls, want) {
			return want
		}
		return ""
	}
	for _, b := range []string{"stdlib", "copy"} {
		if slices.Contains(f.impls, b) {
			return b
		}
	}
	return f.impls[0]
}

func writeTable(w io.Writer, f *family, opts options, stat func([]float64) float64, statName string) {
	base := baseline(f, opts.base)
	var ratios []string // denominators of the ratio columns
	if slices.Contains(f.impls, opts.impl) {
		for _, d := range []string{base, "generic", opts.ceiling} {
			if d != "" && d != opts.impl && slices.Contains(f.impls, d) && !slices.Contains(ratios, d) {
				ratios = append(ratios, d)
			}
		}
	}
	runs := 0
	for _, bi := range f.samples {
		for _, s := range bi {
			runs = max(runs, len(s))
		}
	}
	fmt.Fprintf(w, "**Benchmark%s** — %s GB/s of %d run(s)", f.name, statName, runs)
	if base != "" {
		fmt.Fprintf(w, ", baseline `%s`", base)
	}
	fmt.Fprint(w, "\n\n| case |")
	for _, im := range f.impls {
		fmt.Fprintf(w, " %s |", im)
	}
	for _, d := range ratios {
		fmt.Fprintf(w, " %s ÷ %s |", opts.impl, d)
	}
	fmt.Fprint(w, "\n|:--|")
	for range len(f.impls) + len(ratios) {
		fmt.Fprint(w, "--:|")
	}
	fmt.Fprintln(w)
	for _, cas := range f.cases {
		bi := f.samples[cas]
		fmt.Fprintf(w, "| %s |", cas)
		for _, im := range f.impls {
			if s := bi[im]; len(s) > 0 {
				fmt.Fprintf(w, " %.2f |", stat(s)/1000)
			} else {
				fmt.Fprint(w, " – |")
			}
		}
		for _, d := range ratios {
			num, den := bi[opts.impl], bi[d]
			if len(num) > 0 && len(den) > 0 && stat(den) > 0 {
				fmt.Fprintf(w, " %.2f× |", stat(num)/stat(den))
			} else {
				fmt.Fprint(w, " – |")
			}
		}
		fmt.Fprintln(w)
	}
}
