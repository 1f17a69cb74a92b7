package crosscheck

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/duplexws/duplex/autobahn"
)

func TestTiming(t *testing.T) {
	pat := os.Getenv("AB_TIMING")
	if pat == "" {
		t.Skip()
	}
	cases, _ := autobahn.Select(autobahn.SplitPatterns(pat), nil)
	srv := httptest.NewServer(GorillaEcho())
	defer srv.Close()
	rep, _ := autobahn.RunClient(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"), cases, &autobahn.Options{Shrink: 16})
	for _, r := range rep.Results {
		t.Logf("%s %s %dms", r.ID, r.Behavior, r.Duration)
	}
}
