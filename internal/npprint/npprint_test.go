package npprint

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// goldenCase is one testdata/*.golden file written by testdata/gen.py.
type goldenCase struct {
	dtype string
	shape []int
	opts  Options
	data  []string
	want  string
}

func readGolden(t *testing.T, path string) goldenCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseGolden(t, path, string(b))
}

func parseGolden(t *testing.T, path, text string) goldenCase {
	t.Helper()
	head, want, ok := strings.Cut(text, "\n---\n")
	if !ok {
		t.Fatalf("%s: no --- line", path)
	}
	c := goldenCase{shape: []int{}, want: want}
	for _, line := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(line, ": ")
		atoi := func() int {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("%s: %s: %v", path, k, err)
			}
			return n
		}
		switch k {
		case "dtype":
			c.dtype = v
		case "shape":
			for _, f := range strings.Fields(v) {
				n, err := strconv.Atoi(f)
				if err != nil {
					t.Fatal(err)
				}
				c.shape = append(c.shape, n)
			}
		case "data":
			c.data = strings.Fields(v)
		case "linewidth":
			c.opts.Linewidth = atoi()
		case "precision":
			c.opts.Precision = atoi()
		case "threshold":
			c.opts.Threshold = atoi()
		case "edgeitems":
			c.opts.EdgeItems = atoi()
		case "suppress":
			c.opts.Suppress = v == "true"
		default:
			t.Fatalf("%s: unknown key %q", path, k)
		}
	}
	return c
}

func parseFloats(t *testing.T, s []string) []float64 {
	t.Helper()
	out := make([]float64, len(s))
	for i, f := range s {
		switch f {
		case "nan":
			f = "NaN"
		case "inf":
			f = "+Inf"
		case "-inf":
			f = "-Inf"
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

func parseInts(t *testing.T, s []string) []int64 {
	t.Helper()
	out := make([]int64, len(s))
	for i, f := range s {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = v
	}
	return out
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.golden")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 40 {
		t.Fatalf("found %d golden files, want at least 40", len(files))
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".golden")
		t.Run(name, func(t *testing.T) { checkCase(t, readGolden(t, path)) })
	}
}

// TestRandom checks the many random arrays and options of
// testdata/random.cases.
func TestRandom(t *testing.T) {
	b, err := os.ReadFile("testdata/random.cases")
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range strings.Split(string(b), "\n===\n") {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			checkCase(t, parseGolden(t, "random.cases", text))
		})
	}
}

func checkCase(t *testing.T, c goldenCase) {
	t.Helper()
	var got string
	switch c.dtype {
	case "float64":
		got = Float64(c.shape, parseFloats(t, c.data), c.opts)
	case "float32":
		f := parseFloats(t, c.data)
		f32 := make([]float32, len(f))
		for i, v := range f {
			f32[i] = float32(v)
		}
		got = Float32(c.shape, f32, c.opts)
	case "uint8":
		n := parseInts(t, c.data)
		u := make([]uint8, len(n))
		for i, v := range n {
			u[i] = uint8(v)
		}
		got = Uint8(c.shape, u, c.opts)
	case "int64":
		got = Ints(c.shape, parseInts(t, c.data), c.opts)
	default:
		t.Fatalf("unknown dtype %q", c.dtype)
	}
	if got != c.want {
		t.Errorf("%s %v %+v: got:\n%s\nwant:\n%s", c.dtype, c.shape, c.opts, got, c.want)
		gl, wl := strings.Split(got, "\n"), strings.Split(c.want, "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Errorf("first difference at line %d:\n got %q\nwant %q", i+1, gl[i], wl[i])
				break
			}
		}
	}
}

// TestMNISTFixture checks that the committed image is the one in the
// goldens, so that other packages can rely on it.
func TestMNISTFixture(t *testing.T) {
	img, err := os.ReadFile("testdata/mnist_train_0.u8")
	if err != nil {
		t.Fatal(err)
	}
	if len(img) != 784 {
		t.Fatalf("fixture has %d bytes, want 784", len(img))
	}
	c := readGolden(t, "testdata/mnist0_uint8_lw120.golden")
	if got := Uint8([]int{28, 28}, img, Options{Linewidth: CourseLinewidth}); got != c.want {
		t.Errorf("fixture prints differently from its golden:\n%s", got)
	}
	// X_train[0] / 255.0, computed in Go.
	f := make([]float64, len(img))
	for i, b := range img {
		f[i] = float64(b) / 255
	}
	c = readGolden(t, "testdata/mnist0_div255_float64_lw120.golden")
	if got := Float64([]int{28, 28}, f, Options{Linewidth: CourseLinewidth}); got != c.want {
		t.Errorf("image/255 prints differently from its golden:\n%s", got)
	}
}

func TestSizeMismatchPanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "(2, 3)") {
			t.Errorf("recovered %v, want a panic naming the shape (2, 3)", r)
		}
	}()
	Uint8([]int{2, 3}, make([]uint8, 5), Options{})
}

func TestSetOptions(t *testing.T) {
	defer SetOptions(SetOptions(Options{Linewidth: 120}))
	if got := CurrentOptions(); got.Linewidth != 120 {
		t.Errorf("CurrentOptions().Linewidth = %d, want 120", got.Linewidth)
	}
	prev := SetOptions(Options{Linewidth: 30})
	if prev.Linewidth != 120 {
		t.Errorf("SetOptions returned %+v, want the previous options", prev)
	}
	x := make([]int, 20)
	if got := Ints([]int{20}, x, CurrentOptions()); !strings.Contains(got, "\n") {
		t.Errorf("20 zeros at line width 30 fit on one line: %q", got)
	}
}
