package data

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
)

var irisNames = []string{"sepal_length", "sepal_width", "petal_length", "petal_width", "species"}

func TestReadCSVIris(t *testing.T) {
	var want struct {
		Rows        int
		First, Last []float64
		Row17       []float64
		Sums        []float64
	}
	b, err := os.ReadFile("testdata/iris_expected.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	c, err := ReadCSV("testdata/iris.csv", CSVOptions{ColumnNames: irisNames, Label: "species"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Features, irisNames[:4]) {
		t.Errorf("Features = %q", c.Features)
	}
	es, err := c.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != want.Rows {
		t.Fatalf("%d rows, want %d", len(es), want.Rows)
	}
	row := func(e Element) []float64 {
		var r []float64
		for _, v := range e.X.Data() {
			r = append(r, float64(v))
		}
		return append(r, float64(e.Y.Data()[0]))
	}
	sums := make([]float64, 5)
	for _, e := range es {
		for j, v := range row(e) {
			sums[j] += v
		}
	}
	for name, pair := range map[string][2][]float64{
		"first": {row(es[0]), want.First}, "last": {row(es[len(es)-1]), want.Last},
		"line 17": {row(es[15]), want.Row17}, "sums": {sums, want.Sums},
	} {
		for j := range pair[1] {
			if math.Abs(pair[0][j]-pair[1][j]) > 1e-4*math.Max(1, math.Abs(pair[1][j])) {
				t.Errorf("%s: got %v, want %v", name, pair[0], pair[1])
				break
			}
		}
	}
	// Column selection, in the order asked.
	c2, err := ReadCSV("testdata/iris.csv", CSVOptions{ColumnNames: irisNames, Columns: []string{"petal_width", "sepal_length"}})
	if err != nil {
		t.Fatal(err)
	}
	e2, err := c2.Take(1).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e2[0].X.Data(), []float32{0.2, 5.1}) || e2[0].Y != nil {
		t.Errorf("selected columns: x %v y %v", e2[0].X.Data(), e2[0].Y)
	}
	// Batched, the rows become a [150, 4] block in 5 batches.
	bs, err := must(c.Batch(32, false)).Collect()
	if err != nil || len(bs) != 5 || !slices.Equal(bs[4].X.Shape(), []int{22, 4}) {
		t.Errorf("batches: %d, err %v", len(bs), err)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadCSVCategoricalMissing(t *testing.T) {
	p := writeFile(t, "pets.csv", "\uFEFFweight,kind,age,label\n4.5,cat,3,1\n30,dog,,0\n0.1,fish,1,1\n25,dog,7,0\n")
	c, err := ReadCSV(p, CSVOptions{Label: "label", Categorical: []string{"kind"}, Defaults: map[string]float32{"age": -1}})
	if err != nil {
		t.Fatal(err)
	}
	if v := c.Vocabulary["kind"]; !slices.Equal(v, []string{"cat", "dog", "fish"}) {
		t.Errorf("vocabulary %q", v)
	}
	es, err := c.Collect()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float32{{4.5, 0, 3}, {30, 1, -1}, {0.1, 2, 1}, {25, 1, 7}}
	for i, e := range es {
		if !slices.Equal(e.X.Data(), want[i]) {
			t.Errorf("row %d: %v, want %v", i, e.X.Data(), want[i])
		}
	}
	// A given vocabulary fixes the ids; a value outside it is an error.
	c, err = ReadCSV(p, CSVOptions{Label: "label", Categorical: []string{"kind"},
		Vocabulary: map[string][]string{"kind": {"dog", "cat"}}, Defaults: map[string]float32{"age": 0}})
	if err != nil {
		t.Fatal(err)
	}
	es, err = c.Collect()
	if len(es) != 2 || es[0].X.Data()[1] != 1 || es[1].X.Data()[1] != 0 {
		t.Errorf("fixed vocabulary: %d rows", len(es))
	}
	if err == nil || err.Error() != `data: `+p+`: row 4, column "kind": "fish" is not in the vocabulary` {
		t.Errorf("unknown category: %v", err)
	}
	// A categorical label, and a header-less file named by ColumnNames.
	q := writeFile(t, "q.csv", "1.5,red\n2,blue\n")
	c, err = ReadCSV(q, CSVOptions{NoHeader: true, ColumnNames: []string{"v", "colour"}, Label: "colour", Categorical: []string{"colour"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ys(t, c.Dataset); !slices.Equal(got, []float32{1, 0}) {
		t.Errorf("categorical label ids %v, want [1 0] (blue, red)", got)
	}
	// Without a default, the empty cell is an error naming row and column.
	c, err = ReadCSV(p, CSVOptions{Label: "label", Categorical: []string{"kind"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Collect(); err == nil || !strings.Contains(err.Error(), `row 3, column "age": empty cell`) {
		t.Errorf("missing value: %v", err)
	}
}

func TestReadCSVErrors(t *testing.T) {
	dir := t.TempDir()
	iris := filepath.Join(dir, "iris.csv")
	lines := strings.Split(string(must2(os.ReadFile("testdata/iris.csv"))), "\n")
	lines[16] = "abc" + lines[16][3:]
	os.WriteFile(iris, []byte(strings.Join(lines, "\n")), 0o644)
	c, err := ReadCSV(iris, CSVOptions{ColumnNames: irisNames, Label: "species"})
	if err != nil {
		t.Fatal(err)
	}
	es, err := c.Collect()
	want := `data: ` + iris + `: row 17, column "sepal_length": "abc" is not a number`
	if err == nil || err.Error() != want || len(es) != 15 {
		t.Errorf("got %d rows and\n%v\nwant 15 and\n%s", len(es), err, want)
	}
	fifo := filepath.Join(dir, "fifo.csv")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		opts       CSVOptions
		read       bool // the error comes while reading
		want       string
	}{
		{"empty", writeFile(t, "e.csv", ""), CSVOptions{}, false, "empty file"},
		{"ragged", writeFile(t, "r.csv", "a,b\n1,2\n3\n"), CSVOptions{}, true, "row 3: wrong number of fields"},
		{"no label", writeFile(t, "l.csv", "a,b\n1,2\n"), CSVOptions{Label: "y"}, false, `label column "y" is not in the header`},
		{"no column", writeFile(t, "c.csv", "a,b\n1,2\n"), CSVOptions{Columns: []string{"a", "z"}}, false, `feature column "z"`},
		{"duplicate", writeFile(t, "d.csv", "a,a\n1,2\n"), CSVOptions{}, false, `column "a" appears twice`},
		{"names", writeFile(t, "n.csv", "a,b\n1,2\n"), CSVOptions{ColumnNames: []string{"x"}}, false, "1 names for 2 columns"},
		{"nan", writeFile(t, "f.csv", "a\nNaN\n"), CSVOptions{}, true, `row 2, column "a": "NaN" is not a finite float32`},
		{"quote", writeFile(t, "q.csv", "a\n\"1\n"), CSVOptions{}, true, "row 2"},
		{"long line", writeFile(t, "g.csv", "a\n1\n"+strings.Repeat("9", 5000)+"\n"), CSVOptions{MaxLineBytes: 4096}, true, "row 3: line longer than 4096 bytes"},
		{"long header", writeFile(t, "h.csv", strings.Repeat("a", DefaultMaxLineBytes+10)), CSVOptions{}, false, "row 1: line longer than 1048576 bytes"},
		{"directory", dir, CSVOptions{}, false, "not a regular file"},
		{"fifo", fifo, CSVOptions{}, false, "not a regular file"},
		{"missing", filepath.Join(dir, "nope.csv"), CSVOptions{}, false, "no such file"},
	} {
		c, err := ReadCSV(tc.path, tc.opts)
		if tc.read {
			if err != nil {
				t.Errorf("%s: ReadCSV: %v", tc.name, err)
				continue
			}
			_, err = c.Collect()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "data: ") {
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.want)
		}
	}
}

func must2[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestReadCSVStreams reads a CSV file of about 5 MB and checks that the
// live heap stays far below the file's size.
func TestReadCSVStreams(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("a,b,c,d,y\n")
	const rows = 200_000
	for i := range rows {
		fmt.Fprintf(&sb, "%d.25,%d,-%d.5,1e-3,%d\n", i, i%97, i%13, i%2)
	}
	p := writeFile(t, "big.csv", sb.String())
	size := sb.Len()
	sb = strings.Builder{}
	c, err := ReadCSV(p, CSVOptions{Label: "y"})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	peak := uint64(0)
	n := 0
	var last Element
	for e, err := range c.All() {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%20_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc-min(base, ms.HeapAlloc))
		}
		last = e
	}
	if n != rows || last.X.Data()[0] != rows-1+0.25 {
		t.Fatalf("%d rows, last %v", n, last.X.Data())
	}
	if peak > uint64(size)/8 {
		t.Errorf("live heap grew by %d bytes reading a file of %d", peak, size)
	}
	t.Logf("file %d bytes, live heap growth at most %d bytes", size, peak)
}

// scikit-learn's CSV files start with a line of counts and class names;
// SkipRows skips it, and errors still give the file's line numbers.
func TestReadCSVSkipRowsAndFS(t *testing.T) {
	fsys := fstest.MapFS{
		"iris.csv": {Data: []byte("3,2,setosa,versicolor\n5.1,3.5,0\n4.9,3.0,1\n4.7,x,0\n")},
		"dir":      {Mode: fs.ModeDir},
	}
	opts := CSVOptions{SkipRows: 1, NoHeader: true, ColumnNames: []string{"a", "b", "target"}, Label: "target"}
	c, err := ReadCSVFS(fsys, "iris.csv", opts)
	if err != nil {
		t.Fatal(err)
	}
	var got []float32
	for e, err := range c.Take(2).All() {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e.X.Data()...)
		got = append(got, e.Y.Item())
	}
	if want := []float32{5.1, 3.5, 0, 4.9, 3.0, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	if _, err := c.Collect(); err == nil || !strings.Contains(err.Error(), `iris.csv: row 4, column "b"`) {
		t.Errorf("error of line 4: %v", err)
	}
	if _, err := ReadCSVFS(fsys, "dir", opts); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory: %v", err)
	}
	if _, err := ReadCSVFS(fsys, "iris.csv", CSVOptions{SkipRows: -1}); err == nil || !strings.Contains(err.Error(), "SkipRows must be >= 0, got -1") {
		t.Errorf("SkipRows -1: %v", err)
	}
	plain, err := ReadCSVFS(fsys, "iris.csv", CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Collect(); err == nil || !strings.Contains(err.Error(), "row 2: wrong number of fields") {
		t.Errorf("without SkipRows: %v", err)
	}
}
