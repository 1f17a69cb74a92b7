package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
)

// sample is one raw measurement: one run of one implementation on one case.
type sample struct {
	measurement, cas, impl, metric, unit string
	run                                  int
	value                                float64
}

// results collects every sample of a session, in the order taken.
type results struct {
	samples []sample
	md      strings.Builder // the Markdown report, built as measurements finish
	out     io.Writer       // where Markdown is echoed as it is produced
}

func (r *results) add(measurement, cas, impl, metric, unit string, run int, v float64) {
	r.samples = append(r.samples, sample{measurement, cas, impl, metric, unit, run, v})
}

// median returns the median of the samples matching the key, and whether there were any.
func (r *results) median(measurement, cas, impl, metric string) (float64, bool) {
	var vs []float64
	for _, s := range r.samples {
		if s.measurement == measurement && s.cas == cas && s.impl == impl && s.metric == metric {
			vs = append(vs, s.value)
		}
	}
	if len(vs) == 0 {
		return 0, false
	}
	return median(vs), true
}

func median(vs []float64) float64 {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// printf appends to the Markdown report and echoes it.
func (r *results) printf(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	r.md.WriteString(s)
	if r.out != nil {
		_, _ = io.WriteString(r.out, s)
	}
}

// table writes a Markdown table.
func (r *results) table(head []string, rows [][]string) {
	r.printf("| %s |\n|", strings.Join(head, " | "))
	for i := range head {
		if i == 0 {
			r.printf(" :--- |")
		} else {
			r.printf(" ---: |")
		}
	}
	r.printf("\n")
	for _, row := range rows {
		r.printf("| %s |\n", strings.Join(row, " | "))
	}
	r.printf("\n")
}

// writeCSV writes every raw sample.
func (r *results) writeCSV(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write([]string{"measurement", "case", "impl", "metric", "unit", "run", "value"})
	for _, s := range r.samples {
		_ = w.Write([]string{s.measurement, s.cas, s.impl, s.metric, s.unit, strconv.Itoa(s.run),
			strconv.FormatFloat(s.value, 'g', 6, 64)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// num formats v with about three significant digits and thousands grouping.
func num(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1000:
		return fmt.Sprintf("%.2fk", v/1e3)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

// ratio formats a/b as "1.23×", or "–" when b is 0.
func ratio(a, b float64) string {
	if b == 0 || a == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// verdict says whether got meets want (higher is better unless lower).
func verdict(got, want float64, lower bool) string {
	if got == 0 {
		return "not measured"
	}
	if (!lower && got >= want) || (lower && got <= want) {
		return "MET"
	}
	return "not met"
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
