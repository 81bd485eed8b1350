package kerasfile_test

import (
	"archive/zip"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/hdf5"
	"github.com/neuron-go/neuron/saving/kerasfile"
	"github.com/neuron-go/neuron/tensor"
)

// TestSaveLoad converts the Keras-written MNIST model to .keras and to
// .h5 and back: the predictions and the Adam state survive both.
func TestSaveLoad(t *testing.T) {
	e := expected(t, "kotlindl_mnist")
	m, err := kerasfile.Load("testdata/kotlindl_mnist.h5")
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.FromSlice(e.Input, e.InputShape...)
	want := predictAll(t, m, x)
	st, _ := m.TrainingState()
	dir := t.TempDir()
	for _, name := range []string{"m.keras", "m.h5"} {
		p := filepath.Join(dir, name)
		if err := kerasfile.Save(m, p); err != nil {
			t.Fatal(err)
		}
		m2, err := kerasfile.Load(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := predictAll(t, m2, x); !slices.Equal(got, want) {
			t.Errorf("%s: predictions differ", name)
		}
		st2, _ := m2.TrainingState()
		if st2.Optimizer == nil || st2.Optimizer.Iterations != st.Optimizer.Iterations {
			t.Fatalf("%s: optimizer state not restored", name)
		}
		for j := range st.Optimizer.Slots {
			for i := range st.Optimizer.Slots[j].Values {
				if !slices.Equal(st.Optimizer.Slots[j].Values[i], st2.Optimizer.Slots[j].Values[i]) {
					t.Fatalf("%s: slot %s[%d] differs", name, st.Optimizer.Slots[j].Name, i)
				}
			}
		}
	}
	// The archive is laid out as Keras writes it: three entries in
	// Keras's order, stored, not compressed.
	zr, err := zip.OpenReader(filepath.Join(dir, "m.keras"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Method != zip.Store {
			t.Errorf("%s is compressed (method %d); Keras stores entries", f.Name, f.Method)
		}
	}
	if want := []string{"metadata.json", "config.json", "model.weights.h5"}; !slices.Equal(names, want) {
		t.Errorf("entries %q, want %q", names, want)
	}
	if err := kerasfile.Save(m, filepath.Join(dir, "m.onnx")); err == nil || !strings.Contains(err.Error(), `".onnx"`) {
		t.Errorf("save to .onnx: err = %v, want an error naming the extension", err)
	}
	if _, err := kerasfile.Load(filepath.Join(dir, "nothing.keras")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("load of a missing file: err = %v", err)
	}
}

// python runs a Python peer script, skipping when h5py is missing unless
// NEURON_REQUIRE_PYTHON_PEERS=1.
func python(t *testing.T, script string, args ...string) string {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = "python3"
	}
	if err := exec.Command(py, "-c", "import h5py").Run(); err != nil {
		if os.Getenv("NEURON_REQUIRE_PYTHON_PEERS") == "1" {
			t.Fatalf("python3 with h5py is required (NEURON_REQUIRE_PYTHON_PEERS=1): %v", err)
		}
		t.Skipf("python3 with h5py not available: %v", err)
	}
	out, err := exec.Command(py, append([]string{"-c", script}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	return string(out)
}

// listing prints an HDF5 file's structure as h5py sees it: every group
// with its attributes, every dataset with its dtype and shape, sorted.
const listing = `
import sys, h5py, zipfile, io
p = sys.argv[1]
if p.endswith(".keras"):
    f = h5py.File(io.BytesIO(zipfile.ZipFile(p).read("model.weights.h5")), "r")
else:
    f = h5py.File(p, "r")
lines = []
def attrs(o):
    out = []
    for k in sorted(o.attrs):
        if k in ("model_config", "training_config", "keras_version"):
            out.append(k)
            continue
        v = o.attrs[k]
        if hasattr(v, "tolist"):
            v = v.tolist()
        if isinstance(v, list):
            v = [x.decode() if isinstance(x, bytes) else x for x in v]
        if isinstance(v, bytes):
            v = v.decode()
        out.append("%s=%s" % (k, v))
    return " ".join(out)
lines.append("/ " + attrs(f))
def visit(name, o):
    if isinstance(o, h5py.Dataset):
        lines.append("%s %s %s" % (name, o.dtype, list(o.shape)))
    else:
        lines.append(name + "/ " + attrs(o))
f.visititems(visit)
print("\n".join(sorted(lines)))
`

// TestH5pyOpensOurFiles is the interop check: h5py (libhdf5) opens the
// files Save writes, and their structure is the one in
// testdata/mnist_structure_*.txt, which follows Keras 3.16's saving_lib
// and legacy_h5_format (see the comments there).
func TestH5pyOpensOurFiles(t *testing.T) {
	m, err := kerasfile.Load("testdata/kotlindl_mnist.h5")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, ext := range []string{"keras", "h5"} {
		p := filepath.Join(dir, "m."+ext)
		if err := kerasfile.Save(m, p); err != nil {
			t.Fatal(err)
		}
		got := strings.TrimSpace(python(t, listing, p))
		b, err := os.ReadFile("testdata/mnist_structure_" + ext + ".txt")
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, l := range strings.Split(string(b), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				want = append(want, l)
			}
		}
		if got != strings.Join(want, "\n") {
			t.Errorf("%s: h5py lists\n%s\nwant\n%s", ext, got, strings.Join(want, "\n"))
		}
	}
}

// TestStructureMatchesKeras compares, group by group, the .h5 file Save
// writes for the Keras-written MNIST model with that Keras-written file:
// the same attributes, the same layer groups in layer_names' order, and
// per layer the same datasets (dtype and shape) in weight_names' order.
// Names differ only as Keras 2 and Keras 3 name variables
// ("dense_6/kernel:0" against "sequential_3/dense/kernel").
func TestStructureMatchesKeras(t *testing.T) {
	m, err := kerasfile.Load("testdata/kotlindl_mnist.h5")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "m.h5")
	if err := kerasfile.Save(m, p); err != nil {
		t.Fatal(err)
	}
	type layer struct {
		name   string
		shapes []string
	}
	read := func(path string) (rootAttrs, mwAttrs []string, ls []layer, optShapes []string) {
		f, err := hdf5.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		names := func(o hdf5.Object) []string {
			as, err := o.Attrs()
			if err != nil {
				t.Fatal(err)
			}
			var n []string
			for _, a := range as {
				n = append(n, a.Name)
			}
			slices.Sort(n)
			return n
		}
		mw, err := f.Root().Group("model_weights")
		if err != nil {
			t.Fatal(err)
		}
		lnv, _ := mw.Attr("layer_names")
		for _, ln := range lnv.([]string) {
			g, err := mw.Group(ln)
			if err != nil {
				t.Fatal(err)
			}
			l := layer{name: ln}
			wn, _ := g.Attr("weight_names")
			if ws, ok := wn.([]string); ok {
				for _, w := range ws {
					d, err := g.Dataset(w)
					if err != nil {
						t.Fatal(err)
					}
					l.shapes = append(l.shapes, d.DType().String()+fmt.Sprint(d.Shape()))
				}
			}
			ls = append(ls, l)
		}
		og, err := f.Root().Group("optimizer_weights")
		if err != nil {
			t.Fatal(err)
		}
		wn, _ := og.Attr("weight_names")
		for _, w := range wn.([]string) {
			d, err := og.Dataset(w)
			if err != nil {
				t.Fatal(err)
			}
			optShapes = append(optShapes, d.DType().String()+fmt.Sprint(d.Shape()))
		}
		return names(f.Root()), names(mw), ls, optShapes
	}
	kr, kmw, kl, kopt := read("testdata/kotlindl_mnist.h5")
	or, omw, ol, oopt := read(p)
	if !slices.Equal(kr, or) || !slices.Equal(kmw, omw) {
		t.Errorf("attributes: Keras %q %q, ours %q %q", kr, kmw, or, omw)
	}
	if len(kl) != len(ol) {
		t.Fatalf("%d layer groups, Keras %d", len(ol), len(kl))
	}
	for i := range kl {
		if !slices.Equal(kl[i].shapes, ol[i].shapes) {
			t.Errorf("layer %s/%s: datasets %q, Keras %q", ol[i].name, kl[i].name, ol[i].shapes, kl[i].shapes)
		}
	}
	// Keras 2 keeps the iteration count and the slots; Keras 3 also the
	// learning rate, and orders Adam's slots by variable.
	if kopt[0] != oopt[0] {
		t.Errorf("iterations dataset %s, Keras %s", oopt[0], kopt[0])
	}
	ks, os := slices.Clone(kopt[1:]), slices.Clone(oopt[2:])
	slices.Sort(ks)
	slices.Sort(os)
	if !slices.Equal(ks, os) {
		t.Errorf("slot datasets %q, Keras %q", os, ks)
	}
}
