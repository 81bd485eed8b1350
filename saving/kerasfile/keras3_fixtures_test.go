package kerasfile_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/hdf5"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/saving/kerasfile"
	"github.com/neuron-go/neuron/tensor"
)

// The keras3_*.keras archives and keras3_*.h5 files were written by
// Keras 3 itself (see testdata/README.md); gen/expected.py computes what
// they must give with NumPy on the variables h5py reads from them.

// keras3Case is one archive's expectations.
type keras3Case struct {
	KerasVersion string    `json:"keras_version"`
	InputShape   []int     `json:"input_shape"`
	Input        []float32 `json:"input"`
	Output       []float64 `json:"output"`
	TargetShape  []int     `json:"target_shape"`
	Target       []float32 `json:"target"`
	Loss         float64   `json:"loss"`
	Accuracy     float64   `json:"accuracy"`
	// Metrics holds, for a legacy .h5 file, each metric of its
	// training_config by name.
	Metrics         map[string]float64 `json:"metrics"`
	Iterations      int                `json:"iterations"`
	LearningRate    float64            `json:"learning_rate"`
	SlotCount       int                `json:"slot_count"`
	FirstSlot       *float64           `json:"first_slot"` // nil: the file holds no slots
	LastSlot        *float64           `json:"last_slot"`
	Summary         [][]any            `json:"summary"`
	Params          int                `json:"params"`
	Trainable       int                `json:"trainable"`
	OptimizerParams int                `json:"optimizer_params"`
	SteppedOutput   []float64          `json:"stepped_output"`
	file            string             // testdata/<name>.keras or .h5
	x, y            *tensor.Tensor
}

// keras3Names are the Keras-3-written archives that load.
var keras3Names = []string{"keras3_flownet", "keras3_gru", "keras3_lstm", "keras3_conv1d", "keras3_spam"}

// keras3H5Names are the legacy HDF5 files Keras 3 wrote with
// model.save("x.h5") (root attribute keras_version 3.x).
var keras3H5Names = []string{"keras3_churn", "keras3_salary", "keras3_stock_lstm", "keras3_mnist_cnn_bn", "keras3_gru_autoscale", "keras3_bigru_autoscale"}

// loadable are the files that load: keras3Names, one archive Keras 2.15
// wrote in the same format, which Keras 3 reads too (a functional model
// with BatchNormalization), and keras3H5Names. The .keras save round
// trips compare with Keras 3's layout only, so they take keras3Names.
var loadable = append(append(slices.Clone(keras3Names), "keras215_conv1d_bn"), keras3H5Names...)

func keras3(t *testing.T, name string) keras3Case {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Cases map[string]json.RawMessage `json:"cases"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	var c keras3Case
	if err := json.Unmarshal(e.Cases[name], &c); err != nil || c.InputShape == nil {
		t.Fatalf("case %s: %v", name, err)
	}
	c.file = "testdata/" + name + ".keras"
	if slices.Contains(keras3H5Names, name) {
		c.file = "testdata/" + name + ".h5"
	}
	c.x = tensor.FromSlice(c.Input, c.InputShape...)
	c.y = tensor.FromSlice(c.Target, c.TargetShape...)
	return c
}

// loadKeras3 loads a file and checks that Keras 3 wrote it: the
// keras_version of an archive's metadata.json, or a .h5 file's root
// attribute.
func loadKeras3(t *testing.T, c keras3Case) saving.Model {
	t.Helper()
	var md struct {
		KerasVersion string `json:"keras_version"`
	}
	if strings.HasSuffix(c.file, ".h5") {
		md.KerasVersion = rootAttr(t, c.file, "keras_version")
	} else if err := json.Unmarshal(zipEntry(t, c.file, "metadata.json"), &md); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(md.KerasVersion, "3.") && !strings.HasPrefix(c.file, "testdata/keras215_") || md.KerasVersion != c.KerasVersion {
		t.Fatalf("%s: keras_version %q, want %q", c.file, md.KerasVersion, c.KerasVersion)
	}
	m, err := kerasfile.Load(c.file)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// rootAttr reads a string attribute of an HDF5 file's root group.
func rootAttr(t *testing.T, path, name string) string {
	t.Helper()
	f, err := hdf5.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v, err := f.Root().Attr(name)
	if err != nil {
		t.Fatal(err)
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%s: attribute %s is %T, want a string", path, name, v)
	}
	return s
}

func zipEntry(t *testing.T, path, name string) []byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == name {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("%s has no %s", path, name)
	return nil
}

// TestKeras3Predict: each Keras-3-written archive predicts what NumPy
// computes from its variables (to 1e-5, relative, as float32 allows).
func TestKeras3Predict(t *testing.T) {
	for _, name := range loadable {
		t.Run(name, func(t *testing.T) {
			c := keras3(t, name)
			m := loadKeras3(t, c)
			checkClose(t, name, predictAll(t, m, c.x), c.Output, 1e-5)
		})
	}
}

func evaluate(t *testing.T, m saving.Model, x, y *tensor.Tensor) map[string]float64 {
	t.Helper()
	cfg := models.EvaluateConfig{Verbose: models.Silent}
	var r map[string]float64
	var err error
	switch m := m.(type) {
	case *models.Sequential:
		r, err = m.Evaluate(x, y, cfg)
	case *models.Model:
		r, err = m.Evaluate([]models.Array{x}, []models.Array{y}, cfg)
	default:
		t.Fatalf("model %T", m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func fitStep(t *testing.T, m saving.Model, x, y *tensor.Tensor) *models.History {
	t.Helper()
	cfg := models.FitConfig{Epochs: 1, BatchSize: x.Shape()[0], NoShuffle: true, Verbose: models.Silent}
	var h *models.History
	var err error
	switch m := m.(type) {
	case *models.Sequential:
		h, err = m.Fit(x, y, cfg)
	case *models.Model:
		h, err = m.Fit([]models.Array{x}, []models.Array{y}, cfg)
	default:
		t.Fatalf("model %T", m)
	}
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestKeras3Evaluate: the loss and accuracy the archive's compile_config
// asks for, on fixed data, are NumPy's (Keras's formulas: mse,
// crossentropies on clipped probabilities, accuracy as compile resolves
// it from the output's shape).
func TestKeras3Evaluate(t *testing.T) {
	for _, name := range loadable {
		t.Run(name, func(t *testing.T) {
			c := keras3(t, name)
			r := evaluate(t, loadKeras3(t, c), c.x, c.y)
			if math.Abs(r["loss"]-c.Loss) > 1e-5*(1+math.Abs(c.Loss)) {
				t.Errorf("loss %v, want %v (NumPy)", r["loss"], c.Loss)
			}
			if c.Metrics != nil {
				// A legacy .h5 file: its training_config's metrics, by name.
				for k, want := range c.Metrics {
					if g, ok := r[k]; !ok || math.Abs(g-want) > 1e-5*(1+math.Abs(want)) {
						t.Errorf("%s = %v (present %v), want %v (NumPy); results %v", k, g, ok, want, r)
					}
				}
				if len(r) != 1+len(c.Metrics) {
					t.Errorf("results %v, want the loss and %d metrics", r, len(c.Metrics))
				}
				return
			}
			if a, ok := r["accuracy"]; ok && math.Abs(a-c.Accuracy) > 1e-6 {
				t.Errorf("accuracy %v, want %v", a, c.Accuracy)
			}
			if name != "keras3_flownet" { // compiled without metrics
				if _, ok := r["accuracy"]; !ok {
					t.Errorf("no accuracy in %v: the file compiles with metrics [\"accuracy\"]", r)
				}
			}
		})
	}
}

// TestKeras3OptimizerState: the optimizer the archive was compiled with
// comes back with the state Keras saved: its iteration count, its
// learning rate and its slots (the first and the last value Keras wrote,
// bit for bit).
func TestKeras3OptimizerState(t *testing.T) {
	want := map[string]string{"keras3_flownet": "adam", "keras3_gru": "adam", "keras3_lstm": "adam", "keras3_conv1d": "adam", "keras3_spam": "rmsprop", "keras215_conv1d_bn": "adam", "keras3_churn": "adam", "keras3_salary": "adam", "keras3_stock_lstm": "adam", "keras3_mnist_cnn_bn": "adam", "keras3_gru_autoscale": "adam", "keras3_bigru_autoscale": "adam"}
	for _, name := range loadable {
		t.Run(name, func(t *testing.T) {
			c := keras3(t, name)
			m := loadKeras3(t, c)
			if m.Optimizer() == nil || m.Optimizer().Name() != want[name] {
				t.Fatalf("optimizer %v, want %s", m.Optimizer(), want[name])
			}
			st, err := m.TrainingState()
			if err != nil {
				t.Fatal(err)
			}
			o := st.Optimizer
			if o == nil || o.Iterations != c.Iterations {
				t.Fatalf("optimizer state %+v, want %d iterations", o, c.Iterations)
			}
			if st.LearningRate != c.LearningRate {
				t.Errorf("learning rate %v, want the file's %v", st.LearningRate, c.LearningRate)
			}
			if c.FirstSlot == nil {
				// Keras saved the optimizer built but never stepped: only
				// the iteration count and the learning rate.
				for _, s := range o.Slots {
					for i, v := range s.Values {
						if slices.ContainsFunc(v, func(x float32) bool { return x != 0 }) {
							t.Errorf("slot %s[%d] is not zero; the file holds no slots", s.Name, i)
						}
					}
				}
				return
			}
			first := o.Slots[0].Values[0]
			last := o.Slots[len(o.Slots)-1].Values
			lastV := last[len(last)-1]
			if g := float64(first[0]); g != *c.FirstSlot {
				t.Errorf("first %s value %v, want the file's %v", o.Slots[0].Name, g, *c.FirstSlot)
			}
			if g := float64(lastV[len(lastV)-1]); g != *c.LastSlot {
				t.Errorf("last %s value %v, want the file's %v", o.Slots[len(o.Slots)-1].Name, g, *c.LastSlot)
			}
			// The file holds the iteration count, the learning rate and
			// one value per slot and variable.
			n := 0
			for _, s := range o.Slots {
				n += len(s.Values)
			}
			if n != c.SlotCount {
				t.Errorf("%d slot values, the file has %d slot variables", n, c.SlotCount)
			}
		})
	}
}

// TestKeras3FitStep: training goes on from the file's state. One step
// runs for every archive and counts from the file's iterations; for the
// models without Dropout the step is Keras's Adam step (bias correction
// from the restored count, the restored moments), checked against
// NumPy's prediction after it (gradients by central differences).
func TestKeras3FitStep(t *testing.T) {
	for _, name := range loadable {
		t.Run(name, func(t *testing.T) {
			c := keras3(t, name)
			m := loadKeras3(t, c)
			before := predictAll(t, m, c.x)
			h := fitStep(t, m, c.x, c.y)
			if l := h.History["loss"]; len(l) != 1 || math.IsNaN(l[0]) || math.IsInf(l[0], 0) {
				t.Fatalf("loss history %v", l)
			}
			st, err := m.TrainingState()
			if err != nil {
				t.Fatal(err)
			}
			if st.Optimizer.Iterations != c.Iterations+1 {
				t.Errorf("iterations %d after one step, want %d", st.Optimizer.Iterations, c.Iterations+1)
			}
			after := predictAll(t, m, c.x)
			if slices.Equal(before, after) {
				t.Errorf("a training step changed no prediction")
			}
			if c.SteppedOutput != nil {
				checkClose(t, name+" after one Adam step", after, c.SteppedOutput, 1e-4)
			}
		})
	}
}

// TestKeras3Summary: the summary lists the file's layers with their
// output shapes and parameter counts (NumPy's shapes, h5py's variable
// sizes) and the totals, the optimizer's variables counted as Keras
// counts them once the optimizer is built.
func TestKeras3Summary(t *testing.T) {
	for _, name := range loadable {
		t.Run(name, func(t *testing.T) {
			c := keras3(t, name)
			m := loadKeras3(t, c)
			var b bytes.Buffer
			var err error
			switch m := m.(type) {
			case *models.Sequential:
				err = m.SummaryTo(&b, 120)
			case *models.Model:
				err = m.SummaryTo(&b, 120)
			}
			if err != nil {
				t.Fatal(err)
			}
			out := b.String()
			var rows []string
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "│") && !strings.Contains(l, "(InputLayer)") {
					rows = append(rows, l)
				}
			}
			if len(rows) != len(c.Summary) {
				t.Fatalf("%d rows, want %d layers:\n%s", len(rows), len(c.Summary), out)
			}
			for i, r := range c.Summary {
				cells := strings.Split(strings.Trim(rows[i], "│"), "│")
				for j := range cells {
					cells[j] = strings.TrimSpace(cells[j])
				}
				// r is [the file's name, the fresh-session name, class,
				// output shape, parameters]; the layers keep the file's
				// names, as in Keras's own summary.
				name := r[0]
				shape := "(None"
				for _, d := range r[3].([]any) {
					shape += fmt.Sprintf(", %d", int(d.(float64)))
				}
				shape += ")"
				want := []string{fmt.Sprintf("%s (%s)", name, r[2]), shape, commas(int(r[4].(float64)))}
				if !slices.Equal(cells, want) {
					t.Errorf("row %d: %q, want %q", i, cells, want)
				}
			}
			// Keras counts the optimizer's variables once it is built, as
			// it is after loading a file that holds them.
			for _, l := range []string{
				fmt.Sprintf("Total params: %s ", commas(c.Params+c.OptimizerParams)),
				fmt.Sprintf("Trainable params: %s ", commas(c.Trainable)),
				fmt.Sprintf("Non-trainable params: %s ", commas(c.Params-c.Trainable)),
				fmt.Sprintf("Optimizer params: %s ", commas(c.OptimizerParams)),
			} {
				if !strings.Contains(out, l) {
					t.Errorf("no %q in\n%s", l, out)
				}
			}
		})
	}
}

func commas(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// h5Tree lists an HDF5 file's groups and datasets (with dtype and shape),
// one line each, sorted.
func h5Tree(t *testing.T, b []byte) []string {
	t.Helper()
	f, err := hdf5.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	err = f.Root().Walk(func(path string, o hdf5.Object) error {
		switch o := o.(type) {
		case *hdf5.Dataset:
			out = append(out, fmt.Sprintf("%s %s %v", path, o.DType(), o.Shape()))
		case *hdf5.Group:
			out = append(out, path+"/")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestKeras3SaveRoundTrip saves each loaded archive again: the new
// model.weights.h5 has the original's groups and datasets (names,
// dtypes, shapes), and the saved file loads back to the same predictions
// and optimizer state.
func TestKeras3SaveRoundTrip(t *testing.T) {
	for _, name := range keras3Names {
		t.Run(name, func(t *testing.T) {
			c := keras3(t, name)
			m := loadKeras3(t, c)
			p := filepath.Join(t.TempDir(), "m.keras")
			if err := kerasfile.Save(m, p); err != nil {
				t.Fatal(err)
			}
			orig, ours := h5Tree(t, zipEntry(t, c.file, "model.weights.h5")), h5Tree(t, zipEntry(t, p, "model.weights.h5"))
			if c.FirstSlot == nil {
				// The file's optimizer holds no slots; loaded, it is built
				// (as Keras's compile_from_config builds it), and saved
				// again it has them, as Keras would write them.
				ours = slices.DeleteFunc(ours, func(l string) bool {
					var n int
					_, err := fmt.Sscanf(l, "/optimizer/vars/%d ", &n)
					return err == nil && n >= 2
				})
			}
			if !slices.Equal(orig, ours) {
				t.Errorf("model.weights.h5 differs from Keras's:\n%s", diffLines(orig, ours))
			}
			var md map[string]any
			if err := json.Unmarshal(zipEntry(t, p, "metadata.json"), &md); err != nil {
				t.Fatal(err)
			}
			if _, ok := md["keras_version"]; !ok {
				t.Errorf("metadata.json %v has no keras_version", md)
			}
			m2, err := kerasfile.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(predictAll(t, m2, c.x), predictAll(t, m, c.x)) {
				t.Errorf("predictions differ after the round trip")
			}
			s1, _ := m.TrainingState()
			s2, _ := m2.TrainingState()
			if s2.Optimizer == nil || s2.Optimizer.Iterations != s1.Optimizer.Iterations {
				t.Fatalf("optimizer state not kept")
			}
			for j := range s1.Optimizer.Slots {
				for i := range s1.Optimizer.Slots[j].Values {
					if !slices.Equal(s1.Optimizer.Slots[j].Values[i], s2.Optimizer.Slots[j].Values[i]) {
						t.Fatalf("slot %s[%d] differs", s1.Optimizer.Slots[j].Name, i)
					}
				}
			}
		})
	}
}

// diffLines shows the lines only one side has.
func diffLines(want, got []string) string {
	var b strings.Builder
	for _, l := range want {
		if !slices.Contains(got, l) {
			fmt.Fprintf(&b, "- %s (Keras only)\n", l)
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			fmt.Fprintf(&b, "+ %s (ours only)\n", l)
		}
	}
	return b.String()
}

// TestKeras3CustomLayerRefused: an archive Keras 3 wrote with a custom
// layer (registered_name DistributionAwareEncoder, from the kdp package)
// is refused with ErrUnsupported, naming the class and where it is.
func TestKeras3CustomLayerRefused(t *testing.T) {
	_, err := kerasfile.Load("testdata/keras3_custom_layer.keras")
	if !errors.Is(err, kerasfile.ErrUnsupported) {
		t.Fatalf("err = %v, want ErrUnsupported", err)
	}
	for _, s := range []string{"DistributionAwareEncoder", "layers[1]"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %q", err, s)
		}
	}
}

// configKeys lists the keys of a Keras config.json at the levels Keras's
// serialization fixes: the model, its config, each layer's entry, config
// and the helper objects in it, the compile_config and the optimizer's.
func configKeys(t *testing.T, b []byte) []string {
	t.Helper()
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	var out []string
	add := func(where string, o any) {
		m, _ := o.(map[string]any)
		for k := range m {
			out = append(out, where+"."+k)
		}
	}
	add("", top)
	cfg, _ := top["config"].(map[string]any)
	add("config", cfg)
	ls, _ := cfg["layers"].([]any)
	for i, l := range ls {
		e, _ := l.(map[string]any)
		w := fmt.Sprintf("layers[%d]", i)
		add(w, e)
		lc, _ := e["config"].(map[string]any)
		add(w+".config", lc)
		for k, v := range lc {
			if o, ok := v.(map[string]any); ok {
				add(w+".config."+k, o)
			}
		}
	}
	cc, _ := top["compile_config"].(map[string]any)
	add("compile_config", cc)
	opt, _ := cc["optimizer"].(map[string]any)
	add("compile_config.optimizer", opt)
	add("compile_config.optimizer.config", opt["config"])
	slices.Sort(out)
	return out
}

// newerKeys are keys Save writes, as Keras 3.16 does, that Keras added
// after the version that wrote a fixture, with the version that added
// them: InputLayer's ragged came in Keras 3.9 (keras-team/keras
// f70fd8a98e), its optional and the quantization_config of Dense,
// EinsumDense and Embedding in Keras 3.13 (47d1cba8ec and 1a9893f04e),
// BatchNormalization's renorm, renorm_clipping and renorm_momentum in
// Keras 3.14 (019d9edeeb).
var newerKeys = map[string][2]int{
	".config.ragged": {3, 9}, ".config.optional": {3, 13}, ".config.quantization_config": {3, 13},
	".config.renorm": {3, 14}, ".config.renorm_clipping": {3, 14}, ".config.renorm_momentum": {3, 14},
}

// newerThan reports whether key is one of newerKeys added after Keras
// version v.
func newerThan(key, v string) bool {
	for n, ver := range newerKeys {
		if strings.HasSuffix(key, n) && versionBefore(v, ver[0], ver[1]) {
			return true
		}
	}
	return false
}

// TestKeras3ConfigKeys: the config.json Save writes for each loaded
// archive has the keys Keras wrote, level by level (the model, its
// config, each layer's entry with its build_config, the layer's config
// and the objects in it, the compile_config and the optimizer's). Left
// out of the comparison: shared_object_id, with which Keras marks an
// object several layers share (neuron's layers share none), and the
// keys of a newer Keras than the file's (newerKeys).
func TestKeras3ConfigKeys(t *testing.T) {
	for _, name := range keras3Names {
		t.Run(name, func(t *testing.T) {
			c := keras3(t, name)
			m := loadKeras3(t, c)
			p := filepath.Join(t.TempDir(), "m.keras")
			if err := kerasfile.Save(m, p); err != nil {
				t.Fatal(err)
			}
			shared := func(k string) bool { return strings.HasSuffix(k, ".shared_object_id") }
			theirs := slices.DeleteFunc(configKeys(t, zipEntry(t, c.file, "config.json")), shared)
			ours := configKeys(t, zipEntry(t, p, "config.json"))
			ours = slices.DeleteFunc(ours, func(k string) bool { return !slices.Contains(theirs, k) && newerThan(k, c.KerasVersion) })
			if !slices.Equal(theirs, ours) {
				t.Errorf("config.json keys differ from Keras's:\n%s", diffLines(theirs, ours))
			}
		})
	}
}

// versionBefore reports whether Keras version v ("3.9.2") is older than
// major.minor.
func versionBefore(v string, major, minor int) bool {
	var a, b int
	if _, err := fmt.Sscanf(v, "%d.%d", &a, &b); err != nil {
		return false
	}
	return a < major || a == major && b < minor
}

// typedListing prints an HDF5 file's structure as h5py sees it, with
// each attribute's HDF5 type: every group with its attributes (string
// types by variable or fixed length and character set, others by numpy
// dtype, with the shape), every dataset with its dtype and shape, sorted.
// The values of model_config and training_config (compared on their
// own) and of keras_version are left out.
const typedListing = `
import sys, h5py
f = h5py.File(sys.argv[1], "r")
def kind(o, k):
    a = o.attrs.get_id(k)
    t = a.get_type()
    if isinstance(t, h5py.h5t.TypeStringID):
        s = ("vlen-" if t.is_variable_str() else "fixed-") + ("utf8" if t.get_cset() == h5py.h5t.CSET_UTF8 else "ascii")
    else:
        s = a.dtype.str
    return "%s%s" % (s, list(a.shape))
def attrs(o):
    out = []
    for k in sorted(o.attrs):
        if k in ("model_config", "training_config", "keras_version"):
            out.append("%s:%s" % (k, kind(o, k)))
            continue
        v = o.attrs[k]
        if hasattr(v, "tolist"):
            v = v.tolist()
        if isinstance(v, list):
            v = [x.decode() if isinstance(x, bytes) else x for x in v]
        if isinstance(v, bytes):
            v = v.decode()
        out.append("%s:%s=%s" % (k, kind(o, k), v))
    return " ".join(out)
lines = ["/ " + attrs(f)]
def visit(name, o):
    if isinstance(o, h5py.Dataset):
        lines.append("%s %s %s" % (name, o.dtype, list(o.shape)))
    else:
        lines.append(name + "/ " + attrs(o))
f.visititems(visit)
print("\n".join(sorted(lines)))
`

// legacyConfigKeys lists the keys of a legacy .h5 file's model_config
// and training_config at the levels Keras's legacy serialization fixes:
// the model, its config, each layer's entry, config and the objects in
// it; the training_config, its loss and the loss's config, its
// optimizer_config and the optimizer's config.
func legacyConfigKeys(t *testing.T, path string) []string {
	t.Helper()
	var out []string
	add := func(where string, o any) {
		m, _ := o.(map[string]any)
		for k := range m {
			out = append(out, where+"."+k)
		}
	}
	decode := func(name string) map[string]any {
		var m map[string]any
		if err := json.Unmarshal([]byte(rootAttr(t, path, name)), &m); err != nil {
			t.Fatalf("%s: %s: %v", path, name, err)
		}
		return m
	}
	mc := decode("model_config")
	add("", mc)
	cfg, _ := mc["config"].(map[string]any)
	add("config", cfg)
	ls, _ := cfg["layers"].([]any)
	for i, l := range ls {
		e, _ := l.(map[string]any)
		w := fmt.Sprintf("layers[%d]", i)
		add(w, e)
		lc, _ := e["config"].(map[string]any)
		add(w+".config", lc)
		for k, v := range lc {
			if o, ok := v.(map[string]any); ok {
				add(w+".config."+k, o)
			}
		}
	}
	tc := decode("training_config")
	add("training_config", tc)
	loss, _ := tc["loss"].(map[string]any)
	add("training_config.loss", loss)
	add("training_config.loss.config", loss["config"])
	oc, _ := tc["optimizer_config"].(map[string]any)
	add("training_config.optimizer_config", oc)
	add("training_config.optimizer_config.config", oc["config"])
	slices.Sort(out)
	return out
}

// TestKeras3H5SaveRoundTrip saves each Keras-3-written legacy .h5 file
// again as .h5: h5py lists the same groups, datasets (dtype, shape) and
// attributes (values, HDF5 string types and shapes) as in Keras's file,
// but for the keras_version value; model_config and training_config have
// Keras's keys, level by level (less the keys a newer Keras than the
// file's added, newerKeys, and with a loss object where Keras kept the
// string compile was given); and the file loads back to the same
// predictions and optimizer state.
func TestKeras3H5SaveRoundTrip(t *testing.T) {
	for _, name := range keras3H5Names {
		t.Run(name, func(t *testing.T) {
			c := keras3(t, name)
			m := loadKeras3(t, c)
			p := filepath.Join(t.TempDir(), "m.h5")
			if err := kerasfile.Save(m, p); err != nil {
				t.Fatal(err)
			}
			theirs := strings.Split(strings.TrimSpace(python(t, typedListing, c.file)), "\n")
			ours := strings.Split(strings.TrimSpace(python(t, typedListing, p)), "\n")
			if !slices.Equal(theirs, ours) {
				t.Errorf("h5py's listing differs from Keras's file:\n%s", diffLines(theirs, ours))
			}
			tk, ok := legacyConfigKeys(t, c.file), legacyConfigKeys(t, p)
			ok = slices.DeleteFunc(ok, func(k string) bool { return !slices.Contains(tk, k) && newerThan(k, c.KerasVersion) })
			// Keras writes the loss as compile was given it; given as a
			// string ("mean_squared_error"), neuron keeps the loss object
			// it names, which Keras reads the same.
			type tc struct {
				Loss json.RawMessage `json:"loss"`
			}
			var theirTC, ourTC tc
			if err := json.Unmarshal([]byte(rootAttr(t, c.file, "training_config")), &theirTC); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(rootAttr(t, p, "training_config")), &ourTC); err != nil {
				t.Fatal(err)
			}
			var lossName string
			if json.Unmarshal(theirTC.Loss, &lossName) == nil {
				var o struct {
					ClassName string `json:"class_name"`
				}
				// The classes Keras's losses.get gives for the strings.
				want := map[string]string{"mse": "MeanSquaredError", "mean_squared_error": "MeanSquaredError",
					"categorical_crossentropy": "CategoricalCrossentropy"}[lossName]
				if err := json.Unmarshal(ourTC.Loss, &o); err != nil || want == "" || o.ClassName != want {
					t.Errorf("loss %s, want a %s for Keras's %q", ourTC.Loss, want, lossName)
				}
				ok = slices.DeleteFunc(ok, func(k string) bool { return strings.HasPrefix(k, "training_config.loss.") })
			}
			if !slices.Equal(tk, ok) {
				t.Errorf("model_config and training_config keys differ from Keras's:\n%s", diffLines(tk, ok))
			}
			m2, err := kerasfile.Load(p)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(predictAll(t, m2, c.x), predictAll(t, m, c.x)) {
				t.Errorf("predictions differ after the round trip")
			}
			s1, _ := m.TrainingState()
			s2, _ := m2.TrainingState()
			if s2.Optimizer == nil || s2.Optimizer.Iterations != s1.Optimizer.Iterations || s2.LearningRate != s1.LearningRate {
				t.Fatalf("optimizer state not kept: %+v, want %+v", s2.Optimizer, s1.Optimizer)
			}
			for j := range s1.Optimizer.Slots {
				for i := range s1.Optimizer.Slots[j].Values {
					if !slices.Equal(s1.Optimizer.Slots[j].Values[i], s2.Optimizer.Slots[j].Values[i]) {
						t.Fatalf("slot %s[%d] differs", s1.Optimizer.Slots[j].Name, i)
					}
				}
			}
		})
	}
}
