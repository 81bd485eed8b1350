package imdb_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/imdb"
)

// tree writes a tiny aclImdb directory: files maps "train/pos/0_9.txt" to
// its text.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "aclImdb")
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

var small = map[string]string{
	"train/neg/0_3.txt":     "Dull. <br />Too long.",
	"train/neg/1_1.txt":     "Awful acting.",
	"train/pos/0_9.txt":     "A gem!",
	"train/pos/10_8.txt":    "Great fun.",
	"train/pos/2_7.txt":     "Lovely music.",
	"train/unsup/0_0.txt":   "not labelled",
	"train/labeledBow.feat": "0:1",
	"test/neg/0_2.txt":      "Boring.",
	"test/pos/0_10.txt":     "Superb.",
	"imdb.vocab":            "the\nand\n",
}

func TestLoadTexts(t *testing.T) {
	root := tree(t, small)
	x, y, xt, yt, err := imdb.LoadTexts(root, imdb.Options{NoShuffle: true})
	if err != nil {
		t.Fatal(err)
	}
	// neg then pos, each by file name (as Keras's shuffle=False sorts them).
	want := []string{"Dull. <br />Too long.", "Awful acting.", "A gem!", "Great fun.", "Lovely music."}
	if !slices.Equal([]string(x), want) {
		t.Errorf("train texts %q, want %q", x, want)
	}
	if got := y.Data(); !slices.Equal(got, []float32{0, 0, 1, 1, 1}) || !slices.Equal(y.Shape(), []int{5}) {
		t.Errorf("train labels %v of shape %v, want [0 0 1 1 1] of shape [5]", got, y.Shape())
	}
	if !slices.Equal([]string(xt), []string{"Boring.", "Superb."}) || !slices.Equal(yt.Data(), []float32{0, 1}) {
		t.Errorf("test: %q %v", xt, yt.Data())
	}

	// The parent directory works too, and shuffling keeps the pairs.
	xs, ys, _, _, err := imdb.LoadTexts(filepath.Dir(root), imdb.Options{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[string]float32{}
	for i, s := range x {
		pairs[s] = y.Data()[i]
	}
	for i, s := range xs {
		if pairs[s] != ys.Data()[i] {
			t.Errorf("shuffled: %q has label %v, want %v", s, ys.Data()[i], pairs[s])
		}
	}
	again, _, _, _, _ := imdb.LoadTexts(root, imdb.Options{Seed: 3})
	if !slices.Equal([]string(again), []string(xs)) {
		t.Errorf("the same seed gives %q, then %q", xs, again)
	}

	xm, ym, _, _, err := imdb.LoadTexts(root, imdb.Options{NoShuffle: true, MaxPerClass: 1})
	if err != nil || !slices.Equal([]string(xm), []string{"Dull. <br />Too long.", "A gem!"}) || !slices.Equal(ym.Data(), []float32{0, 1}) {
		t.Errorf("MaxPerClass 1: %q %v %v", xm, ym, err)
	}

	t.Setenv("NEURON_IMDB_DIR", root)
	if xe, _, _, _, err := imdb.LoadTexts("", imdb.Options{NoShuffle: true}); err != nil || len(xe) != 5 {
		t.Errorf("through NEURON_IMDB_DIR: %d texts, %v", len(xe), err)
	}
}

func TestLoadTextsErrors(t *testing.T) {
	t.Setenv("NEURON_IMDB_DIR", "")
	if _, _, _, _, err := imdb.LoadTexts("", imdb.Options{}); !errors.Is(err, datasets.ErrNotFound) {
		t.Errorf("no directory: %v, want ErrNotFound", err)
	}
	missing := tree(t, map[string]string{"train/neg/0_1.txt": "x", "train/pos/0_9.txt": "y"})
	if _, _, _, _, err := imdb.LoadTexts(missing, imdb.Options{}); !errors.Is(err, datasets.ErrNotFound) || !strings.Contains(err.Error(), filepath.Join("test", "neg")) {
		t.Errorf("no test split: %v, want ErrNotFound naming test/neg", err)
	}
	empty := tree(t, map[string]string{"train/neg/notes.md": "x", "train/pos/0_9.txt": "y"})
	if _, _, _, _, err := imdb.LoadTexts(empty, imdb.Options{}); err == nil || !strings.Contains(err.Error(), "holds no .txt reviews") {
		t.Errorf("no reviews: %v", err)
	}
	if _, _, _, _, err := imdb.LoadTexts(empty, imdb.Options{MaxPerClass: -1}); err == nil || !strings.Contains(err.Error(), "MaxPerClass must be >= 0, got -1") {
		t.Errorf("MaxPerClass -1: %v", err)
	}
	fifo := tree(t, small)
	p := filepath.Join(fifo, "train", "pos", "5_9.txt")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip(err)
	}
	if _, _, _, _, err := imdb.LoadTexts(fifo, imdb.Options{}); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("a named pipe among the reviews: %v", err)
	}
}
