//go:build purego || !amd64

package readref

// Available reports whether OR can run here: amd64 with AVX2, which this build is not.
func Available() bool { return false }

func or([]byte) byte { panic("unreachable") }
