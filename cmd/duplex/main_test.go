package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestRunDispatch(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"no command", nil, exitUsage, "", "Usage:"},
		{"unknown", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"help", []string{"help"}, exitOK, "duplex serve", ""},
		{"-h", []string{"-h"}, exitOK, "Exit codes", ""},
		{"help for a command", []string{"help", "client"}, exitOK, "", "-close-code"},
		{"serve -h", []string{"serve", "-h"}, exitOK, "", "-tls-cert"},
		{"autobahn -h", []string{"autobahn", "-h"}, exitOK, "", "-cases"},
		{"bench -h", []string{"bench", "-h"}, exitOK, "", "-conns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, nil, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.stdout) || !strings.Contains(stderr.String(), tt.stderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout.String(), stderr.String(), tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}
