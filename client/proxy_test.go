package client

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duplexws/duplex/conn"
	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// connectProxy is a minimal HTTP CONNECT proxy for tests. It records what it was asked
// and, when auth is set, demands that Proxy-Authorization.
type connectProxy struct {
	*tcpServer
	upstream string      // when set, every tunnel goes here, whatever host was asked for
	tls      *tls.Config // when set, clients speak TLS to the proxy (an https:// proxy)
	mu       sync.Mutex
	targets  []string
	auths    []string
}

func newConnectProxy(t *testing.T, auth string) *connectProxy {
	return newConnectProxyTo(t, auth, "")
}

func newConnectProxyTo(t *testing.T, auth, upstream string) *connectProxy {
	return newConnectProxyTLS(t, auth, upstream, nil)
}

func newConnectProxyTLS(t *testing.T, auth, upstream string, cfg *tls.Config) *connectProxy {
	p := &connectProxy{upstream: upstream, tls: cfg}
	p.tcpServer = newTCPServer(t, func(nc net.Conn) {
		nc.SetReadDeadline(time.Now().Add(testTimeout))
		if p.tls != nil {
			tc := tls.Server(nc, p.tls)
			if tc.Handshake() != nil {
				return
			}
			nc = tc
		}
		br := bufio.NewReader(nc)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.targets = append(p.targets, req.Method+" "+req.Host)
		p.auths = append(p.auths, req.Header.Get("Proxy-Authorization"))
		p.mu.Unlock()
		if req.Method != http.MethodConnect {
			io.WriteString(nc, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
			return
		}
		if auth != "" && req.Header.Get("Proxy-Authorization") != auth {
			io.WriteString(nc, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
			return
		}
		dest := req.Host
		if p.upstream != "" {
			dest = p.upstream
		}
		up, err := net.Dial("tcp", dest)
		if err != nil {
			io.WriteString(nc, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
			return
		}
		defer up.Close()
		nc.SetReadDeadline(time.Time{})
		io.WriteString(nc, "HTTP/1.1 200 Connection established\r\n\r\n")
		done := make(chan struct{})
		go func() {
			defer close(done)
			io.Copy(up, br)
			up.Close()
		}()
		io.Copy(nc, up)
		nc.Close()
		<-done
	})
	return p
}

func TestDialProxy(t *testing.T) {
	leak.Check(t)
	echoSrv := newEchoServer(t, nil)
	target := strings.TrimPrefix(echoSrv.url, "ws://")
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("user:p@ss"))
	proxy := newConnectProxy(t, auth)
	proxyURL, _ := url.Parse("http://user:p%40ss@" + strings.TrimPrefix(proxy.url, "ws://"))

	t.Run("tunnel with Proxy-Authorization from userinfo", func(t *testing.T) {
		ctx := ctxT(t)
		c, resp, err := Dial(ctx, echoSrv.url+"/", &Options{Proxy: http.ProxyURL(proxyURL)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		if resp.StatusCode != 101 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		want := payload(100000, true)
		if err := c.WriteMessage(ctx, conn.Text, want); err != nil {
			t.Fatal(err)
		}
		if _, got, err := c.ReadMessage(ctx, nil); err != nil || string(got) != string(want) {
			t.Fatalf("echo through proxy: %d bytes, %v", len(got), err)
		}
		if err := c.Close(frame.CloseNormal, ""); err != nil {
			t.Error(err)
		}
		proxy.mu.Lock()
		defer proxy.mu.Unlock()
		if len(proxy.targets) != 1 || proxy.targets[0] != "CONNECT "+target || proxy.auths[0] != auth {
			t.Errorf("proxy saw %q with auth %q", proxy.targets, proxy.auths)
		}
	})
	t.Run("proxy refuses", func(t *testing.T) {
		noAuth, _ := url.Parse("http://" + strings.TrimPrefix(proxy.url, "ws://"))
		_, resp, err := Dial(ctxT(t), echoSrv.url+"/", &Options{Proxy: http.ProxyURL(noAuth)})
		if !errors.Is(err, ErrProxy) || !strings.Contains(err.Error(), "407") || resp != nil {
			t.Fatalf("err = %v, resp %v; want ErrProxy 407", err, resp)
		}
	})
	t.Run("unsupported proxy scheme", func(t *testing.T) {
		socks, _ := url.Parse("socks5://127.0.0.1:1")
		if _, _, err := Dial(ctxT(t), echoSrv.url+"/", &Options{Proxy: http.ProxyURL(socks)}); !errors.Is(err, ErrProxy) {
			t.Fatalf("err = %v, want ErrProxy", err)
		}
	})
	t.Run("NoProxy connects directly", func(t *testing.T) {
		c, _, err := Dial(ctxT(t), echoSrv.url+"/", &Options{Proxy: NoProxy})
		if err != nil {
			t.Fatal(err)
		}
		c.CloseNow()
	})
}

// TestDialProxyTLS tunnels wss:// through the proxy: TLS runs end to end inside CONNECT.
func TestDialProxyTLS(t *testing.T) {
	leak.Check(t)
	srv := newHTTPEchoServer(t, true)
	proxy := newConnectProxy(t, "")
	proxyURL, _ := url.Parse("http://" + strings.TrimPrefix(proxy.url, "ws://"))
	ctx := ctxT(t)
	c, _, err := Dial(ctx, "wss"+strings.TrimPrefix(srv.URL, "https")+"/", &Options{
		Proxy: http.ProxyURL(proxyURL), TLSConfig: srv.Client().Transport.(*http.Transport).TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.WriteMessage(ctx, conn.Binary, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(ctx, nil); err != nil || string(got) != "\x01\x02\x03" {
		t.Fatalf("echo %q %v", got, err)
	}
	c.Close(frame.CloseNormal, "")
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	if len(proxy.targets) != 1 || !strings.HasPrefix(proxy.targets[0], "CONNECT 127.0.0.1:") {
		t.Errorf("proxy saw %q", proxy.targets)
	}
}

// TestDialProxyFromEnvironment checks the default: HTTP_PROXY is honoured like net/http.
// net/http reads the environment once per process, so the dial runs in a child process
// started with the variable set.
func TestDialProxyFromEnvironment(t *testing.T) {
	if os.Getenv("DUPLEX_CLIENT_PROXY_CHILD") == "1" {
		// Child: a host nobody can resolve, reachable only through the proxy.
		c, _, err := Dial(ctxT(t), "ws://echo.duplex.invalid/", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.CloseNow()
		return
	}
	leak.Check(t)
	echoSrv := newEchoServer(t, nil)
	proxy := newConnectProxyTo(t, "", strings.TrimPrefix(echoSrv.url, "ws://"))
	ctx := ctxT(t)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestDialProxyFromEnvironment$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DUPLEX_CLIENT_PROXY_CHILD=1",
		"HTTP_PROXY=http://"+strings.TrimPrefix(proxy.url, "ws://"), "NO_PROXY=", "no_proxy=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	if len(proxy.targets) != 1 || proxy.targets[0] != "CONNECT echo.duplex.invalid:80" {
		t.Errorf("proxy saw %q, want one CONNECT echo.duplex.invalid:80", proxy.targets)
	}
}

// TestDialHTTPSProxy speaks TLS to the proxy itself (an https:// proxy URL), then ws://
// inside the tunnel.
func TestDialHTTPSProxy(t *testing.T) {
	leak.Check(t)
	certSrv := newHTTPEchoServer(t, true) // for its certificate and a client config trusting it
	echoSrv := newEchoServer(t, nil)
	proxy := newConnectProxyTLS(t, "", "", certSrv.TLS)
	proxyURL, _ := url.Parse("https://" + strings.TrimPrefix(proxy.url, "ws://"))
	ctx := ctxT(t)
	c, _, err := Dial(ctx, echoSrv.url+"/", &Options{Proxy: http.ProxyURL(proxyURL),
		TLSConfig: certSrv.Client().Transport.(*http.Transport).TLSClientConfig})
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	if err := c.WriteMessage(ctx, conn.Text, []byte("via https proxy")); err != nil {
		t.Fatal(err)
	}
	if _, got, err := c.ReadMessage(ctx, nil); err != nil || string(got) != "via https proxy" {
		t.Fatalf("echo %q %v", got, err)
	}
	c.Close(frame.CloseNormal, "")
	proxy.mu.Lock()
	defer proxy.mu.Unlock()
	if len(proxy.targets) != 1 {
		t.Errorf("proxy saw %q", proxy.targets)
	}
}
