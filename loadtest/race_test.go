//go:build race

package loadtest

// raceEnabled: the full load run is refused under the race detector (8x memory, 10x CPU).
const raceEnabled = true
