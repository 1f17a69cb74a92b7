package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// config holds the command-line settings of one session.
type config struct {
	quick     bool
	only      map[string]bool
	outDir    string
	count     int           // runs per micro-benchmark case
	benchtime time.Duration // per run of a micro-benchmark case
	echoDur   time.Duration // measuring window of one echo throughput run
	echoRuns  int
	latDur    time.Duration
	idleConns int
	cpus      [2]int // client, server CPU; -1: no pinning
}

func main() {
	testing.Init()
	quick := flag.Bool("quick", false, "short runs (about 2 minutes in all)")
	only := flag.String("only", "mask,codec,echo,idle,deflate", "measurements to run, comma-separated")
	out := flag.String("out", "results", "directory for bench.csv, bench.md and bench.svg")
	conns := flag.Int("conns", 0, "connections for the idle-memory measurement (default 10000, -quick 2000)")
	libs := flag.String("libs", "", "only these implementations, comma-separated (default: all)")
	flag.StringVar(&childProfileDir, "childprofile", "", "write a CPU profile of each echo server child to this directory (<library>.pprof)")
	child := flag.String("child", "", "internal: run as the echo-server child process for this library")
	flag.Parse()

	if *child != "" {
		os.Exit(runChild(*child))
	}

	if *libs != "" {
		filterLibraries(strings.Split(*libs, ","))
	}
	cfg := config{quick: *quick, outDir: *out, only: map[string]bool{}}
	for _, m := range strings.Split(*only, ",") {
		cfg.only[strings.TrimSpace(m)] = true
	}
	if cfg.quick {
		cfg.count, cfg.benchtime = 3, 25*time.Millisecond
		cfg.echoDur, cfg.echoRuns, cfg.latDur, cfg.idleConns = 300*time.Millisecond, 1, 300*time.Millisecond, 2000
	} else {
		cfg.count, cfg.benchtime = 5, 100*time.Millisecond
		cfg.echoDur, cfg.echoRuns, cfg.latDur, cfg.idleConns = time.Second, 3, time.Second, 10000
	}
	if *conns > 0 {
		cfg.idleConns = *conns
	}
	if err := flag.Set("test.benchtime", cfg.benchtime.String()); err != nil {
		fatal(err)
	}
	cfg.cpus = pinSelf()

	r := &results{out: os.Stdout}
	start := time.Now()
	header(r, &cfg)
	for _, m := range []struct {
		name string
		fn   func(*results, *config)
	}{{"mask", benchMask}, {"codec", benchCodec}, {"echo", benchEcho}, {"idle", benchIdle}, {"deflate", benchDeflate}} {
		if cfg.only[m.name] {
			t0 := time.Now()
			m.fn(r, &cfg)
			fmt.Fprintf(os.Stderr, "bench: %s took %s\n", m.name, time.Since(t0).Round(time.Second))
		}
	}
	summary(r)
	r.printf("\nTotal time: %s.\n", time.Since(start).Round(time.Second))

	if err := os.MkdirAll(cfg.outDir, 0o755); err != nil {
		fatal(err)
	}
	name := "bench"
	if cfg.quick {
		name = "bench-quick"
	}
	if err := r.writeCSV(filepath.Join(cfg.outDir, name+".csv")); err != nil {
		fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.outDir, name+".md"), []byte(r.md.String()), 0o644); err != nil {
		fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.outDir, name+".svg"), chart(r), 0o644); err != nil {
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %s/%s.{csv,md,svg}\n", cfg.outDir, name)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// header prints the machine, the settings and what each library is configured to do.
func header(r *results, cfg *config) {
	mode := "full"
	if cfg.quick {
		mode = "quick"
	}
	r.printf("# duplex vs Go WebSocket peers (%s run)\n\n", mode)
	r.printf("- %s, %s/%s, %d CPUs, %s, %s\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(), runtime.Version())
	if cfg.cpus[0] >= 0 {
		r.printf("- client (this process) pinned to CPU %d, server child processes to CPU %d, GOMAXPROCS=1 each\n", cfg.cpus[0], cfg.cpus[1])
	} else {
		r.printf("- no CPU pinning (fewer than 2 CPUs available)\n")
	}
	r.printf("- micro-benchmarks: %d runs × %s each, medians reported; echo: %d runs × %s window; idle: %d connections\n",
		cfg.count, cfg.benchtime, cfg.echoRuns, cfg.echoDur, cfg.idleConns)
	r.printf("- everything on loopback 127.0.0.1; raw numbers (every run) in bench.csv\n\n")
	r.printf("Library settings (each through its fastest public API):\n\n")
	for _, l := range append(libraries, rawLib) {
		r.printf("- **%s**: %s\n", l.name, l.settings)
	}
	r.printf("\n")
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
