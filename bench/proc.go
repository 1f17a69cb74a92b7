package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// childProfileDir, when set, makes every echo-server child write a CPU profile there.
var childProfileDir string

// serverCPU is the CPU the child servers are pinned to (-1: none).
var serverCPU = -1

// pinSelf pins this process (the client side) to the first allowed CPU and picks the
// second for the servers, so client and server never share a core. It returns both, or
// -1s when fewer than two CPUs are allowed.
func pinSelf() [2]int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil || set.Count() < 2 {
		return [2]int{-1, -1}
	}
	var cpus []int
	for i := 0; i < 1024 && len(cpus) < 2; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	if err := pinPid(os.Getpid(), cpus[0]); err != nil {
		return [2]int{-1, -1}
	}
	runtime.GOMAXPROCS(1)
	serverCPU = cpus[1]
	return [2]int{cpus[0], cpus[1]}
}

// pinPid sets the affinity of every thread of pid to cpu. Threads created later inherit
// it from the thread that creates them. It runs twice to catch a thread created while
// the first pass ran.
func pinPid(pid, cpu int) error {
	var set unix.CPUSet
	set.Set(cpu)
	for range 2 {
		ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
		if err != nil {
			return err
		}
		for _, e := range ents {
			tid, err := strconv.Atoi(e.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, &set); err != nil && !errors.Is(err, unix.ESRCH) {
				return err
			}
		}
	}
	return nil
}

// child is an echo server running in its own process, so its CPU time and memory are its
// own and can be read from /proc.
type child struct {
	lib  string
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *bufio.Reader
	addr string
}

// memStats is what a child reports about itself after a garbage collection.
type memStats struct {
	heap, stack uint64 // runtime.MemStats HeapAlloc and StackInuse
	open        int64  // connections its handler holds
	rss         uint64 // VmRSS, read by the parent from /proc
}

func startChild(lib string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"-child", lib}
	if childProfileDir != "" {
		args = append(args, "-childprofile", childProfileDir)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{lib: lib, cmd: cmd, in: in, out: bufio.NewReader(out)}
	if serverCPU >= 0 {
		if err := pinPid(cmd.Process.Pid, serverCPU); err != nil {
			c.stop()
			return nil, err
		}
	}
	line, err := c.out.ReadString('\n')
	if err != nil {
		c.stop()
		return nil, fmt.Errorf("child %s: %w", lib, err)
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "addr ")
	if !ok {
		c.stop()
		return nil, fmt.Errorf("child %s: unexpected %q", lib, line)
	}
	c.addr = addr
	return c, nil
}

// cpu returns the child's user+system CPU time so far (/proc/<pid>/stat utime+stime,
// which includes threads that have exited).
func (c *child) cpu() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("bench: bad /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	// After the command: state(0) ppid pgrp session tty tpgid flags minflt cminflt majflt
	// cmajflt utime(11) stime(12).
	if len(f) < 13 {
		return 0, errors.New("bench: short /proc stat")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bench: bad /proc stat times")
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// io returns the child's read and write system call counts (syscr, syscw in
// /proc/<pid>/io).
func (c *child) io() ([2]int64, error) {
	var v [2]int64
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", c.cmd.Process.Pid))
	if err != nil {
		return v, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if x, ok := strings.CutPrefix(l, "syscr: "); ok {
			v[0], _ = strconv.ParseInt(x, 10, 64)
		}
		if x, ok := strings.CutPrefix(l, "syscw: "); ok {
			v[1], _ = strconv.ParseInt(x, 10, 64)
		}
	}
	return v, nil
}

// clockTicks is USER_HZ, 100 on every Linux configuration Go supports.
const clockTicks = 100

func (c *child) mem() (memStats, error) {
	var m memStats
	if _, err := io.WriteString(c.in, "mem\n"); err != nil {
		return m, err
	}
	line, err := c.out.ReadString('\n')
	if err != nil {
		return m, err
	}
	if _, err := fmt.Sscanf(line, "mem %d %d %d", &m.heap, &m.stack, &m.open); err != nil {
		return m, fmt.Errorf("child %s: %q: %w", c.lib, line, err)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return m, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			m.rss = kb << 10
		}
	}
	return m, nil
}

// stop ends the child: closing its stdin makes it exit; it is killed if it has not
// within two seconds.
func (c *child) stop() {
	_ = c.in.Close()
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// runChild is the child process: it serves lib's echo server on a loopback port, prints
// "addr <host:port>", answers "mem" with "mem <heap> <stack> <open>" after a GC, and
// exits when its stdin closes.
func runChild(lib string) int {
	l := libraryByName(lib)
	if l == nil || l.serve == nil {
		fmt.Fprintln(os.Stderr, "bench: unknown library", lib)
		return 2
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if childProfileDir != "" {
		name := strings.NewReplacer("/", "_", " ", "_").Replace(lib)
		f, err := os.Create(filepath.Join(childProfileDir, name+".pprof"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	var open atomic.Int64
	go func() { _ = l.serve(ln, &open) }()
	fmt.Printf("addr %s\n", ln.Addr())
	s := bufio.NewScanner(os.Stdin)
	for s.Scan() {
		if s.Text() != "mem" {
			continue
		}
		debug.FreeOSMemory() // a GC, and freed pages back to the OS so RSS shows live memory
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("mem %d %d %d\n", ms.HeapAlloc, ms.StackInuse, open.Load())
	}
	_ = ln.Close()
	return 0
}
