//go:build race

package models_test

// raceEnabled is set when the race detector runs, which makes sync.Pool
// drop items at random: allocation counts mean nothing then.
const raceEnabled = true
