//go:build unix

package conn

import (
	"io"
	"os"
	"syscall"
)

// rawReader waits for a socket to become readable without holding a read buffer, so a
// goroutine parked in ReadMessage on an idle connection pins no buffer: the buffer is
// borrowed from the pool only once bytes are there to read, and given back if the wake-up
// finds nothing. It is used for *net.TCPConn and *net.UnixConn.
type rawReader struct {
	rc  syscall.RawConn
	fn  func(fd uintptr) bool // c.rawRead, bound once
	n   int
	err error
}

func (c *Conn) initRaw(sc syscall.Conn) {
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	c.raw = &rawReader{rc: rc}
	c.raw.fn = c.rawRead
}

// fillRaw is fill for a connection with a rawReader and no buffered bytes.
func (c *Conn) fillRaw() error {
	if c.rbufp != nil {
		putBuf(c.rbufp)
		c.rbufp, c.rbuf = nil, nil
	}
	c.r, c.w = 0, 0
	c.raw.n, c.raw.err = 0, nil
	if err := c.raw.rc.Read(c.raw.fn); err != nil {
		return err
	}
	return c.raw.err
}

// rawRead runs inside RawConn.Read: one non-blocking read, false to wait for readability.
func (c *Conn) rawRead(fd uintptr) bool {
	if c.rbufp == nil {
		c.rbufp = getBuf(c.cfg.readBuf)
		c.rbuf = (*c.rbufp)[:cap(*c.rbufp)]
	}
	for {
		n, err := syscall.Read(int(fd), c.rbuf[c.w:])
		switch err {
		case nil:
			if n == 0 {
				c.raw.err = io.EOF
			}
			c.w += n
			c.raw.n = n
			return true
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			putBuf(c.rbufp)
			c.rbufp, c.rbuf = nil, nil
			return false
		}
		c.raw.err = os.NewSyscallError("read", err)
		return true
	}
}
