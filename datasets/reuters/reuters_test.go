package reuters

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
)

const fixtures = "../internal/seqdata/testdata"

// TestLoadDataMatchesKeras compares with Keras's reuters.load_data steps
// run by NumPy on the same file (testdata/gen/make_reuters.py there).
func TestLoadDataMatchesKeras(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "expected_reuters.json"))
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]map[string]any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	dir := datasets.Options{Dir: fixtures}
	cases := map[string]Options{
		"default":                               {Options: dir},
		"test_split=0.3,num_words=9,skip_top=4": {Options: dir, TestSplit: new(0.3), NumWords: 9, SkipTop: 4},
		"maxlen=5,seed=1,oov=None":              {Options: dir, MaxLen: 5, Seed: new(int64(1)), NoOOVChar: true},
	}
	for name, o := range cases {
		xTr, yTr, xTe, yTe, err := LoadData(o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := map[string]any{"x_train": xTr, "y_train": yTr, "x_test": xTe, "y_test": yTe}
		for k, v := range got {
			g, _ := json.Marshal(v)
			w, _ := json.Marshal(want[name][k])
			if strings.ReplaceAll(string(g), "null", "[]") != string(w) {
				t.Errorf("%s: %s = %s, want %s", name, k, g, w)
			}
		}
	}
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Options: dir, TestSplit: new(1.0)}, "TestSplit"},
		{Options{Options: dir, MaxLen: 1}, "no sequence was kept"},
		{Options{Options: datasets.Options{Dir: t.TempDir()}}, "no reuters.npz"},
	} {
		if _, _, _, _, err := LoadData(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
}
