//go:build !unix

package conn

import "syscall"

// rawReader is not used where syscall.Read does not take a socket descriptor.
type rawReader struct{}

func (c *Conn) initRaw(syscall.Conn) {}

func (c *Conn) fillRaw() error { panic("unreachable") }
