package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// newFlagSet returns a FlagSet that reports to stderr instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: duplex %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs. It returns done=true with the exit code when the
// command must stop: 0 after -h, exitUsage after a bad flag (the flag package has
// already printed why).
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, true
		}
		return exitUsage, true
	}
	return 0, false
}

// listFlag is a repeatable string flag (-H a -H b).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ", ") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// onOffFlag is a boolean flag that also takes on/off (-compress=off, -compress off is
// not possible with the flag package: booleans need the = form).
type onOffFlag bool

func (b *onOffFlag) String() string {
	if b != nil && *b {
		return "on"
	}
	return "off"
}

func (b *onOffFlag) Set(s string) error {
	switch strings.ToLower(s) {
	case "on", "true", "1", "yes":
		*b = true
	case "off", "false", "0", "no":
		*b = false
	default:
		return fmt.Errorf("want on or off, got %q", s)
	}
	return nil
}

// IsBoolFlag lets -compress stand alone for -compress=on.
func (b *onOffFlag) IsBoolFlag() bool { return true }
