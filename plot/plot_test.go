package plot

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// courseHistory is a made-up but plausible Fashion-MNIST history.
var courseHistory = map[string][]float64{
	"accuracy":     {0.82, 0.86, 0.875, 0.885, 0.89, 0.897, 0.902, 0.905, 0.91, 0.913},
	"val_accuracy": {0.845, 0.855, 0.865, 0.87, 0.872, 0.875, 0.874, 0.878, 0.877, 0.879},
	"loss":         {0.50, 0.38, 0.34, 0.31, 0.29, 0.28, 0.265, 0.255, 0.245, 0.235},
	"val_loss":     {0.42, 0.40, 0.37, 0.36, 0.355, 0.35, 0.352, 0.345, 0.35, 0.348},
}

// mnist returns the first n MNIST training images and their labels.
func mnist(t testing.TB, n int) ([][]uint8, []int) {
	t.Helper()
	data, err := os.ReadFile("testdata/mnist_train_16.u8")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := os.ReadFile("testdata/mnist_train_16_labels.u8")
	if err != nil {
		t.Fatal(err)
	}
	var imgs [][]uint8
	var labels []int
	for i := range n {
		imgs = append(imgs, data[i*784:(i+1)*784])
		labels = append(labels, int(lab[i]))
	}
	return imgs, labels
}

func readPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewRGBA(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			out.Set(x, y, img.At(x, y))
		}
	}
	return out
}

func near(a, b color.RGBA, tol int) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol
}

func count(img *image.RGBA, c color.RGBA, tol int) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if near(img.RGBAAt(x, y), c, tol) {
				n++
			}
		}
	}
	return n
}

func wantArgErr(t *testing.T, err error, arg, text string) {
	t.Helper()
	var ae *ArgError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an *ArgError", err)
	}
	if ae.Arg != arg || !strings.Contains(ae.Error(), text) {
		t.Errorf("error %q names %q; want the argument %q and %q", ae.Error(), ae.Arg, arg, text)
	}
}

func TestSaveHistoryPNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acc.png")
	if err := SaveHistory(path, courseHistory, "accuracy", "val_accuracy"); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 480 {
		t.Fatalf("size %v, want 640×480 as matplotlib's default figure", b.Size())
	}
	blue, orange := count(img, Tab10[0], 8), count(img, Tab10[1], 8)
	if blue < 300 || orange < 300 {
		t.Errorf("%d blue and %d orange pixels; want both lines drawn", blue, orange)
	}
	// The first point of the first curve (epoch 0, accuracy 0.82) is the
	// lowest point of the figure: blue, near the left of the axes.
	found := false
	for y := 400; y < 420 && !found; y++ {
		for x := 95; x < 115; x++ {
			if near(img.RGBAAt(x, y), Tab10[0], 10) {
				found = true
				break
			}
		}
	}
	if !found {
		t.Error("no blue pixel where the first accuracy point (epoch 0, 0.82) should be")
	}
	// Nothing is left behind but the figure.
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the figure", len(entries))
	}
}

func TestHistoryAxes(t *testing.T) {
	p, err := History(courseHistory, []string{"loss", "val_loss"}, HistoryOptions{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	// x runs over epochs 0…9 plus matplotlib's 5% margins.
	if math.Abs(p.X.Min+0.45) > 1e-9 || math.Abs(p.X.Max-9.45) > 1e-9 {
		t.Errorf("x range [%g, %g], want [-0.45, 9.45]", p.X.Min, p.X.Max)
	}
	if p.X.Label.Text != "epoch" || p.Y.Label.Text != "loss" || p.Title.Text != "t" {
		t.Errorf("labels %q, %q, title %q", p.X.Label.Text, p.Y.Label.Text, p.Title.Text)
	}
	var labels []string
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		labels = append(labels, tk.Label)
	}
	if want := []string{"0", "2", "4", "6", "8"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("x ticks %q, want %q", labels, want)
	}
}

func TestHistoryErrors(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "h.png")
	_, err := History(nil, []string{"loss"}, HistoryOptions{})
	wantArgErr(t, err, "history", "empty")
	_, err = History(courseHistory, nil, HistoryOptions{})
	wantArgErr(t, err, "keys", "empty")
	err = SaveHistory(png, courseHistory, "loss", "val_acc")
	wantArgErr(t, err, "keys", `no key "val_acc"`)
	err = SaveHistory(png, map[string][]float64{"loss": {1, 2, 3}, "val_loss": {1, 2}}, "loss", "val_loss")
	wantArgErr(t, err, "history", `"val_loss" has 2 values but "loss" has 3`)
	err = SaveHistory(png, map[string][]float64{"loss": {}}, "loss")
	wantArgErr(t, err, "history", "no values")
	_, err = History(courseHistory, []string{"loss"}, HistoryOptions{Labels: []string{"a", "b"}})
	wantArgErr(t, err, "opts.Labels", "2 labels for 1 keys")
	err = SaveHistory(filepath.Join(dir, "h.gif"), courseHistory, "loss")
	wantArgErr(t, err, "path", `".gif"`)
	err = SaveLossAccuracy(png, map[string][]float64{"accuracy": {1}})
	wantArgErr(t, err, "history", `no key "loss"`)
	if err := SavePlot(png, nil); err == nil {
		t.Error("SavePlot(nil) did not fail")
	}
	if err := SaveHistory(filepath.Join(dir, "missing", "h.png"), courseHistory); err == nil {
		t.Error("no error writing into a missing directory")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("failed calls left %d files", len(entries))
	}
}

func TestDefaultKeys(t *testing.T) {
	got := DefaultKeys(map[string][]float64{"val_loss": nil, "accuracy": nil, "loss": nil, "val_accuracy": nil, "mae": nil})
	if want := []string{"loss", "val_loss", "accuracy", "val_accuracy", "mae"}; !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultKeys = %q, want %q", got, want)
	}
}

func TestSaveLossAccuracy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "la.png")
	if err := SaveLossAccuracy(path, courseHistory); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 480 {
		t.Fatalf("size %v, want 1280×480", b.Size())
	}
	// Both panels have a blue training and an orange validation curve.
	for _, half := range []image.Rectangle{image.Rect(0, 0, 640, 480), image.Rect(640, 0, 1280, 480)} {
		sub := img.SubImage(half).(*image.RGBA)
		if count(sub, Tab10[0], 8) < 200 || count(sub, Tab10[1], 8) < 200 {
			t.Errorf("panel %v lacks a blue or an orange curve", half)
		}
	}
	// Without validation or accuracy, a single loss panel.
	if err := SaveLossAccuracy(path, map[string][]float64{"loss": {3, 2, 1}}); err != nil {
		t.Fatal(err)
	}
	if b := readPNG(t, path).Bounds(); b.Dx() != 640 {
		t.Errorf("loss-only figure is %d wide, want 640", b.Dx())
	}
}

func TestVectorFormats(t *testing.T) {
	dir := t.TempDir()
	img, _ := mnist(t, 1)
	for _, tc := range []struct{ name, prefix string }{{"h.svg", "<?xml"}, {"h.pdf", "%PDF"}} {
		path := filepath.Join(dir, tc.name)
		if err := SaveHistory(path, courseHistory, "loss", "val_loss"); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if !bytes.HasPrefix(b, []byte(tc.prefix)) {
			t.Errorf("%s starts %q", tc.name, b[:min(len(b), 10)])
		}
		path = filepath.Join(dir, "i"+tc.name)
		if err := Image(path, img[0], 28, 28, ImageOptions{Colorbar: true}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "ih.svg"))
	if !bytes.Contains(b, []byte(`"data:image/png;base64,`)) || bytes.Contains(b, []byte("image/jpg")) {
		t.Error("SVG images are not declared as PNG")
	}
}

// imshowCell returns the figure pixel at the centre of image pixel (i, j)
// of an h×w image drawn without a colour bar: the axes of a 640×480
// figure span x 80…576 and y 57.6…427.2 (from the top), and the image is
// the largest rectangle of its aspect centred in them.
func imshowCell(h, w, i, j int) (x, y int) {
	left, top, aw, ah := 80.0, 57.6, 496.0, 369.6
	s := math.Min(aw/float64(w), ah/float64(h))
	x0 := left + (aw-s*float64(w))/2
	y0 := top + (ah-s*float64(h))/2
	return int(x0 + (float64(j)+0.5)*s), int(y0 + (float64(i)+0.5)*s)
}

func TestImageZeroIsViridis0(t *testing.T) {
	path := filepath.Join(t.TempDir(), "z.png")
	if err := Image(path, make([]uint8, 28*28), 28, 28, ImageOptions{}); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	x, y := imshowCell(28, 28, 0, 0)
	if got, want := img.RGBAAt(x, y), (color.RGBA{0x44, 0x01, 0x54, 0xff}); got != want {
		t.Errorf("top-left pixel %v, want viridis(0) = #440154", got)
	}
}

func TestImageMNISTPixelExact(t *testing.T) {
	imgs, _ := mnist(t, 1)
	digit := imgs[0]
	f32 := make([]float32, len(digit))
	for i, v := range digit {
		f32[i] = float32(v) / 255
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		save func(path string) error
		cm   *Colormap
	}{
		{"viridis.png", func(p string) error { return Image(p, digit, 28, 28, ImageOptions{}) }, Viridis},
		{"gray.png", func(p string) error { return Image(p, digit, 28, 28, ImageOptions{Cmap: Gray}) }, Gray},
		{"float.png", func(p string) error { return Image(p, f32, 28, 28, ImageOptions{}) }, Viridis},
	} {
		path := filepath.Join(dir, tc.name)
		if err := tc.save(path); err != nil {
			t.Fatal(err)
		}
		img := readPNG(t, path)
		if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 480 {
			t.Fatalf("size %v", b.Size())
		}
		bad := 0
		for i := range 28 {
			for j := range 28 {
				x, y := imshowCell(28, 28, i, j)
				want := tc.cm.At(float64(digit[i*28+j]) / 255)
				// Every point of the pixel's block, not only its centre.
				for _, d := range [][2]int{{0, 0}, {-5, -5}, {5, 5}, {-5, 5}, {5, -5}} {
					if got := img.RGBAAt(x+d[0], y+d[1]); got != want {
						bad++
						if bad < 5 {
							t.Errorf("%s: image pixel (%d, %d) at (%d, %d) is %v, want %v", tc.name, i, j, x+d[0], y+d[1], got, want)
						}
					}
				}
			}
		}
	}
}

func TestImageColorbar(t *testing.T) {
	imgs, _ := mnist(t, 1)
	path := filepath.Join(t.TempDir(), "cb.png")
	if err := Image(path, imgs[0], 28, 28, ImageOptions{Colorbar: true}); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	// matplotlib's bar spans x 501.6…520.1 and the axes' height.
	x := 511
	if got := img.RGBAAt(x, 59); !near(got, Viridis.Index(255), 6) {
		t.Errorf("top of the colour bar is %v, want viridis(1)", got)
	}
	if got := img.RGBAAt(x, 422); !near(got, Viridis.Index(0), 6) {
		t.Errorf("bottom of the colour bar is %v, want viridis(0)", got)
	}
}

func TestImageErrors(t *testing.T) {
	dir := t.TempDir()
	err := Image(filepath.Join(dir, "a.png"), make([]uint8, 10), 3, 3, ImageOptions{})
	wantArgErr(t, err, "img", "10 pixels")
	err = Image(filepath.Join(dir, "a.png"), []float32{}, 0, 3, ImageOptions{})
	wantArgErr(t, err, "h, w", "not positive")
	err = Image(filepath.Join(dir, "a.bmp"), make([]uint8, 9), 3, 3, ImageOptions{})
	wantArgErr(t, err, "path", ".bmp")
}

func TestGrid(t *testing.T) {
	imgs, labels := mnist(t, 8)
	dir := t.TempDir()
	pred := append([]int(nil), labels...)
	right := filepath.Join(dir, "right.png")
	if err := Grid(right, imgs, 28, 28, labels, pred, nil, 4, nil); err != nil {
		t.Fatal(err)
	}
	pred[3] = (pred[3] + 1) % 10
	wrong := filepath.Join(dir, "wrong.png")
	if err := Grid(wrong, imgs, 28, 28, labels, pred, nil, 4, Gray); err != nil {
		t.Fatal(err)
	}
	r, w := readPNG(t, right), readPNG(t, wrong)
	if r.Bounds() != w.Bounds() {
		t.Fatalf("sizes differ: %v, %v", r.Bounds(), w.Bounds())
	}
	// 4 columns of 1.6 inches with 0.15-inch gaps and 0.2-inch margins;
	// 2 rows, each with a title.
	if b := r.Bounds(); b.Dx() != 725 || b.Dy() != 459 {
		t.Errorf("size %v", b.Size())
	}
	if n := count(r, errorRed, 30); n != 0 {
		t.Errorf("all predictions right, yet %d red pixels", n)
	}
	if n := count(w, errorRed, 30); n < 20 {
		t.Errorf("one wrong prediction, yet only %d red pixels", n)
	}
	names := []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
	if err := Grid(filepath.Join(dir, "names.svg"), imgs, 28, 28, labels, nil, names, 0, nil); err != nil {
		t.Fatal(err)
	}
	err := Grid(right, imgs, 28, 28, labels[:3], nil, nil, 4, nil)
	wantArgErr(t, err, "trueLabels", "3 labels for 8 images")
	err = Grid(right, imgs, 28, 28, labels, pred, names[:5], 4, nil)
	wantArgErr(t, err, "trueLabels", "no class name")
	err = Grid(right, [][]uint8{imgs[0], imgs[1][:5]}, 28, 28, nil, nil, nil, 4, nil)
	wantArgErr(t, err, "images[1]", "5 pixels")
	err = Grid[uint8](right, nil, 28, 28, nil, nil, nil, 4, nil)
	wantArgErr(t, err, "images", "empty")
}

func TestConfusion(t *testing.T) {
	m, err := Confusion([]int{0, 0, 1, 2, 2, 2}, []int{0, 1, 1, 2, 0, 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]int{{1, 1, 0}, {0, 1, 0}, {1, 0, 2}}; !reflect.DeepEqual(m, want) {
		t.Errorf("Confusion = %v, want %v", m, want)
	}
	_, err = Confusion([]int{0}, []int{0, 1}, 2)
	wantArgErr(t, err, "predLabels", "2 labels but trueLabels has 1")
	_, err = Confusion([]int{0, 3}, []int{0, 1}, 2)
	wantArgErr(t, err, "trueLabels", "label 3 at index 1")
}

func TestConfusionMatrix(t *testing.T) {
	dir := t.TempDir()
	tr := []int{0, 1, 2, 2, 1, 0, 2}
	pr := []int{0, 1, 2, 1, 1, 2, 2}
	path := filepath.Join(dir, "cm.png")
	if err := ConfusionMatrix(path, tr, pr, nil); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 480 {
		t.Errorf("size %v", b.Size())
	}
	// The largest count (2) is the darkest blue.
	if count(img, Blues.Index(255), 3) < 1000 {
		t.Error("no cell in the darkest blue")
	}
	err := ConfusionMatrix(path, nil, nil, nil)
	wantArgErr(t, err, "trueLabels", "empty")
	err = ConfusionMatrix(path, tr, pr, []string{"a", "b"})
	wantArgErr(t, err, "trueLabels", "outside 0…1")
	err = ConfusionMatrix(filepath.Join(dir, "cm.txt"), tr, pr, nil)
	wantArgErr(t, err, "path", ".txt")
}

func TestLocator(t *testing.T) {
	// Expected values from matplotlib's MaxNLocator and ScalarFormatter.
	for _, tc := range []struct {
		lo, hi  float64
		nbins   int
		integer bool
		want    string
	}{
		{-0.45, 9.45, 9, false, "0 2 4 6 8"},
		{-0.45, 9.45, 9, true, "0 2 4 6 8"},
		{-0.2, 4.2, 9, false, "0.0 0.5 1.0 1.5 2.0 2.5 3.0 3.5 4.0"},
		{-0.2, 4.2, 9, true, "0 1 2 3 4"},
		{0.8153, 0.9177, 9, false, "0.82 0.84 0.86 0.88 0.90"},
		{-0.5, 27.5, 8, false, "0 5 10 15 20 25"},
		{-0.5, 27.5, 9, false, "0 5 10 15 20 25"},
		{0, 255, 9, false, "0 50 100 150 200 250"},
		{0.2185, 0.5115, 9, false, "0.25 0.30 0.35 0.40 0.45 0.50"},
		{-1.3, 2.7, 9, false, "−1.0 −0.5 0.0 0.5 1.0 1.5 2.0 2.5"},
		{1e-4, 5e-4, 9, false, "0.00010 0.00015 0.00020 0.00025 0.00030 0.00035 0.00040 0.00045 0.00050"},
		{100, 100.5, 9, false, "100.0 100.1 100.2 100.3 100.4 100.5"},
		{0, 2, 9, false, "0.00 0.25 0.50 0.75 1.00 1.25 1.50 1.75 2.00"},
	} {
		var got []string
		for _, tk := range (&locator{nbins: tc.nbins, integer: tc.integer}).Ticks(tc.lo, tc.hi) {
			got = append(got, tk.Label)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("ticks of [%g, %g] (nbins %d, integer %v) = %q, want %q", tc.lo, tc.hi, tc.nbins, tc.integer, strings.Join(got, " "), tc.want)
		}
	}
}

func TestLegendBest(t *testing.T) {
	// Rising curves leave the upper left free, falling ones the upper
	// right, as matplotlib's loc="best" finds.
	for _, tc := range []struct {
		ys      []float64
		wantTop bool
		left    bool
	}{
		{[]float64{0.1, 0.5, 0.7, 0.8, 0.85, 0.9}, true, true},
		{[]float64{0.9, 0.5, 0.3, 0.2, 0.15, 0.1}, true, false},
	} {
		p := gplot.New()
		p.X.Min, p.X.Max = -0.25, 5.25
		p.Y.Min, p.Y.Max = 0.06, 0.94
		var xys plotter.XYs
		for i, y := range tc.ys {
			xys = append(xys, plotter.XY{X: float64(i), Y: y})
		}
		l := &legend{}
		l.add("train", Tab10[0], xys)
		c := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: 400, Y: 300}}}
		r := l.best(c, p, 60, 40)
		top := r.Max.Y > 250
		left := r.Min.X < 100
		if top != tc.wantTop || left != tc.left {
			t.Errorf("legend for %v at %v; want top=%v left=%v", tc.ys, r, tc.wantTop, tc.left)
		}
	}
}

func TestCycleColor(t *testing.T) {
	if CycleColor(0) != (color.RGBA{0x1f, 0x77, 0xb4, 0xff}) || CycleColor(1) != (color.RGBA{0xff, 0x7f, 0x0e, 0xff}) || CycleColor(10) != CycleColor(0) {
		t.Error("CycleColor does not follow matplotlib's tab10 cycle")
	}
}

func TestHistoryNaNBreaksLine(t *testing.T) {
	h := map[string][]float64{"loss": {1, 0.5, math.NaN(), 0.3, 0.2}}
	p, err := History(h, []string{"loss"}, HistoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nan.png")
	if err := SavePlot(path, p); err != nil {
		t.Fatal(err)
	}
	// Epoch 2 is missing: no blue where the line from 0.5 to 0.3 would
	// cross the middle of the axes.
	img := readPNG(t, path)
	x := 80 + int(496*(2+0.2)/4.4) // x of epoch 2 with 5% margins
	for y := 57; y < 427; y++ {
		if near(img.RGBAAt(x, y), Tab10[0], 30) {
			t.Fatalf("blue pixel at (%d, %d), where the line should be broken", x, y)
		}
	}
	if count(img, Tab10[0], 8) < 100 {
		t.Error("the rest of the line is missing")
	}
}
