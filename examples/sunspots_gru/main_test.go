package main

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The test binary doubles as the program: with mainArgsEnv set, it runs
// main with those arguments (separated by newlines) instead of the tests.
const mainArgsEnv = "NEURON_SUNSPOTS_GRU_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainArgsEnv); args != "" {
		os.Args = append([]string{"sunspots_gru"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var maeRE = regexp.MustCompile(`(?m)^test MAE \(sunspot number\): GRU (\d+\.\d\d) - last year's (\d+\.\d\d) - eleven years before (\d+\.\d\d)$`)

// TestProgram runs the program as it ships (100 epochs take about a
// second) and checks that the GRU's forecasts beat both baselines on the
// test years, and the baselines' values, which do not depend on training
// (computed from sunspots.csv by hand: the mean of |x[t] − x[t−1]| and of
// |x[t] − x[t−11]| over 1951–2008).
func TestProgram(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), mainArgsEnv+"=-verbose\n0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := maeRE.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("no MAE line in:\n%s", out)
	}
	gru, _ := strconv.ParseFloat(m[1], 64)
	persist, _ := strconv.ParseFloat(m[2], 64)
	cycle, _ := strconv.ParseFloat(m[3], 64)
	if gru >= persist || gru >= cycle {
		t.Errorf("GRU MAE %v does not beat the baselines %v and %v:\n%s", gru, persist, cycle, out)
	}
	if !strings.Contains(string(out), "training targets 1712-1950, test 1951-2008") {
		t.Errorf("split line missing:\n%s", out)
	}
	if m[2] != "25.01" || m[3] != "27.74" {
		t.Errorf("baselines %s and %s, want 25.01 and 27.74", m[2], m[3])
	}
}

func TestBadFlags(t *testing.T) {
	if err := run(0, 16, 32, 12, 0, 0); err == nil || !strings.Contains(err.Error(), "must be positive") {
		t.Errorf("epochs 0: %v", err)
	}
	if err := run(1, 16, 32, 300, 0, 0); err == nil || !strings.Contains(err.Error(), "-window must be below 251") {
		t.Errorf("window 300: %v", err)
	}
}
