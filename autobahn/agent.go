package autobahn

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/handshake"
)

// DialFunc opens a client connection of the library under test to a ws:// URL.
type DialFunc func(ctx context.Context, url string) (*conn.Conn, error)

// Dial is the client used by RunAgent: this library's opening handshake (package
// handshake) and conn.Conn in the client role with library defaults except a 64 MiB read
// limit. (It will be replaced by client.Dial once package client lands.)
func Dial(ctx context.Context, rawURL string) (*conn.Conn, error) {
	offer := &handshake.Offer{Key: handshake.NewKey()}
	req, err := handshake.NewRequest(ctx, rawURL, offer)
	if err != nil {
		return nil, err
	}
	host := req.URL.Host
	if req.URL.Port() == "" {
		host = net.JoinHostPort(req.URL.Hostname(), "80")
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(dl)
	}
	if _, err := nc.Write(handshake.AppendRequest(nil, req)); err != nil {
		nc.Close()
		return nil, err
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if _, err := handshake.VerifyResponse(resp, offer); err != nil {
		nc.Close()
		return nil, err
	}
	_ = nc.SetDeadline(timeZero)
	return conn.New(nc, br, conn.Client, &conn.Options{ReadLimit: EchoReadLimit}), nil
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
