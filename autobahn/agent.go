package autobahn

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/duplexws/duplex/client"
	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/deflate"
)

// DialFunc opens a client connection of the library under test to a ws:// URL.
type DialFunc func(ctx context.Context, url string) (*conn.Conn, error)

// Dial is the client used by RunAgent: client.Dial with library defaults except a
// 64 MiB read limit, offering permessage-deflate with client_no_context_takeover (as the
// suite's own client offers do), so that every server accept policy of sections 12 and
// 13 finds an offer it takes.
func Dial(ctx context.Context, rawURL string) (*conn.Conn, error) {
	c, _, err := client.Dial(ctx, rawURL, &client.Options{
		Conn:        &conn.Options{ReadLimit: EchoReadLimit},
		Compression: &deflate.Options{ClientNoContextTakeover: true},
		Proxy:       client.NoProxy,
	})
	return c, err
}

// RunAgent is the client test agent: it asks the fuzzing server at base (ws://host:port)
// for the number of cases, connects to /runCase for each one and echoes every message
// until the server ends the connection, then asks for /updateReports. dial nil means
// Dial. It returns an error only when the server cannot be reached.
func RunAgent(ctx context.Context, base, agent string, dial DialFunc) error {
	if dial == nil {
		dial = Dial
	}
	base = strings.TrimSuffix(base, "/")
	q := url.QueryEscape(agent)
	text, err := fetchText(ctx, dial, base+"/getCaseCount")
	if err != nil {
		return fmt.Errorf("autobahn: getCaseCount: %w", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		return fmt.Errorf("autobahn: getCaseCount answered %q", text)
	}
	for i := 1; i <= n; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := dial(ctx, fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i, q))
		if err != nil {
			continue // the server records the case as failed
		}
		echo(c)
	}
	_, err = fetchText(ctx, dial, base+"/updateReports?agent="+q)
	return err
}

// fetchText connects to a command endpoint and returns its text message, if any.
func fetchText(ctx context.Context, dial DialFunc, u string) (string, error) {
	c, err := dial(ctx, u)
	if err != nil {
		return "", err
	}
	defer c.CloseNow()
	var out string
	for {
		_, msg, err := c.ReadMessage(ctx, nil)
		if err != nil {
			return out, nil
		}
		out = string(msg)
	}
}
