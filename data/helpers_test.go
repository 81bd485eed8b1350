package data

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"
)

func TestSplitDataset(t *testing.T) {
	d := rangeDS(t, 10)
	l, r, err := SplitDataset(d, 0.25, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	// round(2.5) is 2 in Python.
	if got := ys(t, l); !slices.Equal(got, []float32{0, 1}) {
		t.Errorf("left = %v", got)
	}
	if got := ys(t, r); !slices.Equal(got, seq(2, 10)) {
		t.Errorf("right = %v", got)
	}
	l, r, err = SplitDataset(d, 0.3, true, 9)
	if err != nil {
		t.Fatal(err)
	}
	lv, rv := ys(t, l), ys(t, r)
	all := append(slices.Clone(lv), rv...)
	slices.Sort(all)
	if len(lv) != 3 || !slices.Equal(all, seq(0, 10)) || slices.Equal(lv, []float32{0, 1, 2}) {
		t.Errorf("shuffled split: %v / %v", lv, rv)
	}
	if !slices.IsSorted(lv) || !slices.IsSorted(rv) {
		t.Errorf("order not kept: %v / %v", lv, rv)
	}
	l2, _, _ := SplitDataset(d, 0.3, true, 9)
	if !slices.Equal(ys(t, l2), lv) {
		t.Error("same seed, different split")
	}
	for _, f := range []float64{0, 1, -0.5, math.NaN(), 0.01} {
		if _, _, err := SplitDataset(d, f, false, 0); err == nil {
			t.Errorf("left_size %v: no error", f)
		}
	}
}

func TestStandardizeIris(t *testing.T) {
	var want struct {
		Mean              []float64 `json:"mean"`
		Variance          []float64 `json:"variance"`
		FirstStandardized []float64 `json:"first_standardized"`
	}
	b, err := os.ReadFile("testdata/iris_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil || len(want.Mean) != 4 {
		t.Fatalf("iris_expected.json: %v", err)
	}
	c, err := ReadCSV("testdata/iris.csv", CSVOptions{ColumnNames: irisNames, Label: "species"})
	if err != nil {
		t.Fatal(err)
	}
	mean, variance, err := FeatureMoments(c.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want []float64, tol float64) {
		t.Helper()
		for j := range want {
			if math.Abs(got[j]-want[j]) > tol {
				t.Errorf("%s = %v, want %v", name, got, want)
				return
			}
		}
	}
	// The file's values are float32 here, float64 in numpy.
	near("mean", mean, want.Mean, 1e-6)
	near("variance", variance, want.Variance, 1e-6)
	std, err := Standardizer(mean, variance)
	if err != nil {
		t.Fatal(err)
	}
	es, err := must(c.Map(std, 2)).Take(1).Collect()
	if err != nil {
		t.Fatal(err)
	}
	var first []float64
	for _, v := range es[0].X.Data() {
		first = append(first, float64(v))
	}
	near("first row standardised", first, want.FirstStandardized, 1e-5)
	if _, err := Standardizer([]float64{0}, []float64{-1}); err == nil {
		t.Error("negative variance: no error")
	}
}
