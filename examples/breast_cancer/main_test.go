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
const mainArgsEnv = "NEURON_BREAST_CANCER_MAIN_ARGS"

func TestMain(m *testing.M) {
	if args := os.Getenv(mainArgsEnv); args != "" {
		os.Args = append([]string{"breast_cancer"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var lineRE = regexp.MustCompile(`(?m)^(with|without) class weights: +test loss \S+ - auc (\S+) - prc \S+ - precision \S+ - recall (\S+) - final learning rate (\S+)$`)

// TestProgram runs the program as it ships and checks the data's counts,
// that both models separate the classes (AUC above 0.95), that the class
// weights find more of the malignant tumours, and that the plateau halved
// the learning rate at least once in one of the runs.
func TestProgram(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainArgsEnv+"=-seed\n0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	s := string(out)
	if !strings.Contains(s, "400 rows, 43 malignant (10.75%); training 280 (30 malignant), test 120") {
		t.Errorf("unexpected counts:\n%s", s)
	}
	m := lineRE.FindAllStringSubmatch(s, -1)
	if len(m) != 2 {
		t.Fatalf("want two result lines:\n%s", s)
	}
	num := func(v string) float64 { f, _ := strconv.ParseFloat(v, 64); return f }
	reduced := false
	for _, l := range m {
		if num(l[2]) < 0.95 {
			t.Errorf("%s class weights: AUC %s, want > 0.95", l[1], l[2])
		}
		reduced = reduced || num(l[4]) < 0.001
	}
	if num(m[1][3]) <= num(m[0][3]) {
		t.Errorf("recall with class weights %s, without %s: want higher", m[1][3], m[0][3])
	}
	if !reduced {
		t.Errorf("ReduceLROnPlateau never lowered the learning rate:\n%s", s)
	}
}
