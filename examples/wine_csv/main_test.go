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
const mainArgsEnv = "NEURON_WINE_CSV_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainArgsEnv); args != "" {
		os.Args = append([]string{"wine_csv"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var testRE = regexp.MustCompile(`(?m)^test loss: \S+ - test accuracy: (\S+)$`)

// TestProgram runs the program as it ships: the file's 178 rows split
// 142/36, and the classifier tells the three cultivars apart on the held
// out rows (scikit-learn's documentation reports near-perfect accuracy
// for simple classifiers on this data).
func TestProgram(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainArgsEnv+"=-seed\n0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	s := string(out)
	if !strings.Contains(s, "178 rows of 13 features: 142 for training, 36 for testing") {
		t.Errorf("unexpected counts:\n%s", s)
	}
	m := testRE.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no test line:\n%s", s)
	}
	if acc, _ := strconv.ParseFloat(m[1], 64); acc < 0.9 {
		t.Errorf("test accuracy %v, want >= 0.9:\n%s", acc, s)
	}
}
