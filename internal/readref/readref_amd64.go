//go:build !purego

package readref

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Available reports whether OR can run here: amd64 with AVX2.
func Available() bool { return cpu.X86.HasAVX2 }

func or(b []byte) byte { return orAVX2(unsafe.SliceData(b), len(b)) }

//go:noescape
func orAVX2(p *byte, n int) byte
