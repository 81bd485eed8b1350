package kerasfile

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

// tinyModel is a compiled model small enough for the fuzzer to mutate.
func tinyModel() *models.Sequential {
	m := models.NewSequential(&layers.Dense{Units: 3, InputShape: []int{2}}, &layers.BatchNormalization{}, &layers.Dense{Units: 2})
	if m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{}}) != nil {
		return nil
	}
	return m
}

// FuzzReadKeras feeds arbitrary bytes to the .keras reader (zip, config
// translation, weights): it must return a model or an error, never panic
// or allocate without bound. The seeds are archives of the configs this
// package writes and of Keras-written configs.
func FuzzReadKeras(f *testing.F) {
	var seeds [][]byte
	if m := tinyModel(); m != nil {
		var b bytes.Buffer
		if err := Write(&b, m); err == nil {
			seeds = append(seeds, b.Bytes())
		} else if e, err := export(m); err == nil {
			var b bytes.Buffer
			if writeArchive(&b, metadataJSON(), mustJSON(e.config), func(io.Writer) error { return nil }) == nil {
				seeds = append(seeds, b.Bytes())
			}
		}
	}
	for _, p := range []string{"testdata/kotlindl_lstm.json", "testdata/kotlindl_batchnorm.json", "testdata/fdeep_lstm.json"} {
		c, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		var b bytes.Buffer
		if err := writeArchive(&b, metadataJSON(), c, func(io.Writer) error { return nil }); err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b.Bytes())
	}
	// Archives Keras wrote (under 200 KB): shared_object_id, recurrent
	// cells, a custom layer, Keras 2.15's optimizer layout.
	for _, p := range []string{"testdata/keras3_gru.keras", "testdata/keras3_lstm.keras", "testdata/keras3_custom_layer.keras", "testdata/keras215_conv1d_bn.keras"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadKeras(bytes.NewReader(data), int64(len(data)))
		if err == nil && m == nil {
			t.Fatal("no model and no error")
		}
	})
}

// FuzzReadH5 feeds arbitrary bytes to the legacy .h5 model reader.
func FuzzReadH5(f *testing.F) {
	if m := tinyModel(); m != nil {
		if root, err := h5WriterTree(m); err == nil {
			var b bytes.Buffer
			if encodeH5(&b, root) == nil {
				f.Add(b.Bytes())
			}
		}
	}
	if b, err := os.ReadFile("testdata/fdeep_lstm.h5"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadH5(bytes.NewReader(data), int64(len(data)))
		if err == nil && m == nil {
			t.Fatal("no model and no error")
		}
	})
}
