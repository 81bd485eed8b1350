package imdb

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
)

const fixtures = "../internal/seqdata/testdata"

// TestLoadDataMatchesKeras compares with what Keras's imdb.load_data steps
// give for the same file (../internal/seqdata/testdata/gen/make_imdb.py).
func TestLoadDataMatchesKeras(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]struct {
		XTrain [][]int `json:"x_train"`
		YTrain []int   `json:"y_train"`
		XTest  [][]int `json:"x_test"`
		YTest  []int   `json:"y_test"`
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	dir := datasets.Options{Dir: fixtures}
	cases := map[string]LoadOptions{
		"default":                 {Options: dir},
		"num_words=10,skip_top=5": {Options: dir, NumWords: 10, SkipTop: 5},
		"maxlen=5,seed=7":         {Options: dir, MaxLen: 5, Seed: new(int64(7))},
		"no_start,no_oov,index_from=0,num_words=8": {Options: dir, NoStartChar: true, NoOOVChar: true, IndexFrom: new(0), NumWords: 8},
	}
	for name, o := range cases {
		xTr, yTr, xTe, yTe, err := LoadData(o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		w := want[name]
		for _, c := range []struct {
			what      string
			got, want any
		}{{"x_train", xTr, w.XTrain}, {"y_train", yTr, w.YTrain}, {"x_test", xTe, w.XTest}, {"y_test", yTe, w.YTest}} {
			if !reflect.DeepEqual(norm(c.got), norm(c.want)) {
				t.Errorf("%s: %s = %v, want %v", name, c.what, c.got, c.want)
			}
		}
	}
}

// norm makes empty and nil slices compare equal.
func norm(v any) string { b, _ := json.Marshal(v); return strings.ReplaceAll(string(b), "null", "[]") }

func TestLoadDataErrors(t *testing.T) {
	dir := datasets.Options{Dir: fixtures}
	for _, c := range []struct {
		o    LoadOptions
		want string
	}{
		{LoadOptions{Options: dir, MaxLen: 1}, "no sequence was kept"},
		{LoadOptions{Options: dir, NumWords: -1}, "NumWords"},
		{LoadOptions{Options: dir, Seed: new(int64(-1))}, "Seed"},
		{LoadOptions{Options: dir, IndexFrom: new(-3)}, "IndexFrom"},
		{LoadOptions{Options: datasets.Options{Dir: t.TempDir()}}, "no imdb.npz"},
	} {
		if _, _, _, _, err := LoadData(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	// A truncated file is an error naming it.
	b, _ := os.ReadFile(filepath.Join(fixtures, "imdb.npz"))
	d := t.TempDir()
	os.WriteFile(filepath.Join(d, "imdb.npz"), b[:len(b)-200], 0o644)
	if _, _, _, _, err := LoadData(LoadOptions{Options: datasets.Options{Dir: d}}); err == nil || !strings.Contains(err.Error(), "imdb.npz") {
		t.Errorf("truncated: %v", err)
	}
}
