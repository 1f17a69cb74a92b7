package main

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"strings"
)

// summary prints where each target of the assignment stands, from the medians.
func summary(r *results) {
	type row struct{ target, measured, status string }
	var rows []row
	add := func(target, measured, status string) { rows = append(rows, row{target, measured, status}) }

	// 1. Masking.
	if _, ok := r.median("mask", "1 KiB", "duplex mask.Apply", "MB/s"); ok {
		worst, where := math.Inf(1), ""
		for _, sz := range maskSizes {
			d, _ := r.median("mask", sz.name, "duplex mask.Apply", "MB/s")
			g, _ := r.median("mask", sz.name, "gobwas ws.Cipher", "MB/s")
			n, _ := r.median("mask", sz.name, "naive loop", "MB/s")
			if q := d / max(g, n); q < worst {
				worst, where = q, sz.name
			}
		}
		add("masking ≥ max(gobwas, naive) at every size", fmt.Sprintf("min %.2f× (at %s)", worst, where), verdict(worst, 1, false))
		for _, sz := range []string{"1 KiB", "16 KiB"} {
			d, _ := r.median("mask", sz, "duplex mask.Apply", "MB/s")
			g, _ := r.median("mask", sz, "gobwas ws.Cipher", "MB/s")
			add("masking ≥ 1.3× gobwas at "+sz, fmt.Sprintf("%.2f×", d/g), verdict(d/g, 1.3, false))
		}
	}
	// 2. Codec.
	for _, dir := range []string{"decode", "encode"} {
		worst, where, allocs := math.Inf(1), "", 0.0
		found := false
		for _, sz := range codecSizes {
			for _, text := range []bool{true, false} {
				cas := caseName(sz.name, text)
				d, ok := r.median(dir, cas, duplexLib.name, "ops/s")
				if !ok {
					continue
				}
				found = true
				a, _ := r.median(dir, cas, duplexLib.name, "allocs/op")
				allocs = max(allocs, a)
				if q := d / bestPeer(r, dir, cas, "ops/s", false); q < worst {
					worst, where = q, cas
				}
			}
		}
		if !found {
			continue
		}
		st := verdict(worst, 1.2, false)
		if allocs >= 0.01 {
			st = "not met"
		}
		add(dir+" ≥ 1.2× fastest peer at every size, 0 allocs/op",
			fmt.Sprintf("min %.2f× (at %s); max %.2f allocs/op", worst, where, allocs), st)
	}
	// 3. Echo.
	for _, c := range []struct {
		cas  string
		want float64
	}{{"16 B", 0.7}, {"16 KiB", 0.85}} {
		// Ours is the best of duplex's server APIs, each named in the table.
		d, which := 0.0, ""
		var parts []string
		for _, l := range []*library{duplexLib, duplexServeLib, duplexSendLib} {
			v, ok := r.median("echo", c.cas, l.name, "cpu µs/echo")
			if !ok || v == 0 {
				continue
			}
			parts = append(parts, fmt.Sprintf("%s %.2f×", l.name, v/bestPeer(r, "echo", c.cas, "cpu µs/echo", true)))
			if d == 0 || v < d {
				d, which = v, l.name
			}
		}
		if d == 0 {
			continue
		}
		q := d / bestPeer(r, "echo", c.cas, "cpu µs/echo", true)
		add(fmt.Sprintf("echo server CPU/echo ≤ %.2f× best peer at %s", c.want, c.cas),
			fmt.Sprintf("%.2f× (%s; all: %s)", q, which, strings.Join(parts, ", ")), verdict(q, c.want, true))
	}
	if d, ok := r.median("echo", "latency", duplexLib.name, "p50"); ok {
		raw, _ := r.median("echo", "latency", rawLib.name, "p50")
		q := d / raw
		add("latency p50 within 10% of raw TCP", fmt.Sprintf("%.2f×", q), verdict(q, 1.10, true))
	}
	// 4. Idle memory.
	if d, ok := r.median("idle", "idle", duplexLib.name, "heap+stack"); ok {
		q := d / bestPeer(r, "idle", "idle", "heap+stack", true)
		st := "MET"
		if q >= 1 {
			st = "not met"
		}
		rss, _ := r.median("idle", "idle", duplexLib.name, "rss")
		qr := rss / bestPeer(r, "idle", "idle", "rss", true)
		add("idle memory (heap+stack) below every peer",
			fmt.Sprintf("%.2f× the leanest peer (RSS delta: %.2f× the leanest peer's)", q, qr), st)
	}
	// 5. Compression.
	if _, ok := duplexCompressionField(); !ok {
		add("compression echo ≥ 1.3× fastest peer", "not available (conn.Options has no Compression field yet)", "not measured")
	} else if d, ok := r.median("deflate", deflateVaried, "duplex", "cpu µs/echo"); ok {
		// Judged on echoes per CPU-second (wall-clock echoes/s is in the table too): on
		// one CPU they are the same thing, minus the time other processes took.
		q := bestPeer(r, "deflate", deflateVaried, "cpu µs/echo", true) / d
		m := fmt.Sprintf("%.2f× (echoes per CPU-second, 16 different documents)", q)
		if d2, ok := r.median("deflate", deflateRepeated, "duplex", "cpu µs/echo"); ok {
			m += fmt.Sprintf("; %.2f× with one document repeated", bestPeer(r, "deflate", deflateRepeated, "cpu µs/echo", true)/d2)
		}
		add("compression echo ≥ 1.3× fastest peer", m, verdict(q, 1.3, false))
	}
	if len(rows) == 0 {
		return
	}
	r.printf("## Targets\n\n")
	var t [][]string
	for _, x := range rows {
		t = append(t, []string{x.target, x.measured, x.status})
	}
	r.table([]string{"target", "measured (medians, same run)", "status"}, t)
}

// chart draws the headline numbers as an SVG bar chart (standard library only): one
// panel per metric, one bar per implementation, ours highlighted.
func chart(r *results) []byte {
	type bar struct {
		name string
		v    float64
	}
	type panel struct {
		title string
		lower bool
		unit  string
		bars  []bar
	}
	var panels []panel
	addPanel := func(title, measurement, cas, metric, unit string, lower bool, scale float64, impls []string) {
		p := panel{title: title, lower: lower, unit: unit}
		for _, n := range impls {
			if v, ok := r.median(measurement, cas, n, metric); ok && v > 0 {
				p.bars = append(p.bars, bar{n, v * scale})
			}
		}
		if len(p.bars) > 1 {
			panels = append(panels, p)
		}
	}
	var codec, servers []string
	for _, l := range codecLibraries() {
		codec = append(codec, l.name)
	}
	for _, l := range echoServers() {
		servers = append(servers, l.name)
	}
	addPanel("Masking 16 KiB (GB/s, higher is better)", "mask", "16 KiB", "MB/s", "GB/s", false, 1e-3,
		[]string{"duplex mask.Apply", "gobwas ws.Cipher", "naive loop", "copy()"})
	addPanel("Decode 1 KiB text (M msg/s, higher is better)", "decode", "1 KiB text", "ops/s", "M/s", false, 1e-6, codec)
	addPanel("Encode 1 KiB text (M msg/s, higher is better)", "encode", "1 KiB text", "ops/s", "M/s", false, 1e-6, codec)
	addPanel("Echo 16 B: server CPU per echo (µs, lower is better)", "echo", "16 B", "cpu µs/echo", "µs", true, 1, servers)
	addPanel("Echo 16 KiB: server CPU per echo (µs, lower is better)", "echo", "16 KiB", "cpu µs/echo", "µs", true, 1, servers)
	addPanel("Idle memory per connection (KB heap+stack, lower is better)", "idle", "idle", "heap+stack", "KB", true, 1e-3, servers)
	var dl []string
	for _, l := range deflateLibs() {
		dl = append(dl, l.name)
	}
	addPanel("Compressed 16 KiB JSON echo, 16 documents (echoes/s, higher is better)", "deflate", deflateVaried, "echoes/s", "/s", false, 1, dl)

	const (
		w, colW, barH, gap, labelW = 960, 470, 16, 4, 150
	)
	var body bytes.Buffer
	y := [2]int{40, 40}
	for _, p := range panels {
		col := 0 // the shorter column takes the next panel
		if y[1] < y[0] {
			col = 1
		}
		x0, y0 := 10+col*(colW+10), y[col]
		fmt.Fprintf(&body, `<text x="%d" y="%d" font-weight="bold">%s</text>`+"\n", x0, y0+12, html.EscapeString(p.title))
		maxV := 0.0
		for _, b := range p.bars {
			maxV = max(maxV, b.v)
		}
		for j, b := range p.bars {
			by := y0 + 20 + j*(barH+gap)
			bw := int(float64(colW-labelW-70) * b.v / maxV)
			fill := "#9aa5b1"
			switch {
			case b.name == "duplex" || b.name == "duplex mask.Apply":
				fill = "#1f6feb"
			case b.name == duplexServeLib.name || b.name == duplexSendLib.name || b.name == "duplex (flate level 1)":
				fill = "#6ea8fe"
			case b.name == rawLib.name || b.name == "copy()":
				fill = "#d0d7de"
			}
			fmt.Fprintf(&body, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", x0+labelW-6, by+12, html.EscapeString(b.name))
			fmt.Fprintf(&body, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", x0+labelW, by, max(bw, 1), barH, fill)
			fmt.Fprintf(&body, `<text x="%d" y="%d">%s</text>`+"\n", x0+labelW+max(bw, 1)+4, by+12, num(b.v))
		}
		y[col] = y0 + 20 + len(p.bars)*(barH+gap) + 24
	}
	h := max(y[0], y[1]) + 10
	var out bytes.Buffer
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&out, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&out, `<text x="10" y="22" font-size="15" font-weight="bold">duplex vs Go WebSocket peers — medians of one run on one machine (bench/results)</text>`+"\n")
	out.Write(body.Bytes())
	out.WriteString("</svg>\n")
	return out.Bytes()
}
