package kerasfile

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/models"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestTranslateKerasFiles translates the model configs Keras wrote
// (testdata/README.md) and builds them: the layers and weight shapes are
// the ones Keras's config describes (units, kernel sizes, input shapes
// read off the JSON by hand).
func TestTranslateKerasFiles(t *testing.T) {
	for _, tc := range []struct {
		file string
		want []string
	}{
		{"testdata/kotlindl_lstm.json", []string{
			"lstm_3/kernel [41 256]", "lstm_3/recurrent_kernel [64 256]", "lstm_3/bias [256]",
			"lstm_4/kernel [64 256]", "lstm_4/recurrent_kernel [64 256]", "lstm_4/bias [256]",
			"lstm_5/kernel [64 256]", "lstm_5/recurrent_kernel [64 256]", "lstm_5/bias [256]",
			"dense_1/kernel [64 41]", "dense_1/bias [41]"}},
		{"testdata/kotlindl_batchnorm.json", []string{
			"conv2d_20/kernel [3 3 1 32]", "conv2d_20/bias [32]",
			"batch_normalization_12/gamma [32]", "batch_normalization_12/beta [32]", "batch_normalization_12/moving_mean [32]", "batch_normalization_12/moving_variance [32]",
			"conv2d_21/kernel [3 3 32 64]", "conv2d_21/bias [64]",
			"batch_normalization_13/gamma [64]", "batch_normalization_13/beta [64]", "batch_normalization_13/moving_mean [64]", "batch_normalization_13/moving_variance [64]",
			"dense_28/kernel [3136 256]", "dense_28/bias [256]",
			"batch_normalization_14/gamma [256]", "batch_normalization_14/beta [256]", "batch_normalization_14/moving_mean [256]", "batch_normalization_14/moving_variance [256]",
			"dense_29/kernel [256 84]", "dense_29/bias [84]",
			"batch_normalization_15/gamma [84]", "batch_normalization_15/beta [84]", "batch_normalization_15/moving_mean [84]", "batch_normalization_15/moving_variance [84]",
			"dense_30/kernel [84 10]", "dense_30/bias [10]"}},
	} {
		b, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := FromJSON(b)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		var have []string
		for _, w := range m.NamedWeights() {
			have = append(have, fmt.Sprint(w.Name, " ", w.Value.Shape()))
		}
		if !slices.Equal(have, tc.want) {
			t.Errorf("%s: weights\n%q\nwant\n%q", tc.file, have, tc.want)
		}
	}
}

// TestTranslateRefusals checks the errors for files neuron must refuse:
// each names the argument at fault and its value.
func TestTranslateRefusals(t *testing.T) {
	seq := func(layer string) string {
		return `{"class_name":"Sequential","config":{"name":"s","layers":[{"class_name":"InputLayer","config":{"batch_shape":[null,4],"name":"in"}},` + layer + `]}}`
	}
	for _, tc := range []struct {
		name, config string
		is           error
		says         []string
	}{
		{"lambda", seq(`{"module":"keras.layers","class_name":"Lambda","config":{"name":"lam","function":{"class_name":"__lambda__","config":{"code":"4wEAAAAAAAAA"}}}}`), ErrUnsafe, []string{"Lambda", "layers[1]"}},
		{"bytecode in an activation", seq(`{"class_name":"Dense","config":{"name":"d","units":2,"activation":{"class_name":"__lambda__","config":{"code":"xx"}}}}`), ErrUnsafe, []string{"__lambda__", "activation"}},
		{"unknown class", seq(`{"class_name":"ConvLSTM3D","config":{"name":"c3"}}`), ErrUnsupported, []string{`"ConvLSTM3D"`, "layers[1]", `"c3"`}},
		{"custom class", seq(`{"module":"mine","class_name":"Dense","registered_name":"Custom>Dense","config":{"name":"d","units":2}}`), ErrUnsupported, []string{"Custom>Dense"}},
		{"setting neuron lacks", seq(`{"class_name":"Dense","config":{"name":"d","units":2,"lora_rank":4}}`), ErrUnsupported, []string{`"lora_rank"`, "4", "Dense"}},
		{"mixed precision", seq(`{"class_name":"Dense","config":{"name":"d","units":2,"dtype":{"module":"keras","class_name":"DTypePolicy","config":{"name":"mixed_float16"}}}}`), ErrUnsupported, []string{"mixed_float16"}},
		{"subclassed model", `{"class_name":"MyModel","config":{}}`, ErrUnsupported, []string{`"MyModel"`}},
		{"deep JSON", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), ErrInvalid, []string{"deep"}},
		{"unbuilt", `{"class_name":"Sequential","config":{"name":"s","layers":[{"class_name":"Dense","config":{"name":"d","units":2}}]}}`, ErrUnsupported, []string{"input shape"}},
	} {
		_, err := translateModel([]byte(tc.config), nil, false)
		if !errors.Is(err, tc.is) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.is)
			continue
		}
		for _, s := range tc.says {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%s: %q does not say %q", tc.name, err, s)
			}
		}
	}
	// Keras 2's functional file with variable-length inputs: refused at
	// the InputLayer, named.
	b, err := os.ReadFile("testdata/fdeep_lstm.json")
	if err == nil {
		_, err = FromJSON(b)
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "input_3") {
			t.Errorf("fdeep_lstm: err = %v", err)
		}
	}
}

// forged makes an archive whose config.json declares an expansion of
// 10 bytes into size bytes (size 0: a config that inflates past its limit).
func forged(t *testing.T, size uint64) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	if size == 0 {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: configName, Method: zip.Deflate})
		w.Write(bytes.Repeat([]byte(" "), maxConfigBytes+1))
	} else {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: configName, Method: zip.Deflate, CompressedSize64: 10, UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(make([]byte, 10))
	}
	zw.Close()
	return b.Bytes()
}

// TestArchiveSafety checks the zip reader's refusals.
func TestArchiveSafety(t *testing.T) {
	mk := func(entries map[string][]byte, method uint16) []byte {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		names := make([]string, 0, len(entries))
		for n := range entries {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: method})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(entries[n])
		}
		zw.Close()
		return b.Bytes()
	}
	ok := map[string][]byte{configName: []byte(`{}`), metadataName: []byte(`{"keras_version":"3.16.0"}`), weightsName: []byte("x")}
	for _, tc := range []struct {
		name string
		file []byte
		is   error
		says string
	}{
		{"dot dot", mk(map[string][]byte{"../evil": nil, configName: nil, weightsName: nil}, zip.Store), ErrUnsafePath, "../evil"},
		{"absolute", mk(map[string][]byte{"/etc/passwd": nil, configName: nil, weightsName: nil}, zip.Store), ErrUnsafePath, "/etc/passwd"},
		{"backslash", mk(map[string][]byte{`assets\..\x`: nil, configName: nil, weightsName: nil}, zip.Store), ErrUnsafePath, `assets\\..\\x`},
		{"bomb", forged(t, 1<<40), ErrInvalid, "expands"},
		{"large config", forged(t, 0), ErrInvalid, "the limit is"},
		{"no config", mk(map[string][]byte{weightsName: nil}, zip.Store), ErrInvalid, configName},
		{"not a zip", []byte("not a zip file at all"), ErrInvalid, "zip"},
	} {
		_, err := openArchive(bytes.NewReader(tc.file), int64(len(tc.file)))
		if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: err = %v, want %v saying %q", tc.name, err, tc.is, tc.says)
		}
	}
	f := mk(ok, zip.Store)
	a, err := openArchive(bytes.NewReader(f), int64(len(f)))
	if err != nil {
		t.Fatal(err)
	}
	// Stored weights are read in place from the file, not copied.
	if _, inPlace := a.weights.(*io.SectionReader); a.weightsSize != 1 || !inPlace {
		t.Errorf("weights: %T of %d bytes, want an *io.SectionReader of 1", a.weights, a.weightsSize)
	}
}

// TestVocabularyAsset reads an adapted TextVectorization's vocabulary
// from the archive's assets, where Keras's IndexLookup.save_assets puts
// it (assets/layers/<key>/vocabulary.txt, the special tokens first), when
// the config's vocabulary is null.
func TestVocabularyAsset(t *testing.T) {
	cfg := `{"class_name":"Functional","config":{"name":"f","layers":[
	  {"class_name":"InputLayer","name":"text","config":{"batch_shape":[null,1],"dtype":"string","name":"text"},"inbound_nodes":[]},
	  {"module":"keras.layers","class_name":"TextVectorization","name":"tv","registered_name":null,
	   "config":{"name":"tv","trainable":true,"max_tokens":null,"standardize":"lower_and_strip_punctuation","split":"whitespace","ngrams":null,
	     "output_mode":"int","output_sequence_length":4,"pad_to_max_tokens":false,"sparse":false,"ragged":false,"vocabulary":null,"idf_weights":null,"encoding":"utf-8","vocabulary_size":5},
	   "inbound_nodes":[{"args":[{"class_name":"__keras_tensor__","config":{"shape":[null,1],"dtype":"string","keras_history":["text",0,0]}}],"kwargs":{}}]}],
	  "input_layers":[["text",0,0]],"output_layers":[["tv",0,0]]}}`
	assets := func(p string) ([]byte, bool, error) {
		if p == "layers/text_vectorization/vocabulary.txt" {
			return []byte("\n[UNK]\nthe\ncat\nsat\n"), true, nil
		}
		return nil, false, nil
	}
	tr, err := translateWithAssets([]byte(cfg), nil, false, assets)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(tr.modelConfig), `"vocabulary":["","[UNK]","the","cat","sat"]`) {
		t.Errorf("the vocabulary is not in the translated config: %s", tr.modelConfig)
	}
	m, err := build(tr)
	if err != nil {
		t.Fatal(err)
	}
	fm := m.(*models.Model)
	y, err := fm.Predict([]models.Array{data.Strings([]string{"The cat sat", "a dog"})}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	// Keras's indices: "" 0, "[UNK]" 1, then the tokens; padded to 4.
	if want := []float32{2, 3, 4, 0, 1, 1, 0, 0}; !slices.Equal(y[0].Data(), want) {
		t.Errorf("vectorized %v, want %v", y[0].Data(), want)
	}
}
