package summary

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Models (a), (b) and (c) of the Keras reference, as Keras 3 lists them.
var (
	modelA = []Row{
		{Name: "flatten", Class: "Flatten", OutputShape: []int{784}},
		{Name: "dense", Class: "Dense", OutputShape: []int{256}, Params: 200960},
		{Name: "dense_1", Class: "Dense", OutputShape: []int{10}, Params: 2570},
	}
	modelB = []Row{
		{Name: "flatten", Class: "Flatten", OutputShape: []int{784}},
		{Name: "dense", Class: "Dense", OutputShape: []int{128}, Params: 100480},
		{Name: "dropout", Class: "Dropout", OutputShape: []int{128}},
		{Name: "dense_1", Class: "Dense", OutputShape: []int{10}, Params: 1290},
	}
	modelC = []Row{
		{Name: "conv2d", Class: "Conv2D", OutputShape: []int{26, 26, 32}, Params: 320},
		{Name: "max_pooling2d", Class: "MaxPooling2D", OutputShape: []int{13, 13, 32}},
		{Name: "conv2d_1", Class: "Conv2D", OutputShape: []int{11, 11, 64}, Params: 18496},
		{Name: "max_pooling2d_1", Class: "MaxPooling2D", OutputShape: []int{5, 5, 64}},
		{Name: "conv2d_2", Class: "Conv2D", OutputShape: []int{3, 3, 64}, Params: 36928},
		{Name: "max_pooling2d_2", Class: "MaxPooling2D", OutputShape: []int{1, 1, 64}},
		{Name: "flatten", Class: "Flatten", OutputShape: []int{64}},
		{Name: "dense", Class: "Dense", OutputShape: []int{64}, Params: 4160},
		{Name: "dense_1", Class: "Dense", OutputShape: []int{10}, Params: 650},
	}
	// modelWrap has cells longer than their column: one wraps on spaces,
	// one holds a single word longer than a whole line.
	modelWrap = []Row{
		{Name: "transformer_encoder_block_with_a_long_name", Class: "TransformerEncoderBlock",
			OutputShape: []int{128, 16, 16, 16, 16, 16, 16, 16, 16}, Params: 12345678901},
		{Name: "dense", Class: "Dense", OutputShape: []int{10}, Params: 1290},
		{Name: "x abcdefghijklmnopqrstuvwxyz0123456789abcdefghij", Class: "D", OutputShape: []int{}},
	}
)

func TestGolden(t *testing.T) {
	tests := []struct {
		golden string
		table  Table
	}{
		{"model_a_88", Table{ModelName: "sequential", Rows: modelA, Trainable: 203530, Width: 88}},
		{"model_b_88", Table{ModelName: "sequential", Rows: modelB, Trainable: 101770, Width: 88}},
		{"model_c_88", Table{ModelName: "sequential", Rows: modelC, Trainable: 60554, Width: 88}},
		{"model_a_optimizer_88", Table{ModelName: "sequential", Rows: modelA, Trainable: 203530, OptimizerParams: 407062, Width: 88}},
		{"model_a_76", Table{ModelName: "sequential", Rows: modelA, Trainable: 203530, Width: 76}},
		{"model_b_76", Table{ModelName: "sequential", Rows: modelB, Trainable: 101770, Width: 76}},
		{"unbuilt_88", Table{ModelName: "sequential_1", Width: 88, Rows: []Row{
			{Name: "flatten", Class: "Flatten", Unbuilt: true},
			{Name: "dense", Class: "Dense", Unbuilt: true},
		}}},
		{"empty_88", Table{ModelName: "sequential", Width: 88}},
		{"wrap_88", Table{ModelName: "sequential", Rows: modelWrap, Trainable: 12345680191, NonTrainable: 5, Width: 88}},
		{"wrap_76", Table{ModelName: "sequential", Rows: modelWrap, Trainable: 12345680191, NonTrainable: 5, Width: 76}},
		{"wrap_40", Table{ModelName: "sequential", Rows: modelWrap, Trainable: 12345680191, NonTrainable: 5, Width: 40}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", tt.golden+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := Write(&buf, tt.table); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != string(want) {
				t.Errorf("mismatch\n--- got ---\n%s--- want ---\n%s", got, want)
			}
		})
	}
}

func TestCellWidths(t *testing.T) {
	// The cell widths Keras 3 produces, padding included, between borders.
	if got, want := cellWidths(88), [3]int{38, 29, 17}; got != want {
		t.Errorf("cellWidths(88) = %v, want %v", got, want)
	}
	if got, want := cellWidths(76), [3]int{33, 24, 15}; got != want {
		t.Errorf("cellWidths(76) = %v, want %v", got, want)
	}
	for w := minWidth; w <= 300; w++ {
		c := cellWidths(w)
		if c[0]+c[1]+c[2]+4 != w {
			t.Errorf("width %d: cells %v do not fill the line", w, c)
		}
		for _, x := range c {
			if x < 3 {
				t.Errorf("width %d: cells %v leave no room for text", w, c)
			}
		}
	}
}

func TestEveryLineHasTheTableWidth(t *testing.T) {
	for _, w := range []int{minWidth, 50, 76, 88, 120} {
		var buf bytes.Buffer
		if err := Write(&buf, Table{ModelName: "m", Rows: modelWrap, Width: w}); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(buf.String(), "\n") {
			if strings.ContainsAny(line, "│┃┏┡├└") {
				if n := len([]rune(line)); n != w {
					t.Errorf("width %d: line has %d columns: %q", w, n, line)
				}
			}
		}
	}
}

func TestNarrowWidthIsRaised(t *testing.T) {
	var a, b bytes.Buffer
	Write(&a, Table{ModelName: "m", Rows: modelA, Width: 5})
	Write(&b, Table{ModelName: "m", Rows: modelA, Width: minWidth})
	if a.String() != b.String() {
		t.Errorf("width 5 should render as width %d:\n%s", minWidth, a.String())
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"dense (Dense)", 36, []string{"dense (Dense)"}},
		{"", 5, []string{""}},
		{"ab cd ef", 5, []string{"ab cd", "ef"}},
		{"ab   cd", 4, []string{"ab", "cd"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"a abcdefgh b", 4, []string{"a", "abcd", "efgh", "b"}},
		{"abcdefg hi", 4, []string{"abcd", "efg", "hi"}},
		{"abcdef g", 4, []string{"abcd", "ef g"}},
		{"  x", 5, []string{"  x"}},
	}
	for _, tt := range tests {
		if got := wrap(tt.in, tt.width); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

func TestFormatting(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 203530: "203,530", 12345678901: "12,345,678,901", -1234: "-1,234"} {
		if got := commas(n); got != want {
			t.Errorf("commas(%d) = %q, want %q", n, got, want)
		}
	}
	for b, want := range map[float64]string{0: "0.00 B", 1023: "1023.00 B", 1024: "1.00 KB", 814120: "795.04 KB", 1628248: "1.55 MB", 2442368: "2.33 MB", 1 << 30: "1.00 GB"} {
		if got := memorySize(b); got != want {
			t.Errorf("memorySize(%v) = %q, want %q", b, got, want)
		}
	}
	for _, tt := range []struct {
		shape []int
		want  string
	}{{nil, "(None)"}, {[]int{784}, "(None, 784)"}, {[]int{26, 26, 32}, "(None, 26, 26, 32)"}, {[]int{-1, 8}, "(None, None, 8)"}} {
		if got := formatShape(tt.shape); got != tt.want {
			t.Errorf("formatShape(%v) = %q, want %q", tt.shape, got, tt.want)
		}
	}
}

func TestAutoWidth(t *testing.T) {
	if got := AutoWidth(nil); got != plainWidth {
		t.Errorf("AutoWidth(nil) = %d, want %d", got, plainWidth)
	}
	f, err := os.CreateTemp(t.TempDir(), "summary")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	t.Setenv("COLUMNS", "50")
	if got := AutoWidth(f); got != plainWidth {
		t.Errorf("AutoWidth(regular file) = %d, want %d", got, plainWidth)
	}
	// Write on a file without an explicit width takes the plain width.
	if err := Write(f, Table{ModelName: "sequential", Rows: modelA, Trainable: 203530}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(f.Name())
	want, _ := os.ReadFile(filepath.Join("testdata", "model_a_76.golden"))
	if string(got) != string(want) {
		t.Errorf("auto width on a file:\n%s", got)
	}

	tty, err := os.OpenFile("/dev/null", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no character device:", err)
	}
	defer tty.Close()
	for _, tt := range []struct {
		columns string
		want    int
	}{{"", terminalWidth}, {"200", terminalWidth}, {"92", terminalWidth}, {"80", 76}, {"junk", terminalWidth}, {"10", minWidth}} {
		t.Setenv("COLUMNS", tt.columns)
		if got := AutoWidth(tty); got != tt.want {
			t.Errorf("COLUMNS=%q: AutoWidth(char device) = %d, want %d", tt.columns, got, tt.want)
		}
	}
}
