package saving

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// smallModel is a trained model with every kind of saved state: weights,
// Adam's slots, a Dropout random state.
func smallModel(t testing.TB) *models.Sequential {
	m := models.NewSequential(
		&layers.Flatten{InputShape: []int{2, 2}},
		&layers.Dense{Units: 3, Activation: activations.ReLU},
		&layers.Dropout{Rate: 0.5},
		&layers.Dense{Units: 2, Activation: activations.Softmax},
	)
	m.Out = io.Discard
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{},
		Metrics: []metrics.Metric{metrics.NewAccuracy()}}); err != nil {
		t.Fatal(err)
	}
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 4, 3, 2, 1, 0, 1, 0, 1}, 3, 2, 2)
	y := tensor.FromSlice([]float32{0, 1, 1}, 3)
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 2, Verbose: models.Silent}); err != nil {
		t.Fatal(err)
	}
	return m
}

// parts returns what Save would write for m.
func parts(t testing.TB, m *models.Sequential) (map[string]string, []safetensors.Tensor) {
	meta, tensors, err := snapshot(m, formatModel, true, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Own copies, as the cases edit them.
	out := make([]safetensors.Tensor, len(tensors))
	for i, ts := range tensors {
		out[i] = safetensors.Tensor{Name: ts.Name, Shape: append([]int(nil), ts.Shape...), Data: append([]float32(nil), ts.Data...)}
	}
	return maps.Clone(meta), out
}

// encode writes meta and tensors with a valid checksum.
func encode(t testing.TB, meta map[string]string, tensors []safetensors.Tensor) []byte {
	var b bytes.Buffer
	if err := safetensors.Write(&b, meta, tensors, true); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// reseal edits the header of a file and its data, then puts a valid
// checksum back, so that the error is about the edit and not the checksum.
func reseal(file []byte, editHeader func(string) string, editData func([]byte) []byte) []byte {
	n := binary.LittleEndian.Uint64(file)
	header, data := string(file[8:8+n]), bytes.Clone(file[8+n:])
	i := strings.Index(header, `"checksum":"sha256:`) + len(`"checksum":"sha256:`)
	header = header[:i] + strings.Repeat("0", 64) + header[i+64:]
	if editHeader != nil {
		header = strings.TrimRight(header, " ")
		header = editHeader(header)
		for len(header)%8 != 0 {
			header += " "
		}
	}
	if editData != nil {
		data = editData(data)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	out = append(out, data...)
	sum := sha256.Sum256(out)
	if j := bytes.Index(out, []byte(strings.Repeat("0", 64))); j >= 0 {
		copy(out[j:], hex.EncodeToString(sum[:]))
	}
	return out
}

type malformed struct {
	name string
	file []byte
	want string // in the error message
}

// malformedFiles returns hand-made damaged or hostile model files.
func malformedFiles(t testing.TB) []malformed {
	m := smallModel(t)
	meta, tensors := parts(t, m)
	good := encode(t, meta, tensors)
	withMeta := func(key, value string) []byte {
		mm := maps.Clone(meta)
		if value == "" {
			delete(mm, key)
		} else {
			mm[key] = value
		}
		return encode(t, mm, tensors)
	}
	editMeta := func(key, old, new string) []byte {
		if !strings.Contains(meta[key], old) {
			t.Fatalf("%s does not contain %s: %s", key, old, meta[key])
		}
		return withMeta(key, strings.Replace(meta[key], old, new, 1))
	}
	header := func(old, new string) []byte {
		return reseal(good, func(h string) string {
			if !strings.Contains(h, old) {
				t.Fatalf("header does not contain %s: %s", old, h)
			}
			return strings.Replace(h, old, new, 1)
		}, nil)
	}
	without := func(name string) []safetensors.Tensor {
		var out []safetensors.Tensor
		for _, ts := range tensors {
			if ts.Name != name {
				out = append(out, ts)
			}
		}
		return out
	}
	lenPrefix := func(n uint64, rest []byte) []byte {
		return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)-3] ^= 0x10
	hugeUnits := editMeta(metaModel, `"units":3`, `"units":1000000000`)

	return []malformed{
		// The safetensors layout.
		{"empty file", nil, "fewer than the 8 of the header length"},
		{"7 bytes", good[:7], "fewer than the 8"},
		{"header only length", good[:8], "runs past the end"},
		{"truncated header", good[:100], "runs past the end"},
		{"truncated data", good[:len(good)-4], "are not within the"},
		{"trailing bytes", append(bytes.Clone(good), 0, 0, 0, 0), "but the data holds"},
		{"header length 2^64-1", lenPrefix(1<<64-1, good[8:]), "over the limit"},
		{"header length 0", lenPrefix(0, good[8:]), "too small"},
		{"header not JSON", reseal(good, func(string) string { return "{not json" }, nil), "malformed JSON"},
		{"header an array", reseal(good, func(string) string { return "[1,2,3]" }, nil), "does not start with '{'"},
		{"dtype F16", header(`"dtype":"F32"`, `"dtype":"F16"`), `dtype "F16" is not supported`},
		{"shape too big for the data", header(`"shape":[4,3]`, `"shape":[4,4]`), "needs 64 bytes"},
		{"negative dimension", header(`"shape":[4,3]`, `"shape":[-4,3]`), "negative dimension"},
		{"shape bomb", header(`"shape":[4,3]`, `"shape":[2147483647,2147483647]`), "more values than the file has bytes for"},
		{"dimension too large", header(`"shape":[4,3]`, `"shape":[99999999999,3]`), "too large"},
		{"offsets overlap", header(`"data_offsets":[0,48]`, `"data_offsets":[4,52]`), "starts at byte"},
		{"one offset", header(`"data_offsets":[0,48]`, `"data_offsets":[48]`), "2 elements"},
		{"duplicate tensor", header(`{"__metadata__"`, `{"dense/bias":{"dtype":"F32","shape":[3],"data_offsets":[48,60]},"__metadata__"`), `duplicate key "dense/bias"`},
		{"unknown entry key", header(`"dtype":"F32",`, `"dtype":"F32","offset":0,`), `unknown key "offset"`},
		{"metadata not strings", header(`"format_version":"1"`, `"format_version":1`), "format_version: want a string"},
		{"duplicate metadata key", header(`"format_version":"1"`, `"format_version":"1","format_version":"1"`), `duplicate key "format_version"`},
		{"invalid UTF-8", header(`"format_version":"1"`, "\"format_version\":\"1\xff\""), "not valid UTF-8"},
		// The neuron metadata.
		{"no format", withMeta(metaFormat, ""), `"format" is missing`},
		{"unknown format", withMeta(metaFormat, "keras.v3"), `"format" is "keras.v3"`},
		{"weights file", withMeta(metaFormat, formatWeights), "use LoadWeights"},
		{"future version", withMeta(metaVersion, "2"), `"format_version" is "2"`},
		{"unknown metadata key", withMeta("module", "os"), `unknown metadata key "module"`},
		{"no checksum", reseal(good, func(h string) string {
			return strings.Replace(h, `"checksum":"sha256:`+strings.Repeat("0", 64)+`",`, "", 1)
		}, nil), `"checksum" is missing`},
		{"checksum mismatch", flipped, "checksum mismatch"},
		{"checksum not sha256", header(`"checksum":"sha256:`, `"checksum":"sha1:00`), "want \"sha256:\" and 64"},
		// The architecture.
		{"no model_config", withMeta(metaModel, ""), `"model_config" is missing`},
		{"model_config not JSON", withMeta(metaModel, "{"), "model_config: top level: malformed JSON"},
		{"functional model", editMeta(metaModel, `"class_name":"Sequential"`, `"class_name":"Functional"`), `class_name is "Functional"`},
		{"no layers", editMeta(metaModel, `"layers":[`, `"layers":[],"x":[`), `unknown key "x"`},
		{"unknown layer class", editMeta(metaModel, `"class_name":"Dropout"`, `"class_name":"Lambda"`), `unknown layer class "Lambda"`},
		{"duplicate config key", editMeta(metaModel, `"units":3`, `"units":3,"units":9`), `duplicate key "units"`},
		{"units a string", editMeta(metaModel, `"units":3`, `"units":"3"`), `units: want an integer, got "3"`},
		{"units zero", editMeta(metaModel, `"units":3`, `"units":0`), "units must be > 0, got 0"},
		{"unknown config key", editMeta(metaModel, `"units":3`, `"units":3,"unitz":3`), `unknown key "unitz"`},
		{"case-folded key", editMeta(metaModel, `"units":3`, `"Units":3`), `unknown key "Units"`},
		{"unknown activation", editMeta(metaModel, `"activation":"relu"`, `"activation":"celu"`), `unknown activation "celu"`},
		{"dropout rate 1.5", editMeta(metaModel, `"rate":0.5`, `"rate":1.5`), "rate must be in [0, 1)"},
		{"no batch axis", editMeta(metaModel, `"input_shape":[null,2,2]`, `"input_shape":[2,2]`), "build_config.input_shape must be [null"},
		{"zero input dimension", editMeta(metaModel, `"input_shape":[null,2,2]`, `"input_shape":[null,2,0]`), "positive dimensions"},
		{"input too large", editMeta(metaModel, `"input_shape":[null,2,2]`, `"input_shape":[null,2000000,2000000]`), "more than 2147483648 values"},
		{"renamed layer", editMeta(metaModel, `"name":"dense_1"`, `"name":"fc"`), `tensor "fc/kernel" is missing`},
		{"duplicate layer name", editMeta(metaModel, `"name":"dense_1"`, `"name":"dense"`), `config.layers[1] and config.layers[3] are both named "dense"`},
		{"units bomb", hugeUnits, `layer 1 (dense): layers: Dense: kernel of shape [4 1000000000] has 4000000000 elements, more than the 2147483648 a weight may hold`},
		{"deep nesting", editMeta(metaModel, `"units":3`, `"units":3,"x":`+strings.Repeat("[", 100)+strings.Repeat("]", 100)), "nested more than 64 deep"},
		// The tensors against the architecture.
		{"missing tensor", encode(t, meta, without("dense_1/bias")), `tensor "dense_1/bias" is missing`},
		{"extra tensor", encode(t, meta, append(append([]safetensors.Tensor(nil), tensors...), safetensors.Tensor{Name: "evil/kernel", Shape: []int{1}, Data: []float32{1}})), `unexpected tensor "evil/kernel"`},
		{"missing slot", encode(t, meta, without("optimizer/velocity/dense/kernel")), `tensor "optimizer/velocity/dense/kernel" is missing`},
		// Compile settings and training state.
		{"compile without training", withMeta(metaTraining, ""), "without the other"},
		{"unknown optimizer", editMeta(metaCompile, `"class_name":"Adam"`, `"class_name":"AdaBelief"`), `unknown optimizer class "AdaBelief"`},
		{"negative learning rate", editMeta(metaCompile, `"learning_rate":0.001`, `"learning_rate":-0.001`), "learning_rate must be > 0"},
		{"beta_1 of 1", editMeta(metaCompile, `"beta_1":0.9`, `"beta_1":1`), "beta_1 must be in (0, 1)"},
		{"unknown loss", editMeta(metaCompile, `"class_name":"SparseCategoricalCrossentropy"`, `"class_name":"Dice"`), `unknown loss class "Dice"`},
		{"unknown metric", editMeta(metaCompile, `"metrics":["accuracy"]`, `"metrics":["aucc"]`), `unknown metric "aucc"`},
		{"negative iterations", editMeta(metaTraining, `"iterations":4`, `"iterations":-1`), "iterations must be in [0, 9007199254740992], got -1"},
		{"huge iterations", editMeta(metaTraining, `"iterations":4`, `"iterations":9223372036854775807`), "iterations must be in [0, 9007199254740992], got 9223372036854775807"},
		{"slots of another optimizer", editMeta(metaTraining, `"slots":["momentum","velocity"]`, `"slots":["momentum"]`), `unexpected tensor "optimizer/velocity/dense/kernel"`},
		{"bad random state", editMeta(metaTraining, `"dropout":"`, `"dropout":"AAAA`), `random_states["dropout"]`},
		{"random state missing", editMeta(metaTraining, `"random_states":{"dropout"`, `"random_states":{"dropout_9"`), `random_states has no entry for layer "dropout"`},
		{"position in a model file", editMeta(metaTraining, `"iterations":4`, `"iterations":4,"position":{}`), "position belongs in backups only"},
	}
}

// TestMalformedFiles checks that each hand-made bad file is rejected with
// an error naming what is wrong, without a panic, and without allocating
// much more than the file's size.
func TestMalformedFiles(t *testing.T) {
	cases := malformedFiles(t)
	if len(cases) < 40 {
		t.Fatalf("only %d cases", len(cases))
	}
	dir := t.TempDir()
	for i, c := range cases {
		path := filepath.Join(dir, fmt.Sprintf("case%02d.safetensors", i))
		if err := os.WriteFile(path, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := Load(path)
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant an error containing %q", c.name, err, c.want)
			continue
		}
		if !errors.Is(err, ErrInvalidFile) && !errors.Is(err, ErrChecksum) {
			t.Errorf("%s: %v wraps neither ErrInvalidFile nor ErrChecksum", c.name, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(2*len(c.file))+1<<20 {
			t.Errorf("%s: allocated %d bytes for a %d-byte file", c.name, alloc, len(c.file))
		}
	}
	// The base file itself loads.
	m := smallModel(t)
	meta, tensors := parts(t, m)
	if _, err := Read(bytes.NewReader(encode(t, meta, tensors)), int64(len(encode(t, meta, tensors)))); err != nil {
		t.Fatalf("the unmodified file: %v", err)
	}
}

// FuzzLoad feeds arbitrary bytes to the model loader: it must return a
// model or an error, never panic or allocate without bound. Half the runs
// skip the checksum, so that the fuzzer reaches the decoding behind it.
//
//	go test ./saving -run '^$' -fuzz FuzzLoad -fuzztime 60s
func FuzzLoad(f *testing.F) {
	m := smallModel(f)
	meta, tensors := parts(f, m)
	f.Add(encode(f, meta, tensors), false)
	f.Add(encode(f, meta, tensors), true)
	for _, c := range malformedFiles(f) {
		f.Add(c.file, false)
	}
	// A model whose vocabulary travels in its config.
	tm := models.NewSequential(&layers.TextVectorization{OutputSequenceLength: 3, Vocabulary: []string{"a", "b"}},
		&layers.Embedding{InputDim: 4, OutputDim: 2}, &layers.Flatten{}, &layers.Dense{Units: 1})
	if err := tm.Build(); err != nil {
		f.Fatal(err)
	}
	var tb bytes.Buffer
	if _, err := Write(&tb, tm); err != nil {
		f.Fatal(err)
	}
	f.Add(tb.Bytes(), true)
	f.Fuzz(func(t *testing.T, b []byte, verify bool) {
		m, err := read(bytes.NewReader(b), int64(len(b)), verify)
		if err != nil {
			if m != nil {
				t.Fatal("a model and an error")
			}
			return
		}
		// What loads can be used and saved.
		var buf bytes.Buffer
		if _, err := Write(&buf, m); err != nil {
			t.Fatalf("a loaded model cannot be saved: %v", err)
		}
	})
}

// FuzzLoadWeights feeds arbitrary bytes to LoadWeights's reader.
//
//	go test ./saving -run '^$' -fuzz FuzzLoadWeights -fuzztime 60s
func FuzzLoadWeights(f *testing.F) {
	m := smallModel(f)
	meta, tensors, err := snapshot(m, formatWeights, false, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, meta, tensors))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = readWeights(bytes.NewReader(b), int64(len(b)), m)
	})
}

// failingWriter fails with ENOSPC once n bytes have been written, as a
// full disk does.
type failingWriter struct {
	w io.Writer
	n int
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return f.w.Write(p)
	}
	k, _ := f.w.Write(p[:f.n])
	f.n = 0
	return k, &os.PathError{Op: "write", Path: "model.safetensors", Err: syscall.ENOSPC}
}

// TestSaveDiskFull makes every save fail with ENOSPC at various offsets and
// checks that the error wraps ENOSPC, that the previous file still loads
// with its old contents, and that no temporary file is left.
func TestSaveDiskFull(t *testing.T) {
	m := smallModel(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	if err := Save(m, path); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(path)
	wpath := filepath.Join(dir, "weights.safetensors")
	if err := SaveWeights(m, wpath); err != nil {
		t.Fatal(err)
	}
	oldW, _ := os.ReadFile(wpath)
	// Change the model so that a successful save would differ.
	for _, w := range m.Weights() {
		w.Data()[0]++
	}
	defer func() { testWriter = nil }()
	// Fail at the start, in the length, in the header, at the data, in the
	// middle and at the last byte.
	offsets := func(b []byte) []int {
		hlen := int(binary.LittleEndian.Uint64(b))
		return []int{0, 1, 8, 8 + hlen/2, 8 + hlen, len(b) / 2, len(b) - 1}
	}
	for i := range offsets(old) {
		for _, c := range []struct {
			path string
			old  []byte
			save func() error
		}{
			{path, old, func() error { return Save(m, path) }},
			{wpath, oldW, func() error { return SaveWeights(m, wpath) }},
		} {
			n := offsets(c.old)[i]
			testWriter = func(w io.Writer) io.Writer { return &failingWriter{w: w, n: n} }
			err := c.save()
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("failing after %d bytes: got %v, want ENOSPC", n, err)
			}
			if got, _ := os.ReadFile(c.path); !bytes.Equal(got, c.old) {
				t.Errorf("failing after %d bytes: %s changed", n, c.path)
			}
		}
		if _, err := Load(path); err != nil {
			t.Errorf("case %d: the previous file does not load: %v", i, err)
		}
		if err := VerifyFile(wpath); err != nil {
			t.Errorf("case %d: the previous weights file: %v", i, err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 2 {
			t.Errorf("case %d: files left: %v", i, entries)
		}
	}
	testWriter = nil

	// A real full device, where there is one.
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skipf("no /dev/full: %v", err)
	}
	defer full.Close()
	if _, err := Write(full, m); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("writing to /dev/full: got %v, want ENOSPC", err)
	}
}

// TestBackupDiskFull makes a backup fail with ENOSPC and checks that Fit
// returns an error wrapping it and that the next run resumes from the
// previous backup.
func TestBackupDiskFull(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 4, 3, 2, 1, 0, 1, 0, 1, 5, 5, 5, 5}, 4, 2, 2)
	y := tensor.FromSlice([]float32{0, 1, 1, 0}, 4)
	dir := t.TempDir()
	defer func() { testWriter = nil }()
	saves := 0
	testWriter = func(w io.Writer) io.Writer {
		saves++
		if saves == 3 {
			return &failingWriter{w: w, n: 100}
		}
		return w
	}
	fit := func() models.FitConfig {
		return models.FitConfig{Epochs: 3, BatchSize: 2, Verbose: models.Silent, Callbacks: []callbacks.Callback{&BackupAndRestore{Dir: dir, SaveEvery: 1}}}
	}
	m := smallModel(t)
	m.SetSeed(1)
	_ = m.Build()
	_, err := m.Fit(x, y, fit())
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("got %v, want ENOSPC", err)
	}
	testWriter = nil
	if err := VerifyFile(filepath.Join(dir, backupPrev)); err != nil {
		t.Errorf("the previous backup: %v", err)
	}
	ref := smallModel(t)
	ref.SetSeed(1)
	_ = ref.Build()
	// Start both from the same state: smallModel trained them identically.
	m2 := smallModel(t)
	m2.SetSeed(1)
	_ = m2.Build()
	if _, err := m2.Fit(x, y, fit()); err != nil {
		t.Fatal(err)
	}
	refFit := fit()
	refFit.Callbacks = nil
	if _, err := ref.Fit(x, y, refFit); err != nil {
		t.Fatal(err)
	}
	for i, w := range ref.Weights() {
		for j, v := range w.Data() {
			if v != m2.Weights()[i].Data()[j] {
				t.Fatalf("weight %d differs after resuming from the previous backup", i)
			}
		}
	}
}

// TestNonFiniteWeightsInFiles checks that a file whose kernel is all NaN
// (or holds one +Inf in an optimizer slot), with a valid checksum, is
// refused by every reader, and that Save refuses to write such weights.
func TestNonFiniteWeightsInFiles(t *testing.T) {
	m := smallModel(t)
	meta, tensors := parts(t, m)
	for _, c := range []struct {
		tensor string
		value  float32
		all    bool
	}{
		{"dense/kernel", float32(math.NaN()), true},
		{"optimizer/velocity/dense_1/bias", float32(math.Inf(1)), false},
	} {
		ts := make([]safetensors.Tensor, len(tensors))
		found := false
		for i, x := range tensors {
			ts[i] = safetensors.Tensor{Name: x.Name, Shape: x.Shape, Data: append([]float32(nil), x.Data...)}
			if x.Name == c.tensor {
				found = true
				for j := range ts[i].Data {
					if c.all || j == 1 {
						ts[i].Data[j] = c.value
					}
				}
			}
		}
		if !found {
			t.Fatalf("no tensor %s in %v", c.tensor, meta)
		}
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := os.WriteFile(path, encode(t, meta, ts), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		want := fmt.Sprintf("tensor %q: value", c.tensor)
		if !errors.Is(err, ErrInvalidFile) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "weights must be finite") {
			t.Errorf("Load with %v in %s: error %v", c.value, c.tensor, err)
		}
		if c.all {
			if err := LoadWeights(smallModel(t), path); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("LoadWeights with NaN kernel: error %v", err)
			}
			if err := VerifyFile(path); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("VerifyFile with NaN kernel: error %v", err)
			}
		}
	}
	m.Layers()[1].Weights()[0].Value.Data()[2] = float32(math.NaN())
	err := Save(m, filepath.Join(t.TempDir(), "nan.safetensors"))
	if err == nil || !strings.Contains(err.Error(), "weight dense/kernel[2] is NaN; only finite weights are saved") {
		t.Errorf("Save with a NaN weight: error %v", err)
	}
}

// FuzzReadBackup feeds arbitrary bytes to the reader of BackupAndRestore's
// backups: it must return a checked backup or an error, never panic or
// allocate without bound. Half the runs skip the checksum.
//
//	go test ./saving -run '^$' -fuzz FuzzReadBackup -fuzztime 60s
func FuzzReadBackup(f *testing.F) {
	m := smallModel(f)
	pos := &savedPosition{Epoch: 1, Step: 1, StepsPerEpoch: 2, Metrics: map[string][]byte{}}
	meta, tensors, err := snapshot(m, formatBackup, true, nil, pos)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(encode(f, meta, tensors), false)
	f.Add(encode(f, meta, tensors), true)
	f.Fuzz(func(t *testing.T, b []byte, verify bool) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			bk, err := decodeBackup(bytes.NewReader(b), int64(len(b)), m, verify)
			if err == nil && bk == nil {
				t.Error("no backup and no error")
			}
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("hangs on %q", b)
		}
	})
}
