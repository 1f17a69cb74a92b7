//go:build !race

package utf8

// raceEnabled is true when the tests are built with the race detector; see race_test.go.
const raceEnabled = false
