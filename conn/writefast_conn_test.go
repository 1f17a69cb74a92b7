package conn

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duplexws/duplex/frame"
	"github.com/duplexws/duplex/internal/leak"
)

// TestWriteLargeAnyConn: messages around every size boundary of the write paths (the
// scratch buffer, the kept copy buffer, the 16- and 64-bit length encodings, the client's
// 64 KiB mask chunk)
// and far past them arrive intact, in both roles, over a pipe and a wrapped socket (the
// header with the first part of the payload, then the rest) and over TCP (writev), from
// WriteMessage and from a Writer whose fragments are written straight from the caller's
// buffer.
func TestWriteLargeAnyConn(t *testing.T) {
	leak.Check(t)
	sizes := []int{0, 1, 125, 126, scratchSize - 8, scratchSize - 7, scratchSize - 4, scratchSize - 3,
		// Mid sizes twice each: the second goes through the buffer the first left kept
		// (on the pipe and the wrapped socket), around keepMax and writevMin.
		1000, 1000, 1000, keepMax - 4, keepMax - 4, keepMax - 4, keepMax - 3, keepMax - 3, writevMin - 5, writevMin - 4,
		65535, 65536, maskChunk - 7, maskChunk - 6, 3*maskChunk + 5}
	for _, tr := range writeTransports {
		for _, role := range []Role{Server, Client} {
			t.Run(tr.name+"/"+role.String(), func(t *testing.T) {
				w, r := connPair(t, tr, &Options{FragmentSize: 50000}, &Options{FragmentSize: 50000})
				if role == Client {
					w, r = r, w
				}
				ctx := ctxT(t)
				type got struct {
					b   []byte
					err error
				}
				recv := make(chan got)
				go func() {
					for {
						_, b, err := r.ReadMessage(ctx, nil)
						recv <- got{b, err}
						if err != nil {
							return
						}
					}
				}()
				for i, size := range sizes {
					p := payloadOf(size, false)
					// Every other message without a cancellable context: that takes the
					// inline path (no deadline to arm), the rest the general fast path.
					wctx := ctx
					if i%2 == 1 {
						wctx = context.Background()
					}
					if err := w.WriteMessage(wctx, Binary, p); err != nil {
						t.Fatalf("WriteMessage(%d bytes): %v", size, err)
					}
					if g := <-recv; g.err != nil || !bytes.Equal(g.b, p) {
						t.Fatalf("%d-byte message: got %d bytes (equal: %v), %v", size, len(g.b), bytes.Equal(g.b, p), g.err)
					}
				}
				p := payloadOf(120000, false)
				sw, err := w.Writer(ctx, Binary)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := sw.Write(p); err != nil {
					t.Fatal(err)
				}
				if err := sw.Close(); err != nil {
					t.Fatal(err)
				}
				if g := <-recv; g.err != nil || !bytes.Equal(g.b, p) {
					t.Fatalf("streamed message: got %d bytes, %v", len(g.b), g.err)
				}
				w.CloseNow()
				<-recv // the reader's error
			})
		}
	}
}

// countingConn counts the Writes a *tls.Conn makes to the socket: one per TLS record.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// tlsPair returns a TLS server and client over loopback TCP, handshake done, and the
// server's socket, which counts its writes. Records carry up to 16 KiB from the start
// (DynamicRecordSizingDisabled), so the count is the number of records.
func tlsPair(t *testing.T) (*tls.Conn, *tls.Conn, *countingConn) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"duplex.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	a, b := tcpPair(t)
	cc := &countingConn{Conn: a}
	srv := tls.Server(cc, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		DynamicRecordSizingDisabled: true})
	cli := tls.Client(b, &tls.Config{RootCAs: roots, ServerName: "duplex.test"})
	ctx := ctxT(t)
	errc := make(chan error, 1)
	go func() { errc <- cli.HandshakeContext(ctx) }()
	if err := srv.HandshakeContext(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	return srv, cli, cc
}

// TestWriteTLSRecords: on a *tls.Conn a frame goes out in as many TLS records as its size
// needs and no more: the header never makes a record of its own, and a frame up to one
// record's size (16 KiB) is one record.
func TestWriteTLSRecords(t *testing.T) {
	leak.Check(t)
	srv, cli, cc := tlsPair(t)
	s := New(srv, nil, Server, nil)
	c := New(cli, nil, Client, nil)
	t.Cleanup(func() { s.CloseNow(); c.CloseNow() })
	if s.wmode != writeTLS {
		t.Fatalf("write mode %d on a *tls.Conn, want writeTLS", s.wmode)
	}
	ctx := ctxT(t)
	type got struct {
		b   []byte
		err error
	}
	recv := make(chan got)
	go func() {
		for {
			_, b, err := c.ReadMessage(ctx, nil)
			recv <- got{b, err}
			if err != nil {
				return
			}
		}
	}()
	for _, size := range []int{100, 1000, 10000, tlsRecord - 4, tlsRecord - 3, 40000, 300000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			p := payloadOf(size, false)
			before := cc.writes.Load()
			if err := s.WriteMessage(ctx, Binary, p); err != nil {
				t.Fatal(err)
			}
			if g := <-recv; g.err != nil || !bytes.Equal(g.b, p) {
				t.Fatalf("got %d bytes, %v", len(g.b), g.err)
			}
			total := frame.Header{Length: int64(size)}.Size() + size
			want := int64((total + tlsRecord - 1) / tlsRecord)
			if n := cc.writes.Load() - before; n != want {
				t.Fatalf("%d-byte frame in %d TLS records, want %d", total, n, want)
			}
		})
	}
	s.CloseNow()
	<-recv
}
