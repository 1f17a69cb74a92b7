package memconn

import (
	"bytes"
	"errors"
	"net"
	"testing"
)

func TestReplay(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		readSize int
		bufSize  int
		want     []string
	}{
		{"wraps", "abc", 0, 5, []string{"abcab", "cabca"}},
		{"one message per read", "abc", 3, 8, []string{"abc", "abc"}},
		{"read size larger than buffer", "abcd", 3, 2, []string{"ab", "cd", "ab"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Replay{Data: []byte(tc.data), ReadSize: tc.readSize}
			for i, want := range tc.want {
				b := make([]byte, tc.bufSize)
				n, err := r.Read(b)
				if err != nil || !bytes.Equal(b[:n], []byte(want)) {
					t.Fatalf("read %d = %q, %v; want %q", i, b[:n], err, want)
				}
			}
		})
	}
}

func TestReplayWriteClose(t *testing.T) {
	r := &Replay{Data: []byte("x")}
	if n, err := r.Write([]byte("hello")); n != 5 || err != nil || r.Written != 5 || r.Writes != 1 {
		t.Fatalf("Write = %d, %v; Written %d Writes %d", n, err, r.Written, r.Writes)
	}
	r.Close()
	if _, err := r.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	if _, err := r.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	var _ net.Conn = r
}
