//go:build purego || !(amd64 || arm64)

package mask

// implName names the implementation Apply dispatches to, for tests and benchmarks.
const implName = "generic"

// haveSIMD reports whether an assembly implementation is compiled in and usable.
const haveSIMD = false

func apply(b []byte, key [4]byte, pos int) int {
	return applyGeneric(b, key, pos)
}

// implementations lists the variants tests and benchmarks exercise on this build.
var implementations = []implementation{{"generic", applyGeneric}}

func applyCopy(dst, src []byte, key [4]byte, pos int) int {
	return applyCopyGeneric(dst, src, key, pos)
}

// copyImplementations lists the ApplyCopy variants tests and benchmarks exercise on this
// build.
var copyImplementations = []copyImplementation{{"generic", applyCopyGeneric}}

// copyImplName names the implementation ApplyCopy dispatches to.
const copyImplName = "generic"
