package data_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/data"
)

// writePNG writes a w×h grey image whose pixel (x, y) is f(x, y).
func writePNG(t *testing.T, path string, w, h int, f func(x, y int) uint8) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := f(x, y)
			img.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func imageTree(t *testing.T) string {
	dir := t.TempDir()
	for i := range 3 {
		writePNG(t, filepath.Join(dir, "cat", string(rune('a'+i))+".png"), 4, 4, func(x, y int) uint8 { return uint8(10*x + y) })
	}
	for i := range 2 {
		writePNG(t, filepath.Join(dir, "dog", string(rune('a'+i))+".png"), 4, 4, func(x, y int) uint8 { return 200 })
	}
	os.WriteFile(filepath.Join(dir, "dog", "notes.txt"), []byte("not an image"), 0o644)
	return dir
}

func TestImageDatasetFromDirectory(t *testing.T) {
	dir := imageTree(t)
	ds, _, names, err := data.ImageDatasetFromDirectory(dir, data.ImageDirOptions{ImageSize: [2]int{2, 2}, ColorMode: "grayscale", NoShuffle: true, BatchSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "cat,dog" {
		t.Fatalf("class names %v", names)
	}
	es, err := ds.Collect()
	if err != nil || len(es) != 5 {
		t.Fatalf("%d elements, %v (the .txt file is left out, as Keras does)", len(es), err)
	}
	// Halving with half-pixel centres averages each 2×2 block (tf.image.resize).
	// Block (0,0) of 10x+y: (0+1+10+11)/4 = 5.5; grey conversion keeps grey.
	if got := es[0].X.Data()[0]; got < 5.49 || got > 5.51 {
		t.Errorf("pixel (0,0) = %v, want 5.5", got)
	}
	if es[0].X.Shape()[2] != 1 || es[3].Y.Item() != 1 || es[0].Y.Item() != 0 {
		t.Errorf("shape %v, labels %v %v", es[0].X.Shape(), es[0].Y.Item(), es[3].Y.Item())
	}
	tr, va, _, err := data.ImageDatasetFromDirectory(dir, data.ImageDirOptions{ImageSize: [2]int{4, 4}, LabelMode: "categorical", ValidationSplit: 0.4, Subset: "both", Seed: 3, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := tr.Collect()
	vb, _ := va.Collect()
	if len(tb) != 2 || tb[0].X.Dim(0) != 2 || tb[1].X.Dim(0) != 1 || len(vb) != 1 || vb[0].X.Dim(0) != 2 {
		t.Fatalf("split: %d training batches, %d validation", len(tb), len(vb))
	}
	if s := tb[0].Y.Shape(); s[1] != 2 || tb[0].X.Shape()[3] != 3 {
		t.Errorf("categorical labels %v, images %v", s, tb[0].X.Shape())
	}
}

func TestImageDatasetFromDirectoryErrors(t *testing.T) {
	dir := imageTree(t)
	bad := filepath.Join(dir, "cat", "broken.png")
	os.WriteFile(bad, []byte("\x89PNG truncated"), 0o644)
	ds, _, _, err := data.ImageDatasetFromDirectory(dir, data.ImageDirOptions{ImageSize: [2]int{2, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ds.Collect(); err == nil || !strings.Contains(err.Error(), "broken.png") {
		t.Errorf("a corrupt image: %v, want an error naming the file", err)
	}
	for _, o := range []data.ImageDirOptions{{ColorMode: "cmyk"}, {LabelMode: "sparse"}, {ValidationSplit: 0.2}, {Subset: "training"}, {ValidationSplit: 1.5, Subset: "both"}} {
		if _, _, _, err := data.ImageDatasetFromDirectory(dir, o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	if _, _, _, err := data.ImageDatasetFromDirectory(t.TempDir(), data.ImageDirOptions{}); err == nil || !strings.Contains(err.Error(), "no class") {
		t.Errorf("empty folder: %v", err)
	}
	if _, _, _, err := data.ImageDatasetFromDirectory(dir, data.ImageDirOptions{LabelMode: "binary"}); err != nil {
		t.Errorf("binary with 2 classes: %v", err)
	}
}

// FuzzImageDatasetFromDirectory reads arbitrary bytes as an image file:
// an error or an image, never a panic.
func FuzzImageDatasetFromDirectory(f *testing.F) {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 2)))
	f.Add(b.Bytes())
	f.Add([]byte("GIF89a"))
	f.Add([]byte{0xff, 0xd8, 0xff})
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(raw) > 1<<16 {
			return
		}
		// Small declared sizes only: a header may claim a huge image.
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(raw)); err == nil && cfg.Width*cfg.Height > 1<<16 {
			return
		}
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "c"), 0o755)
		os.WriteFile(filepath.Join(dir, "c", "x.png"), raw, 0o644)
		ds, _, _, err := data.ImageDatasetFromDirectory(dir, data.ImageDirOptions{ImageSize: [2]int{3, 3}, ColorMode: "rgba"})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = ds.Collect()
	})
}
