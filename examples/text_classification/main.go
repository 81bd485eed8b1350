// Command text_classification trains a text classifier end to end, from
// raw strings: TextVectorization → Embedding → Bidirectional(LSTM) →
// Dense, as Keras's text classification with an RNN does:
//
//	vectorize = TextVectorization(max_tokens=5000, output_sequence_length=16)
//	vectorize.adapt(train_texts)
//	model = Sequential([Input(shape=(1,), dtype="string"), vectorize,
//	                    Embedding(vectorize.vocabulary_size(), 32, mask_zero=True),
//	                    Bidirectional(LSTM(32)),
//	                    Dense(1, activation="sigmoid")])
//	model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
//	model.fit(train_texts, train_labels, epochs=5, validation_split=0.2)
//	model.predict(["list directory contents"])
//
// With -model transformer it trains a tiny transformer encoder instead
// (see runTransformer).
//
// # The task
//
// By default the texts are the one-line summaries of the manual pages
// installed on the machine, the part after "\-" in a page's NAME section
// ("ls \- list directory contents", "strlen \- calculate the length of a
// string"), and the question is whether the page documents a command or a
// programming interface. The label comes from where the page is
// installed, not from any judgement: sections 1 (user commands) and 8
// (administration commands) give 0, "command"; sections 2 (system calls)
// and 3 (library functions) give 1, "programming interface". The page's
// name is left out, so the model reads only the summary's words. Pages
// that only point to another (".so"), summaries found in both classes and
// repeated summaries are left out, as are the generated pages of the
// Google Cloud CLI (gcloud*, some 16,000 on this project's test machine),
// which would otherwise make up four fifths of the commands. The pages
// are shuffled with the seed and split 80/20 into training and test sets;
// the program prints the test accuracy next to that of always answering
// the larger class.
//
// With -imdb DIR it classifies instead the IMDB movie reviews of the
// aclImdb directory a user downloads (datasets/imdb), positive against
// negative, with the reviews' own train/test split.
//
// Usage:
//
//	go run ./examples/text_classification [-man /usr/share/man] [-epochs 5] [-batch-size 32] [-seed 0]
//	                                      [-max-tokens 5000] [-sequence-length 16] [-units 32] [-verbose 2] [-save FILE]
//	go run ./examples/text_classification -imdb ~/aclImdb [-limit 2000] [-sequence-length 200]
//
// The model holds the vectorizer, so Fit, Evaluate and Predict take the
// texts themselves (data.Strings), and the file -save writes predicts from
// raw text after saving.Load.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/datasets/imdb"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

type options struct {
	man, imdb, save      string
	model                string
	epochs, batch, units int
	maxTokens, seqLen    int
	limit                int
	seed                 uint64
	verbose              int
}

func main() {
	fs := flag.NewFlagSet("text_classification", flag.ExitOnError)
	var o options
	fs.StringVar(&o.man, "man", "/usr/share/man", "manual page directory, holding man1, man2, man3 and man8")
	fs.StringVar(&o.imdb, "imdb", "", "classify the IMDB reviews of this aclImdb directory instead of manual pages")
	fs.StringVar(&o.save, "save", "", "write the trained model, vectorizer included, to this file")
	fs.StringVar(&o.model, "model", "lstm", `"lstm" (Bidirectional LSTM) or "transformer" (a tiny transformer encoder)`)
	fs.IntVar(&o.epochs, "epochs", 5, "passes over the training texts")
	fs.IntVar(&o.batch, "batch-size", 32, "texts per training step")
	fs.IntVar(&o.units, "units", 32, "LSTM units in each direction, and the embedding size")
	fs.IntVar(&o.maxTokens, "max-tokens", 5000, "vocabulary size, special tokens included")
	fs.IntVar(&o.seqLen, "sequence-length", 0, "tokens per text, padded or cut (0: 16 for manual pages, 200 for IMDB)")
	fs.IntVar(&o.limit, "limit", 0, "with -imdb, read at most this many reviews of each class and split")
	fs.Uint64Var(&o.seed, "seed", 0, "seed for the split, the initial weights and the shuffling")
	fs.IntVar(&o.verbose, "verbose", 2, "0 silent, 1 progress bar, 2 one line per epoch (Keras's verbose)")
	_ = fs.Parse(os.Args[1:])
	if err := run(o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "text_classification:", err)
		os.Exit(1)
	}
}

// classNames name the labels of each task.
var (
	manClasses  = [2]string{"command", "programming interface"}
	imdbClasses = [2]string{"negative", "positive"}
)

func run(o options, out io.Writer) error {
	var (
		xTrain, xTest data.Strings
		yTrain, yTest *tensor.Tensor
		classes       [2]string
		probes        data.Strings
		err           error
	)
	if o.imdb != "" {
		if o.seqLen == 0 {
			o.seqLen = 200
		}
		classes = imdbClasses
		xTrain, yTrain, xTest, yTest, err = imdb.LoadTexts(o.imdb, imdb.Options{Seed: o.seed, MaxPerClass: o.limit})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "IMDB reviews: %d for training, %d for testing\n", len(xTrain), len(xTest))
		probes = data.Strings{"A wonderful film, moving and beautifully acted.", "Dull, far too long, and the acting is awful."}
	} else {
		if o.seqLen == 0 {
			o.seqLen = 16
		}
		classes = manClasses
		if xTrain, yTrain, xTest, yTest, err = manPages(o.man, o.seed, out); err != nil {
			return err
		}
		probes = data.Strings{"list directory contents", "copy a string into a buffer", "display the system log", "get the current time of day"}
	}

	vec := &layers.TextVectorization{MaxTokens: o.maxTokens, OutputSequenceLength: o.seqLen}
	if err := vec.Adapt(xTrain); err != nil {
		return err
	}
	fmt.Fprintf(out, "vocabulary: %d tokens, the most frequent %q\n", vec.VocabularySize(), vec.GetVocabulary(false)[:min(8, vec.VocabularySize()-2)])
	if o.model == "transformer" {
		return runTransformer(o, vec, xTrain, yTrain, xTest, yTest, classes, probes, out)
	}
	if o.model != "lstm" && o.model != "" {
		return fmt.Errorf("-model must be lstm or transformer, got %q", o.model)
	}
	model := models.NewSequential(
		vec,
		// Index 0 is TextVectorization's padding: the mask makes the LSTMs skip it.
		&layers.Embedding{InputDim: vec.VocabularySize(), OutputDim: o.units, MaskZero: true},
		&layers.Bidirectional{Layer: &layers.LSTM{Units: o.units}},
		&layers.Dense{Units: 1, Activation: activations.Sigmoid},
	)
	model.Out = out
	model.SetSeed(o.seed)
	model.Summary()
	err = model.Compile(models.CompileConfig{
		Optimizer: optimizers.NewAdam(),
		Loss:      losses.BinaryCrossentropy{},
		Metrics:   []metrics.Metric{metrics.NewBinaryAccuracy()},
	})
	if err != nil {
		return err
	}
	verbose, err := models.VerbosityFromKeras(o.verbose)
	if err != nil {
		return err
	}
	if _, err := model.Fit(xTrain, yTrain, models.FitConfig{Epochs: o.epochs, BatchSize: o.batch, ValidationSplit: 0.2, Verbose: verbose}); err != nil {
		return err
	}
	scores, err := model.Evaluate(xTest, yTest, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	ones := 0
	for _, v := range yTest.Data() {
		if v == 1 {
			ones++
		}
	}
	n := yTest.Size()
	fmt.Fprintf(out, "test loss: %.4f - test accuracy: %.4f - always %q: %.4f\n", scores["loss"], scores["binary_accuracy"],
		classes[b2i(2*ones > n)], float64(max(ones, n-ones))/float64(n))

	if o.save != "" {
		if err := saving.Save(model, o.save); err != nil {
			return err
		}
		loaded, err := saving.Load(o.save)
		if err != nil {
			return err
		}
		loaded.Out = out
		model = loaded
		fmt.Fprintf(out, "saved to %s; the predictions below come from the loaded model\n", o.save)
	}
	pred, err := model.Predict(probes, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	for i, p := range pred.Data() {
		fmt.Fprintf(out, "%q: %s (p=%.3f)\n", probes[i], classes[b2i(p >= 0.5)], p)
	}
	return nil
}

// runTransformer trains the tiny transformer encoder classifier of Keras's
// "text classification with a transformer" example on the same texts:
//
//	x = Embedding(vocabulary, units, mask_zero=True)(vectorize(text))
//	x = x + PositionEmbedding(sequence_length)(x)
//	a = MultiHeadAttention(num_heads=2, key_dim=units // 2)(x, x)
//	x = LayerNormalization()(x + a)
//	f = Dense(units)(Dense(2 * units, activation="relu")(x))
//	x = LayerNormalization()(x + f)
//	out = Dense(1, activation="sigmoid")(GlobalAveragePooling1D()(x))
//
// The padding mask goes through the attention (padded keys are not
// attended to) and the pooling (the mean of the real tokens).
func runTransformer(o options, vec *layers.TextVectorization, xTrain data.Strings, yTrain *tensor.Tensor, xTest data.Strings, yTest *tensor.Tensor,
	classes [2]string, probes data.Strings, out io.Writer) error {
	text := models.Input([]int{1}, "text")
	x := models.Apply(&layers.Embedding{InputDim: vec.VocabularySize(), OutputDim: o.units, MaskZero: true}, models.Apply(vec, text))
	x = models.Apply(&layers.Add{}, x, models.Apply(&layers.PositionEmbedding{SequenceLength: o.seqLen}, x))
	a := models.Apply(&layers.MultiHeadAttention{NumHeads: 2, KeyDim: max(o.units/2, 1)}, x, x)
	x = models.Apply(&layers.LayerNormalization{}, models.Apply(&layers.Add{}, x, a))
	f := models.Apply(&layers.Dense{Units: o.units}, models.Apply(&layers.Dense{Units: 2 * o.units, Activation: activations.ReLU}, x))
	x = models.Apply(&layers.LayerNormalization{}, models.Apply(&layers.Add{}, x, f))
	y := models.Apply(&layers.Dense{Units: 1, Activation: activations.Sigmoid}, models.Apply(&layers.GlobalAveragePooling1D{}, x))
	model, err := models.NewModel([]*models.Node{text}, []*models.Node{y})
	if err != nil {
		return err
	}
	model.Out = out
	model.SetSeed(o.seed)
	model.Summary()
	err = model.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.BinaryCrossentropy{},
		Metrics: []metrics.Metric{metrics.NewBinaryAccuracy()}})
	if err != nil {
		return err
	}
	verbose, err := models.VerbosityFromKeras(o.verbose)
	if err != nil {
		return err
	}
	fit := models.FitConfig{Epochs: o.epochs, BatchSize: o.batch, ValidationSplit: 0.2, Verbose: verbose}
	if _, err := model.Fit([]models.Array{xTrain}, []models.Array{yTrain}, fit); err != nil {
		return err
	}
	scores, err := model.Evaluate([]models.Array{xTest}, []models.Array{yTest}, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	ones := 0
	for _, v := range yTest.Data() {
		if v == 1 {
			ones++
		}
	}
	n := yTest.Size()
	fmt.Fprintf(out, "test loss: %.4f - test accuracy: %.4f - always %q: %.4f\n", scores["loss"], scores["binary_accuracy"],
		classes[b2i(2*ones > n)], float64(max(ones, n-ones))/float64(n))
	if o.save != "" {
		if err := saving.Save(model, o.save); err != nil {
			return err
		}
		if model, err = saving.LoadModel(o.save); err != nil {
			return err
		}
		fmt.Fprintf(out, "saved to %s; the predictions below come from the loaded model\n", o.save)
	}
	pred, err := model.Predict([]models.Array{probes}, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	for i, p := range pred[0].Data() {
		fmt.Fprintf(out, "%q: %s (p=%.3f)\n", probes[i], classes[b2i(p >= 0.5)], p)
	}
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sections maps a manual section to its label.
var sections = map[string]float32{"man1": 0, "man8": 0, "man2": 1, "man3": 1}

// manPages reads the NAME summaries of the pages under dir and splits
// them 80/20, shuffled with seed.
func manPages(dir string, seed uint64, out io.Writer) (xTrain data.Strings, yTrain *tensor.Tensor, xTest data.Strings, yTest *tensor.Tensor, err error) {
	label := map[string]float32{} // summary → label
	mixed := map[string]bool{}    // summaries in both classes
	var pages [2]int
	for _, sec := range []string{"man1", "man8", "man2", "man3"} {
		entries, err := os.ReadDir(filepath.Join(dir, sec))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, nil, nil, nil, err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), "gcloud") {
				continue
			}
			s, err := summary(filepath.Join(dir, sec, e.Name()))
			if err != nil || s == "" {
				continue // unreadable, an alias (.so) or no NAME line: not a page to learn from
			}
			y := sections[sec]
			pages[int(y)]++
			if old, ok := label[s]; ok && old != y {
				mixed[s] = true
			}
			label[s] = y
		}
	}
	for s := range mixed {
		delete(label, s)
	}
	texts := make([]string, 0, len(label))
	for s := range label {
		texts = append(texts, s)
	}
	if len(texts) < 20 {
		return nil, nil, nil, nil, fmt.Errorf("%s: only %d manual page summaries found (want man1, man2, man3 or man8 with NAME sections); install manpages and manpages-dev, or give -man", dir, len(texts))
	}
	slices.Sort(texts) // map order is random; the seed alone decides the split
	rand.New(rand.NewPCG(seed, 1)).Shuffle(len(texts), func(i, j int) { texts[i], texts[j] = texts[j], texts[i] })
	ys := make([]float32, len(texts))
	var kept [2]int
	for i, s := range texts {
		ys[i] = label[s]
		kept[int(ys[i])]++
	}
	fmt.Fprintf(out, "manual pages: %d commands (sections 1, 8), %d programming interfaces (2, 3); %d distinct summaries kept (%d, %d), %d found in both classes left out\n",
		pages[0], pages[1], len(texts), kept[0], kept[1], len(mixed))
	cut := len(texts) * 4 / 5
	fmt.Fprintf(out, "training on %d summaries, testing on %d\n", cut, len(texts)-cut)
	return data.Strings(texts[:cut]), tensor.FromSlice(slices.Clone(ys[:cut]), cut),
		data.Strings(texts[cut:]), tensor.FromSlice(slices.Clone(ys[cut:]), len(texts)-cut), nil
}

// maxPage bounds the bytes read of one page.
const maxPage = 4 << 20

var (
	// roff escapes: fonts (\fB, \f(CW, \f[I]), named characters (\(em,
	// \[em]), strings (\*(lq, \*[x]), and the one-letter ones.
	escapes = regexp.MustCompile(`\\f(\(..|\[[^]]*\]|.)|\\\*(\(..|\[[^]]*\]|.)|\\\(..|\\\[[^]]*\]|\\[&|^%:cdu]`)
	spaces  = regexp.MustCompile(`\s+`)
)

// summary returns the text after "\-" in the NAME section of the manual
// page at path (gzip-compressed or plain; man(7) .SH NAME or mdoc(7)
// .Nd), with roff escapes removed, or "" if there is none.
func summary(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(r)
		if err != nil {
			return "", err
		}
		defer z.Close()
		r = z
	}
	b, err := io.ReadAll(io.LimitReader(r, maxPage))
	if err != nil {
		return "", err
	}
	var name []string
	in := false
	for line := range bytes.Lines(b) {
		l := strings.TrimRight(string(line), "\r\n")
		if strings.HasPrefix(l, ".so ") && !in && name == nil {
			return "", nil // an alias of another page
		}
		if strings.HasPrefix(l, ".Nd ") { // mdoc: .Nd is the description itself
			return clean(l[4:]), nil
		}
		if strings.HasPrefix(l, ".SH") || strings.HasPrefix(l, ".Sh") {
			if in {
				break
			}
			in = strings.EqualFold(strings.Trim(strings.TrimSpace(l[3:]), `"`), "NAME")
			continue
		}
		if in {
			if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
				// A macro line: keep the words of font macros (.B ls), drop the rest.
				f := strings.Fields(l)
				if len(f) > 1 && strings.Contains(".B .I .BR .IR .RB .BI .IB .RI .Nm", f[0]) {
					name = append(name, strings.Join(f[1:], " "))
				}
				continue
			}
			name = append(name, l)
		}
	}
	text := strings.Join(name, " ")
	i := strings.Index(text, `\-`)
	n := 2
	if i < 0 {
		if i = strings.Index(text, " - "); i < 0 {
			return "", nil
		}
		n = 3
	}
	return clean(text[i+n:]), nil
}

// clean removes roff escapes and quotes and collapses white space.
func clean(s string) string {
	s = escapes.ReplaceAllString(s, "")
	s = strings.NewReplacer(`\-`, "-", `\e`, `\`, `\ `, " ", `\~`, " ", `""`, "").Replace(s)
	s = strings.Trim(strings.TrimSpace(spaces.ReplaceAllString(s, " ")), `"`)
	return strings.TrimSpace(s)
}
