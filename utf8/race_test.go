//go:build race

package utf8

// raceEnabled is true when the tests are built with the race detector, under which the
// exhaustive table tests sample their inputs (the byte-at-a-time reference loops run an
// order of magnitude slower there); without it they run in full.
const raceEnabled = true
