package badinput_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/serving"
	"github.com/neuron-go/neuron/tensor"
)

// The catalogue. Every row runs its input through the public API and
// expects an error containing want (or, for a row whose want is empty, no
// error: the behaviour checked is then in the function). Add a row for
// every new way to get it wrong, and for every new surface (functional
// graphs, data pipelines, model files, the server): the table must grow
// with the package.
var catalogue = []struct {
	name string
	run  func(t *testing.T) error
	want string
}{
	// Layers and models that cannot be built.
	{"nil layer", func(*testing.T) error {
		return models.NewSequential(&layers.Flatten{InputShape: []int{2}}, nil).Build()
	}, "models: build: layer 1 is nil"},
	{"typed nil layer", func(*testing.T) error {
		var d *layers.Dense
		return models.NewSequential(d).Build(3)
	}, "models: build: layer 0 is a nil *layers.Dense"},
	{"KFold factory returning (nil, nil)", func(*testing.T) error {
		_, err := models.KFold(tensor.Zeros(4, 2), tensor.Zeros(4), func(int) (*models.Sequential, error) { return nil, nil }, models.KFoldConfig{K: 2})
		return err
	}, "models: kfold: fold 0: newModel returned a nil model and no error"},
	{"Dense with 1e9 units after Flatten(28, 28)", func(*testing.T) error {
		return models.NewSequential(&layers.Flatten{InputShape: []int{28, 28}}, &layers.Dense{Units: 1e9}).Build()
	}, "layers: Dense: kernel of shape [784 1000000000] has 784000000000 elements, more than the 2147483648 a weight may hold"},
	{"Conv2D with 1e9 filters", func(*testing.T) error {
		return models.NewSequential(&layers.Conv2D{Filters: 1e9, KernelSize: [2]int{3, 3}, InputShape: []int{28, 28, 1}}).Build()
	}, "layers: Conv2D: kernel of shape [3 3 1 1000000000] has 9000000000 elements"},
	{"Conv2D groups not dividing the channels", func(*testing.T) error {
		return models.NewSequential(&layers.Conv2D{Filters: 8, KernelSize: [2]int{3, 3}, Groups: 4, InputShape: []int{28, 28, 3}}).Build()
	}, "layers: Conv2D: Groups 4 must divide the 3 input channels"},
	{"Conv1D dilation with strides", func(*testing.T) error {
		return models.NewSequential(&layers.Conv1D{Filters: 8, KernelSize: 3, Strides: 2, DilationRate: 2, InputShape: []int{28, 28}}).Build()
	}, "layers: Conv1D: Strides 2 > 1 cannot be combined with DilationRate 2 > 1"},
	{"DepthwiseConv2D negative dilation", func(*testing.T) error {
		return models.NewSequential(&layers.DepthwiseConv2D{KernelSize: [2]int{3, 3}, DilationRate: [2]int{-1, 1}, InputShape: []int{28, 28, 1}}).Build()
	}, "layers: DepthwiseConv2D: DilationRate must be positive, got [-1 1]"},
	{"SeparableConv2D dilated kernel larger than the input", func(*testing.T) error {
		return models.NewSequential(&layers.SeparableConv2D{Filters: 4, KernelSize: [2]int{5, 5}, DilationRate: [2]int{7, 7}, InputShape: []int{28, 28, 1}}).Build()
	}, `layers: SeparableConv2D: the 5x5 kernel dilated by [7 7] (spanning 29x29) does not fit the 28x28 input with "valid" padding`},
	{"Conv2DTranspose output_padding not below the strides", func(*testing.T) error {
		return models.NewSequential(&layers.Conv2DTranspose{Filters: 4, KernelSize: [2]int{3, 3}, Strides: [2]int{2, 2}, OutputPadding: []int{2, 1}, InputShape: []int{7, 7, 8}}).Build()
	}, "layers: Conv2DTranspose: OutputPadding [2 1] must be less than Strides [2 2] on each axis"},
	{"saved Conv2D with groups 0", func(*testing.T) error {
		_, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"Conv2D","config":{"name":"c","filters":4,"kernel_size":[3,3],"groups":0}}`))
		return err
	}, "layers: Conv2D: config: groups must be positive, got 0"},
	{"saved Conv1D with dilation_rate 0", func(*testing.T) error {
		_, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"Conv1D","config":{"name":"c","filters":4,"kernel_size":[3],"dilation_rate":[0]}}`))
		return err
	}, "layers: Conv1D: config: dilation_rate must be positive, got [0]"},
	{"saved Conv2DTranspose with output_padding at the strides", func(*testing.T) error {
		_, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"Conv2DTranspose","config":{"name":"c","filters":4,"kernel_size":[3,3],"strides":[2,2],"output_padding":[2,2]}}`))
		return err
	}, "layers: Conv2DTranspose: config: output_padding [2 2] must be >= 0 and less than strides [2 2] on each axis"},
	{"Dense with 1<<62 units (the element count overflows int)", func(*testing.T) error {
		return models.NewSequential(&layers.Flatten{InputShape: []int{28, 28}}, &layers.Dense{Units: 1 << 62}).Build()
	}, "more than the 2147483648 a weight may hold"},
	{"Embedding index out of range in Predict", func(t *testing.T) error {
		m := models.NewSequential(&layers.Input{Shape: []int{2}}, &layers.Embedding{InputDim: 5, OutputDim: 2}, &layers.Flatten{})
		if err := m.Compile(models.CompileConfig{Loss: losses.MeanSquaredError{}}); err != nil {
			panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
		}
		_, err := m.Predict(tensor.FromSlice([]float32{1, 2, 3, 7}, 2, 2), models.PredictConfig{Verbose: models.Silent})
		return err
	}, "holds 7, not an index in [0, 5)"},

	// Attention layers applied to nodes they cannot take.
	{"MultiHeadAttention with key_dim 0", attend(&layers.MultiHeadAttention{NumHeads: 4, KeyDim: 0}, []int{8, 16}, []int{8, 16}),
		"models: MultiHeadAttention applied to (None, 8, 16), (None, 8, 16): layers: MultiHeadAttention: KeyDim must be a positive integer, got 0"},
	{"MultiHeadAttention with num_heads 0", attend(&layers.MultiHeadAttention{NumHeads: 0, KeyDim: 4}, []int{8, 16}, []int{8, 16}),
		"layers: MultiHeadAttention: NumHeads must be a positive integer, got 0"},
	{"MultiHeadAttention with a mask of the wrong shape", attend(&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4, AttentionMask: true}, []int{8, 16}, []int{6, 16}, []int{8, 8}),
		"layers: MultiHeadAttention: attention_mask must have shape [8 6] per example (query steps, value steps), got [8 8]"},
	{"MultiHeadAttention with value and key of different lengths", attend(&layers.MultiHeadAttention{NumHeads: 2, KeyDim: 4}, []int{8, 16}, []int{6, 16}, []int{5, 16}),
		"value and key must have the same number of steps, got shapes [6 16] and [5 16]"},
	{"Attention with query and value of different widths", attend(&layers.Attention{}, []int{8, 16}, []int{8, 12}),
		"layers: Attention: query and key must have the same width (last axis), got shapes [8 16] and [8 12]"},
	{"AdditiveAttention on one input", attend(&layers.AdditiveAttention{}, []int{8, 16}),
		"layers: AdditiveAttention: takes [query, value] or [query, value, key], got 1 inputs"},
	{"PositionEmbedding shorter than the sequence", func(*testing.T) error {
		x := models.Input([]int{10, 4}, "x")
		_, err := models.NewModel([]*models.Node{x}, []*models.Node{models.Apply(&layers.PositionEmbedding{SequenceLength: 8}, x)})
		return err
	}, "layers: PositionEmbedding: the inputs have 10 steps, more than SequenceLength 8"},

	// Special files where a model file is expected: refused at once.
	// The training state and the callbacks' states (the seam between models
	// and saving).
	{"RunState outside Fit", func(t *testing.T) error { _, err := dense(t).RunState(); return err },
		"models: RunState: the model is not training; call RunState from a callback of Fit"},
	{"SetTrainingState with another model's weights", func(t *testing.T) error {
		other := models.NewSequential(&layers.Dense{Units: 2, InputShape: []int{3}})
		st, err := other.TrainingState()
		if err != nil {
			return err
		}
		return dense(t).SetTrainingState(st)
	}, `models: SetTrainingState: weight 0 is "dense/kernel" of shape [3 2]; the model's is "dense/kernel" of shape [3 1]`},
	{"SetTrainingState with a Run outside OnTrainBegin", func(t *testing.T) error {
		m := dense(t)
		st, err := m.TrainingState()
		if err != nil {
			return err
		}
		st.Run = &models.RunState{}
		return m.SetTrainingState(st)
	}, "a state with a Run is given back in a callback's OnTrainBegin"},
	{"SetTrainingState with a NaN learning rate", func(t *testing.T) error {
		m := dense(t)
		st, err := m.TrainingState()
		if err != nil {
			return err
		}
		st.LearningRate = math.NaN()
		return m.SetTrainingState(st)
	}, "models: SetTrainingState: learning rate must be a number >= 0, got NaN"},
	{"EarlyStopping state of 3 bytes", func(*testing.T) error {
		return (&callbacks.EarlyStopping{}).SetCallbackState([]byte{1, 2, 3})
	}, "callbacks: EarlyStopping: state of 3 bytes: too short, or of an unknown version"},
	{"EarlyStopping state with best weights for another model", func(t *testing.T) error {
		src := &callbacks.EarlyStopping{Monitor: "loss", RestoreBestWeights: true}
		m := dense(t)
		if err := src.OnTrainBegin(m); err != nil {
			return err
		}
		if err := src.OnEpochEnd(0, callbacks.Logs{"loss": 1}); err != nil {
			return err
		}
		b, err := src.CallbackState()
		if err != nil {
			return err
		}
		other := models.NewSequential(&layers.Dense{Units: 2, InputShape: []int{3}})
		if err := other.Build(); err != nil {
			return err
		}
		dst := &callbacks.EarlyStopping{}
		if err := dst.OnTrainBegin(other); err != nil {
			return err
		}
		return dst.SetCallbackState(b)
	}, "best weight 0 does not have the model's 6 values"},
	{"ModelCheckpoint state of 5 bytes", func(*testing.T) error {
		return (&saving.ModelCheckpoint{}).SetCallbackState(make([]byte, 5))
	}, "saving: ModelCheckpoint: a state has 16 bytes, got 5"},
	{"Load on a FIFO", func(t *testing.T) error { _, err := saving.Load(fifo(t)); return err }, "a named pipe (FIFO), not a regular file"},
	{"LoadWeights on a FIFO", func(t *testing.T) error { return saving.LoadWeights(dense(t), fifo(t)) }, "a named pipe (FIFO), not a regular file"},
	{"VerifyFile on a FIFO", func(t *testing.T) error { return saving.VerifyFile(fifo(t)) }, "a named pipe (FIFO), not a regular file"},
	{"Load on /dev/zero", func(*testing.T) error { _, err := saving.Load("/dev/zero"); return err }, "a character device, not a regular file"},
	{"Load on a directory", func(t *testing.T) error { _, err := saving.Load(t.TempDir()); return err }, "a directory, not a regular file"},
	{"ReadCSV on a FIFO", func(t *testing.T) error { _, err := data.ReadCSV(fifo(t), data.CSVOptions{}); return err }, "a named pipe (FIFO), not a regular file"},

	// Model files that look valid (checksum recomputed) but are not.
	{"a model file whose kernel is all NaN", func(t *testing.T) error {
		_, err := saving.Load(rewrite(t, saved(t), func(meta map[string]string, name string, v []float32) {
			if name == "dense/kernel" {
				for i := range v {
					v[i] = float32(math.NaN())
				}
			}
		}))
		return err
	}, `tensor "dense/kernel": value 0 is NaN; weights must be finite`},
	{"a model file with iterations = MaxInt64", func(t *testing.T) error {
		_, err := saving.Load(rewrite(t, saved(t), func(meta map[string]string, _ string, _ []float32) {
			meta["training_state"] = strings.Replace(meta["training_state"], `"iterations":2`, `"iterations":9223372036854775807`, 1)
		}))
		return err
	}, "iterations must be in [0, 9007199254740992], got 9223372036854775807"},

	// Optimizer hyperparameters, refused at Compile (and so never saved).
	{"Adam with a NaN learning rate", compileWith(&optimizers.Adam{LearningRate: math.NaN()}), "optimizers: adam: learning_rate must be > 0 and finite, got NaN"},
	{"Adam with an infinite learning rate", compileWith(&optimizers.Adam{LearningRate: math.Inf(1)}), "learning_rate must be > 0 and finite, got +Inf"},
	{"Adam with beta_1 = 1", compileWith(&optimizers.Adam{Beta1: 1}), "optimizers: adam: beta_1 must be in (0, 1), got 1"},
	{"Adam with epsilon -1", compileWith(&optimizers.Adam{Epsilon: -1}), "optimizers: adam: epsilon must be > 0 and finite, got -1"},
	{"SGD with a negative learning rate", compileWith(&optimizers.SGD{LearningRate: -0.5}), "optimizers: sgd: learning_rate must be > 0 and finite, got -0.5"},
	{"SGD with momentum 5", compileWith(&optimizers.SGD{Momentum: 5}), "optimizers: sgd: momentum must be in [0, 1], got 5"},
	{"SetLR(NaN) after Compile, then Fit", func(t *testing.T) error {
		m := dense(t)
		m.Optimizer().SetLR(math.NaN())
		_, err := m.Fit(tensor.Zeros(4, 3), tensor.Zeros(4, 1), models.FitConfig{Verbose: models.Silent})
		return err
	}, "models: fit: optimizers: adam: learning_rate must be > 0 and finite, got NaN"},

	// Training runs that diverge stop, saying where.
	{"finite inputs that overflow (3e38)", func(t *testing.T) error {
		_, err := dense(t).Fit(tensor.Full(3e38, 64, 3), tensor.Zeros(64, 1), models.FitConfig{Verbose: models.Silent})
		return err
	}, "models: fit: epoch 1/1, step 1/2: the loss is"},
	{"SGD with learning rate 1e6 on MSE", func(t *testing.T) error {
		m := models.NewSequential(&layers.Dense{Units: 1, InputShape: []int{3}})
		m.Out = &bytes.Buffer{}
		if err := m.Compile(models.CompileConfig{Optimizer: &optimizers.SGD{LearningRate: 1e6}, Loss: losses.MeanSquaredError{}}); err != nil {
			panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
		}
		_, err := m.Fit(tensor.Full(1, 64, 3), tensor.Zeros(64, 1), models.FitConfig{Epochs: 5, Verbose: models.Silent})
		var nf *models.NonFiniteError
		if !errors.As(err, &nf) {
			return errors.New("not a *NonFiniteError: " + sprint(err))
		}
		return err
	}, "training diverged"},

	// The same rules everywhere.
	{"Predict with Verbose 7", func(t *testing.T) error {
		_, err := dense(t).Predict(tensor.Zeros(2, 3), models.PredictConfig{Verbose: 7})
		return err
	}, "models: predict: Verbose must be Silent, ProgressBar or OneLine, got 7"},
	{"Evaluate with Verbose -7", func(t *testing.T) error {
		_, err := dense(t).Evaluate(tensor.Zeros(2, 3), tensor.Zeros(2, 1), models.EvaluateConfig{Verbose: -7})
		return err
	}, "models: evaluate: Verbose must be Silent, ProgressBar or OneLine, got -7"},
	{"SummaryTo with width -10", func(t *testing.T) error {
		return dense(t).SummaryTo(&bytes.Buffer{}, -10)
	}, "models: summary: lineLength must be >= 0"},
	{"an Array whose Dim(0) is -5", func(t *testing.T) error {
		_, err := dense(t).Predict(negativeRows{}, models.PredictConfig{Verbose: models.Silent})
		return err
	}, "models: predict: x has a negative size -5 on axis 0"},

	// Texts: TextVectorization, text inputs, pad_sequences.
	{"TextVectorization with MaxTokens 1", func(*testing.T) error {
		_, err := (&layers.TextVectorization{MaxTokens: 1}).Vectorize([]string{"a"})
		return err
	}, "layers: TextVectorization: MaxTokens must be greater than 1 (or 0 for no cap), got 1"},
	{"TextVectorization OutputSequenceLength in multi_hot mode", func(*testing.T) error {
		_, err := (&layers.TextVectorization{OutputMode: "multi_hot", OutputSequenceLength: 10}).Vectorize([]string{"a"})
		return err
	}, `layers: TextVectorization: OutputSequenceLength 10 is only valid in "int" mode, not "multi_hot"`},
	{"TextVectorization in a model without OutputSequenceLength", func(*testing.T) error {
		return models.NewSequential(&layers.TextVectorization{}, &layers.Embedding{InputDim: 10, OutputDim: 2}).Build()
	}, `"int" mode needs OutputSequenceLength`},
	{"TextVectorization vocabulary with a repeated token", func(*testing.T) error {
		return (&layers.TextVectorization{}).SetVocabulary([]string{"a", "b", "a"}, nil)
	}, `layers: TextVectorization: the vocabulary repeats the tokens ["a"]`},
	{"saved TextVectorization whose vocabulary_size disagrees", func(*testing.T) error {
		_, _, err := layers.UnmarshalLayer([]byte(`{"class_name":"TextVectorization","config":{"name":"t","vocabulary":["x"],"vocabulary_size":7}}`))
		return err
	}, "vocabulary_size: 7, but the vocabulary has 3 entries"},
	{"texts into a model that takes numbers", func(t *testing.T) error {
		_, err := dense(t).Predict(data.Strings{"a", "b"}, models.PredictConfig{Verbose: models.Silent})
		return err
	}, "models: predict: x has per-example shape [1], model expects [3]"},
	{"numbers into a model that takes texts", func(t *testing.T) error {
		vec := &layers.TextVectorization{OutputSequenceLength: 3, Vocabulary: []string{"a"}}
		_, err := models.NewSequential(vec, &layers.Embedding{InputDim: 3, OutputDim: 2}).Predict(tensor.Zeros(2, 1), models.PredictConfig{Verbose: models.Silent})
		return err
	}, "TextVectorization: takes texts, not numbers"},
	{"PadSequences with padding \"middle\"", func(*testing.T) error {
		_, err := data.PadSequences([][]int{{1, 2}}, data.PadOptions{Padding: "middle"})
		return err
	}, `data: PadSequences: Padding must be "pre" or "post", got "middle"`},
	{"PadSequences of a value beyond int32", func(*testing.T) error {
		_, err := data.PadSequences([][]int64{{1 << 40}}, data.PadOptions{})
		return err
	}, "data: PadSequences: sequences[0][0] is 1.099511627776e+12, outside the range of int32"},

	// NaN goes through as IEEE 754 says, not silently turned into a number.
	{"ReLU of NaN is NaN", func(*testing.T) error {
		if y := tensor.FromSlice([]float32{float32(math.NaN())}, 1).ReLU().Data()[0]; y == y {
			return errors.New("ReLU(NaN) is a number")
		}
		return nil
	}, ""},
	{"MaxPool2D of a window with a NaN is NaN", func(*testing.T) error {
		x := tensor.FromSlice([]float32{1, float32(math.NaN()), 3, 2}, 1, 2, 2, 1)
		if y := tensor.MaxPool2D(x, [2]int{2, 2}, [2]int{2, 2}, "valid").Data()[0]; y == y {
			return errors.New("the window's maximum is a number")
		}
		return nil
	}, ""},

	// The concurrent inference handle and the model server.
	{"Predictor of an unbuilt model", func(*testing.T) error {
		_, err := models.NewSequential(&layers.Dense{Units: 2}).NewPredictor(models.PredictorConfig{})
		return err
	}, "models: NewPredictor: the model is not built"},
	{"Predictor of a stateful LSTM", func(*testing.T) error {
		_, err := models.NewSequential(&layers.Input{Shape: []int{4, 3}}, &layers.LSTM{Units: 2, Stateful: true}).NewPredictor(models.PredictorConfig{})
		return err
	}, "is stateful (its states carry from one batch to the next)"},
	{"PredictInto with an input too short for the batch", func(*testing.T) error {
		p, err := models.NewSequential(&layers.Dense{Units: 2, InputShape: []int{3}}).NewPredictor(models.PredictorConfig{})
		if err != nil {
			return err
		}
		return p.PredictInto(context.Background(), 2, [][]float32{make([]float32, 5)}, [][]float32{make([]float32, 4)})
	}, "models: Predictor.PredictInto: inputs[0] (input_layer) has 5 values, want 6 (batch 2 × shape (3,))"},
	{"server without models", func(*testing.T) error {
		_, err := serving.New(serving.Config{})
		return err
	}, "serving: Config.Models is empty"},
	{"server with a negative MaxBatchSize", func(*testing.T) error {
		_, err := serving.New(serving.Config{Models: []serving.ModelConfig{{Path: "m.safetensors"}}, MaxBatchSize: -1})
		return err
	}, "serving: Config.MaxBatchSize must be >= 0, got -1"},
	{"server of a directory with no version", func(t *testing.T) error {
		_, err := serving.New(serving.Config{Models: []serving.ModelConfig{{Path: t.TempDir()}}, Logger: slog.New(slog.DiscardHandler)})
		return err
	}, "has no version subdirectory (1, 2, …) and is not a model file"},
	{"server of a model name with a slash", func(*testing.T) error {
		_, err := serving.New(serving.Config{Models: []serving.ModelConfig{{Name: "a/b", Path: "m.safetensors"}}})
		return err
	}, `serving: Config.Models[0].Name: model name "a/b" has '/'`},
	{"server of a file that is not a model", func(t *testing.T) error {
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := os.WriteFile(path, []byte("not a model"), 0o644); err != nil {
			return err
		}
		_, err := serving.New(serving.Config{Models: []serving.ModelConfig{{Path: path}}, Logger: slog.New(slog.DiscardHandler)})
		return err
	}, "serving: model m: no version loads: version 1:"},
}

func TestCatalogue(t *testing.T) {
	for _, c := range catalogue {
		t.Run(c.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				defer func() {
					if r := recover(); r != nil {
						done <- errors.New("panic: " + strings.TrimSpace(strings.Split(strings.TrimSpace(sprint(r)), "\n")[0]))
					}
				}()
				done <- c.run(t)
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("hangs")
			}
			switch {
			case c.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
}

func sprint(v any) string {
	if v == nil {
		return "no error"
	}
	if e, ok := v.(error); ok {
		return e.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "a panic that is not an error"
}

// dense is a compiled Dense(1) model on 3 inputs.
func dense(t *testing.T) *models.Sequential {
	m := models.NewSequential(&layers.Dense{Units: 1, Activation: activations.ReLU, InputShape: []int{3}, KernelInitializer: initializers.Constant{Value: 1}})
	m.Out = &bytes.Buffer{}
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.MeanSquaredError{}}); err != nil {
		panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
	}
	return m
}

// attend applies l to inputs of the given per-example shapes in a
// functional model and returns NewModel's error.
func attend(l models.Callable, shapes ...[]int) func(*testing.T) error {
	return func(*testing.T) error {
		var in []*models.Node
		for i, s := range shapes {
			in = append(in, models.Input(s, string(rune('a'+i))))
		}
		_, err := models.NewModel(in, []*models.Node{models.Apply(l, in...)})
		return err
	}
}

func compileWith(o optimizers.Optimizer) func(*testing.T) error {
	return func(*testing.T) error {
		return models.NewSequential(&layers.Dense{Units: 1, InputShape: []int{3}}).Compile(models.CompileConfig{Optimizer: o, Loss: losses.MeanSquaredError{}})
	}
}

// fifo makes a named pipe, which blocks an open(2) for reading until a
// writer comes.
func fifo(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
	}
	return p
}

// saved is a model trained 2 steps and saved with its optimizer state.
func saved(t *testing.T) string {
	m := dense(t)
	if _, err := m.Fit(tensor.Full(1, 64, 3), tensor.Zeros(64, 1), models.FitConfig{Verbose: models.Silent}); err != nil {
		panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
	}
	p := filepath.Join(t.TempDir(), "m.safetensors")
	if err := saving.Save(m, p); err != nil {
		panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
	}
	return p
}

// rewrite applies edit to the metadata and to every tensor of a neuron
// file and writes it again with a valid checksum, as someone making a
// damaged file look sound would.
func rewrite(t *testing.T, path string, edit func(meta map[string]string, name string, values []float32)) string {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
	}
	f, err := safetensors.Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
	}
	meta := map[string]string{}
	for k, v := range f.Meta {
		if k != safetensors.ChecksumKey {
			meta[k] = v
		}
	}
	var ts []safetensors.Tensor
	for _, e := range f.Entries {
		v := make([]float32, e.Len())
		if err := f.Read(e.Name, v); err != nil {
			panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
		}
		edit(meta, e.Name, v)
		ts = append(ts, safetensors.Tensor{Name: e.Name, Shape: e.Shape, Data: v})
	}
	var out bytes.Buffer
	if err := safetensors.Write(&out, meta, ts, true); err != nil {
		panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
	}
	p := filepath.Join(t.TempDir(), "edited.safetensors")
	if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
		panic(err) // the row runs off the test's goroutine: TestCatalogue reports it
	}
	return p
}

// negativeRows is an Array that reports -5 examples.
type negativeRows struct{}

func (negativeRows) Rank() int { return 2 }
func (negativeRows) Dim(i int) int {
	if i == 0 {
		return -5
	}
	return 3
}
func (negativeRows) TakeRowsInto(*tensor.Tensor, []int) {}
