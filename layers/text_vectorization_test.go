package layers_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

func vectorize(t *testing.T, l *layers.TextVectorization, texts ...string) [][]float32 {
	t.Helper()
	x, err := l.Vectorize(texts)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([][]float32, x.Dim(0))
	for i := range rows {
		rows[i] = x.Row(i).Data()
	}
	return rows
}

func close32(a, b [][]float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if math.Abs(float64(a[i][j]-b[i][j])) > 1e-6 {
				return false
			}
		}
	}
	return true
}

// The cases of keras/src/layers/preprocessing/text_vectorization_test.py
// and of the layer's docstring, with Keras's expected outputs.
func TestTextVectorizationKerasCases(t *testing.T) {
	fixed := func() *layers.TextVectorization {
		return &layers.TextVectorization{MaxTokens: 5000, OutputSequenceLength: 4, Vocabulary: []string{"baz", "bar", "foo"}}
	}
	setVocab := &layers.TextVectorization{MaxTokens: 5000, OutputSequenceLength: 4}
	if err := setVocab.SetVocabulary([]string{"baz", "bar", "foo"}, nil); err != nil {
		t.Fatal(err)
	}
	adapted := &layers.TextVectorization{MaxTokens: 5000, OutputSequenceLength: 4}
	if err := adapted.Adapt([]string{"foo bar", "bar baz", "baz bada boom"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		l     *layers.TextVectorization
		texts []string
		want  [][]float32
	}{
		{"test_adapt_flow", adapted, []string{"foo qux bar", "qux baz"}, [][]float32{{4, 1, 3, 0}, {1, 2, 0, 0}}},
		{"test_fixed_vocabulary", fixed(), []string{"foo qux bar", "qux baz"}, [][]float32{{4, 1, 3, 0}, {1, 2, 0, 0}}},
		{"test_set_vocabulary", setVocab, []string{"foo qux bar", "qux baz"}, [][]float32{{4, 1, 3, 0}, {1, 2, 0, 0}}},
		{"test_static_output_sequence_length split None", &layers.TextVectorization{MaxTokens: 5000, OutputSequenceLength: 4, Split: "none", Vocabulary: []string{"baz", "bar", "foo"}},
			[]string{"foo", "baz"}, [][]float32{{4, 0, 0, 0}, {2, 0, 0, 0}}},
		{"test_multi_hot_output", &layers.TextVectorization{OutputMode: "multi_hot", Vocabulary: []string{"foo", "bar", "baz"}},
			[]string{"foo bar", "baz foo foo"}, [][]float32{{0, 1, 1, 0}, {0, 1, 0, 1}}},
		{"test_output_mode_count_output", &layers.TextVectorization{OutputMode: "count", Vocabulary: []string{"foo", "bar", "baz"}},
			[]string{"foo bar", "baz foo foo"}, [][]float32{{0, 1, 1, 0}, {0, 2, 0, 1}}},
		{"test_output_mode_tf_idf_output", &layers.TextVectorization{OutputMode: "tf_idf", Vocabulary: []string{"foo", "bar", "baz"}, IdfWeights: []float32{0.3, 0.5, 0.2}},
			[]string{"foo bar", "baz foo foo"}, [][]float32{{0, 0.3, 0.5, 0}, {0, 0.6, 0, 0.2}}},
		{"test_lower_and_strip_punctuation_standardization", &layers.TextVectorization{Vocabulary: []string{"hello", "world", "this", "is", "nice", "test"}},
			[]string{"Hello, World!. This is just a nice test!"}, [][]float32{{2, 3, 4, 5, 1, 1, 6, 7}}},
		{"test_lower_standardization", &layers.TextVectorization{Standardize: "lower", Vocabulary: []string{"hello,", "hello", "world", "this", "is", "nice", "test"}},
			[]string{"Hello, World!. This is just a nice test!"}, [][]float32{{2, 1, 5, 6, 1, 1, 7, 1}}},
		{"test_char_splitting", &layers.TextVectorization{Split: "character", Vocabulary: []string{"a", "b", "c", "d", "e"}},
			[]string{"abcf"}, [][]float32{{2, 3, 4, 1}}},
		{"test_strip_punctuation_standardization", &layers.TextVectorization{Standardize: "strip_punctuation", Vocabulary: []string{"Hello", "World", "Test"}},
			[]string{"Hello, World! Test."}, [][]float32{{2, 3, 4}}},
		{"test_no_standardization", &layers.TextVectorization{Standardize: "none", Vocabulary: []string{"Hello", "world"}},
			[]string{"Hello hello"}, [][]float32{{2, 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := vectorize(t, c.l, c.texts...); !close32(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	// The docstring's second example.
	l := &layers.TextVectorization{MaxTokens: 5000, OutputSequenceLength: 4, Vocabulary: []string{"earth", "wind", "and", "fire"}}
	if got, want := l.GetVocabulary(true), []string{"", "[UNK]", "earth", "wind", "and", "fire"}; !slices.Equal(got, want) {
		t.Errorf("GetVocabulary(true) = %q, want %q", got, want)
	}
	if got, want := l.GetVocabulary(false), []string{"earth", "wind", "and", "fire"}; !slices.Equal(got, want) {
		t.Errorf("GetVocabulary(false) = %q, want %q", got, want)
	}
	if got := l.VocabularySize(); got != 6 {
		t.Errorf("VocabularySize = %d, want 6", got)
	}
}

// Adapt orders by count, then by token in descending byte order (Keras's
// np.lexsort((tokens, counts))[::-1]); the counts here are by hand.
func TestTextVectorizationAdaptOrder(t *testing.T) {
	cases := []struct {
		name  string
		l     *layers.TextVectorization
		texts []string
		want  []string
	}{
		// foo 1, bar 2, baz 2, bada 1, boom 1: baz > bar, then foo > boom > bada.
		{"docstring", &layers.TextVectorization{}, []string{"foo bar", "bar baz", "baz bada boom"}, []string{"", "[UNK]", "baz", "bar", "foo", "boom", "bada"}},
		// Equal counts: descending bytes, so "b" before "B" before "A" and "ä" (0xC3 0xA4) first.
		{"ties in bytes", &layers.TextVectorization{Standardize: "none"}, []string{"A b B ä"}, []string{"", "[UNK]", "ä", "b", "B", "A"}},
		// a 3, b 2, c 1, d 1: MaxTokens 4 keeps 4 − 2 special = 2.
		{"max_tokens int", &layers.TextVectorization{MaxTokens: 4}, []string{"a b c", "a b d", "a"}, []string{"", "[UNK]", "a", "b"}},
		// Outside "int" mode only [UNK] is special: 4 − 1 = 3 tokens.
		{"max_tokens count", &layers.TextVectorization{MaxTokens: 4, OutputMode: "count"}, []string{"a b c", "a b d", "a"}, []string{"[UNK]", "a", "b", "d"}},
		// MaxTokens 2 in "int" mode learns nothing.
		{"max_tokens 2", &layers.TextVectorization{MaxTokens: 2}, []string{"a b"}, []string{"", "[UNK]"}},
		// The special tokens are never learned: "[unk]" is lowercase and
		// stripped to "unk" by the default standardization, so "[UNK]" only
		// survives without it.
		{"special tokens", &layers.TextVectorization{Standardize: "none", Split: "none"}, []string{"", "[UNK]", "[UNK]", "x", ""}, []string{"", "[UNK]", "x"}},
		// ngrams=2: unigrams then bigrams; a 2, b 2, c 1, "a b" 2, "b c" 1.
		{"ngrams 2", &layers.TextVectorization{Ngrams: 2}, []string{"a b c", "a b"}, []string{"", "[UNK]", "b", "a b", "a", "c", "b c"}},
		// ngrams=(2,): bigrams only.
		{"ngram widths", &layers.TextVectorization{NgramWidths: []int{2}}, []string{"a b c", "a b"}, []string{"", "[UNK]", "a b", "b c"}},
		// Characters keep white space: " " 2, a 2, b 1, c 1.
		{"characters", &layers.TextVectorization{Split: "character"}, []string{"a b", "a c"}, []string{"", "[UNK]", "a", " ", "c", "b"}},
		// Runs of ASCII white space split once; Unicode spaces (U+00A0) do not split.
		{"white space", &layers.TextVectorization{}, []string{" x\t\ty\n\v\f\rz ", "p\u00a0q"}, []string{"", "[UNK]", "z", "y", "x", "p\u00a0q"}},
		// Only ASCII letters are lowercased, as tf.strings.lower does.
		{"ascii lower", &layers.TextVectorization{}, []string{"ÉCOLE École"}, []string{"", "[UNK]", "École", "Écolé"}},
	}
	// "ÉCOLE" lowercases to "École" (É is not ASCII), equal to the second word.
	cases[len(cases)-1].want = []string{"", "[UNK]", "École"}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.l.Adapt(c.texts); err != nil {
				t.Fatal(err)
			}
			if got := c.l.GetVocabulary(true); !slices.Equal(got, c.want) {
				t.Errorf("vocabulary %q, want %q", got, c.want)
			}
		})
	}
}

// tf_idf after Adapt: idf = log(1 + documents / (1 + document count)), and
// the OOV weight is their mean (index_lookup.py, finalize_state).
func TestTextVectorizationTfIdfAdapt(t *testing.T) {
	l := &layers.TextVectorization{OutputMode: "tf_idf"}
	if err := l.Adapt([]string{"foo bar", "bar baz", "baz bada boom"}); err != nil {
		t.Fatal(err)
	}
	if got, want := l.GetVocabulary(true), []string{"[UNK]", "baz", "bar", "foo", "boom", "bada"}; !slices.Equal(got, want) {
		t.Fatalf("vocabulary %q, want %q", got, want)
	}
	two, one := float32(math.Log(1+3.0/3)), float32(math.Log(1+3.0/2)) // in 2 and in 1 of 3 documents
	oov := float32((2*float64(two) + 3*float64(one)) / 5)
	got := vectorize(t, l, "foo bar foo", "qux qux boom")
	want := [][]float32{{0, 0, two, 2 * one, 0, 0}, {2 * oov, 0, 0, 0, one, 0}}
	if !close32(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// pad_to_max_tokens pads the weights with zeros to MaxTokens.
	p := &layers.TextVectorization{OutputMode: "tf_idf", MaxTokens: 8, PadToMaxTokens: true}
	if err := p.Adapt([]string{"foo bar", "bar baz", "baz bada boom"}); err != nil {
		t.Fatal(err)
	}
	got = vectorize(t, p, "boom")
	if want := [][]float32{{0, 0, 0, 0, one, 0, 0, 0}}; !close32(got, want) {
		t.Errorf("padded: got %v, want %v", got, want)
	}
	// Given weights without the special token: [UNK] gets their mean.
	s := &layers.TextVectorization{OutputMode: "tf_idf", Vocabulary: []string{"a", "b"}, IdfWeights: []float32{1, 2}}
	if got := vectorize(t, s, "z a"); !close32(got, [][]float32{{1.5, 1, 0}}) {
		t.Errorf("given weights: got %v, want [[1.5 1 0]]", got)
	}
	// With it, the weights are taken as they are.
	s = &layers.TextVectorization{OutputMode: "tf_idf", Vocabulary: []string{"[UNK]", "a"}, IdfWeights: []float32{7, 1}}
	if got := vectorize(t, s, "z a"); !close32(got, [][]float32{{7, 1}}) {
		t.Errorf("given weights with [UNK]: got %v, want [[7 1]]", got)
	}
}

func TestTextVectorizationOutputs(t *testing.T) {
	voc := []string{"a", "b", "c"}
	cases := []struct {
		name  string
		l     *layers.TextVectorization
		texts []string
		want  [][]float32
	}{
		// Without OutputSequenceLength: the longest text of the batch.
		{"int ragged", &layers.TextVectorization{Vocabulary: voc}, []string{"a", "c b a z", ""}, [][]float32{{2, 0, 0, 0}, {4, 3, 2, 1}, {0, 0, 0, 0}}},
		// OutputSequenceLength keeps the first tokens.
		{"int cut", &layers.TextVectorization{Vocabulary: voc, OutputSequenceLength: 2}, []string{"c b a"}, [][]float32{{4, 3}}},
		// Split none: the empty text is the padding token, 0 in "int" mode ...
		{"int empty", &layers.TextVectorization{Vocabulary: voc, Split: "none", OutputSequenceLength: 1}, []string{"", "a", "A b"}, [][]float32{{0}, {2}, {1}}},
		// ... and dropped in the others.
		{"count empty", &layers.TextVectorization{Vocabulary: voc, Split: "none", OutputMode: "count"}, []string{"", "q"}, [][]float32{{0, 0, 0, 0}, {1, 0, 0, 0}}},
		{"multi_hot padded", &layers.TextVectorization{Vocabulary: voc, OutputMode: "multi_hot", MaxTokens: 6, PadToMaxTokens: true}, []string{"c c z"}, [][]float32{{1, 0, 0, 1, 0, 0}}},
		{"binary alias", &layers.TextVectorization{Vocabulary: voc, OutputMode: "binary"}, []string{"b"}, [][]float32{{0, 0, 1, 0}}},
		{"ngrams lookup", &layers.TextVectorization{Vocabulary: []string{"a b", "b"}, Ngrams: 2}, []string{"a b"}, [][]float32{{1, 3, 2}}},
		{"vocabulary with specials", &layers.TextVectorization{Vocabulary: []string{"", "[UNK]", "x"}}, []string{"x y"}, [][]float32{{2, 1}}},
		{"characters invalid utf-8", &layers.TextVectorization{Split: "character", Vocabulary: []string{"\ufffd", "é"}}, []string{"\xffé"}, [][]float32{{2, 3}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := vectorize(t, c.l, c.texts...); !close32(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	// An unadapted layer in "int" mode maps everything to [UNK].
	l := &layers.TextVectorization{}
	if got := vectorize(t, l, "a b"); !close32(got, [][]float32{{1, 1}}) {
		t.Errorf("unadapted: %v, want [[1 1]]", got)
	}
	// Texts without tokens leave the vocabulary as it was, as in Keras.
	l = &layers.TextVectorization{}
	if err := l.Adapt([]string{"a"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Adapt([]string{" ", "!!"}); err != nil {
		t.Fatal(err)
	}
	if got := l.GetVocabulary(false); !slices.Equal(got, []string{"a"}) {
		t.Errorf("after adapting on blank texts: %q, want [a]", got)
	}
}

func TestTextVectorizationErrors(t *testing.T) {
	vec := func(l *layers.TextVectorization) func() error {
		return func() error { _, err := l.Vectorize([]string{"a"}); return err }
	}
	plan := func(l *layers.TextVectorization, in ...int) func() error {
		return func() error { _, _, err := l.Plan(in); return err }
	}
	cases := []struct {
		name string
		run  func() error
		want string
	}{
		{"max_tokens 1", vec(&layers.TextVectorization{MaxTokens: 1}), "MaxTokens must be greater than 1 (or 0 for no cap), got 1"},
		{"max_tokens negative", vec(&layers.TextVectorization{MaxTokens: -5}), "got -5"},
		{"max_tokens beyond float32", vec(&layers.TextVectorization{MaxTokens: 1<<24 + 1}), "MaxTokens 16777217 is over 2^24"},
		{"pad without max", vec(&layers.TextVectorization{OutputMode: "count", PadToMaxTokens: true}), "PadToMaxTokens needs MaxTokens"},
		{"sequence length in count mode", vec(&layers.TextVectorization{OutputMode: "count", OutputSequenceLength: 3}), `OutputSequenceLength 3 is only valid in "int" mode, not "count"`},
		{"negative sequence length", vec(&layers.TextVectorization{OutputSequenceLength: -1}), "OutputSequenceLength must be >= 0"},
		{"standardize", vec(&layers.TextVectorization{Standardize: "upper"}), `unknown Standardize "upper"`},
		{"split", vec(&layers.TextVectorization{Split: "comma"}), `unknown Split "comma"`},
		{"mode", vec(&layers.TextVectorization{OutputMode: "tfidf"}), `unknown OutputMode "tfidf"`},
		{"one_hot", vec(&layers.TextVectorization{OutputMode: "one_hot"}), `"one_hot" is not supported`},
		{"ngrams negative", vec(&layers.TextVectorization{Ngrams: -1}), "Ngrams must be >= 0"},
		{"ngrams both", vec(&layers.TextVectorization{Ngrams: 2, NgramWidths: []int{1}}), "not both"},
		{"ngram width 0", vec(&layers.TextVectorization{NgramWidths: []int{1, 0}}), "NgramWidths must be >= 1, got [1 0]"},
		{"encoding", vec(&layers.TextVectorization{Encoding: "latin-1"}), `Encoding "latin-1" is not supported`},
		{"idf in int mode", vec(&layers.TextVectorization{Vocabulary: []string{"a"}, IdfWeights: []float32{1}}), `IdfWeights are only valid in "tf_idf" mode`},
		{"tf_idf without idf", vec(&layers.TextVectorization{OutputMode: "tf_idf", Vocabulary: []string{"a"}}), "needs its IdfWeights"},
		{"tf_idf unadapted", vec(&layers.TextVectorization{OutputMode: "tf_idf"}), "needs idf weights"},
		{"count unadapted", vec(&layers.TextVectorization{OutputMode: "count"}), "set the layer's vocabulary"},
		{"idf length", vec(&layers.TextVectorization{OutputMode: "tf_idf", Vocabulary: []string{"a", "b"}, IdfWeights: []float32{1}}), "1 idf weights for a vocabulary of 2 entries"},
		{"idf NaN", vec(&layers.TextVectorization{OutputMode: "tf_idf", Vocabulary: []string{"a"}, IdfWeights: []float32{float32(math.NaN())}}), "idf weight 0 is NaN"},
		{"repeated", vec(&layers.TextVectorization{Vocabulary: []string{"a", "b", "a", "a"}}), `repeats the tokens ["a"]`},
		{"padding token", vec(&layers.TextVectorization{Vocabulary: []string{"a", ""}}), `holds the padding token "" at index 1`},
		{"empty vocabulary", vec(&layers.TextVectorization{Vocabulary: []string{}}), "the vocabulary is empty"},
		{"over max_tokens", vec(&layers.TextVectorization{MaxTokens: 3, Vocabulary: []string{"a", "b"}}), "4 entries with the special tokens, over MaxTokens 3"},
		{"adapt fixed", func() error {
			return (&layers.TextVectorization{Vocabulary: []string{"a"}}).Adapt([]string{"b"})
		}, "a fixed vocabulary cannot be adapted"},
		{"adapt nothing", func() error { return (&layers.TextVectorization{}).Adapt(nil) }, "Adapt: no texts"},
		{"adapt tf_idf blank", func() error { return (&layers.TextVectorization{OutputMode: "tf_idf"}).Adapt([]string{"  "}) }, "hold no tokens"},
		{"set vocabulary without idf", func() error {
			return (&layers.TextVectorization{OutputMode: "tf_idf"}).SetVocabulary([]string{"a"}, nil)
		}, "needs its idf weights"},
		{"mode changed", func() error {
			l := &layers.TextVectorization{}
			if err := l.Adapt([]string{"a"}); err != nil {
				return err
			}
			l.OutputMode = "count"
			return vec(l)()
		}, "set OutputMode before the vocabulary"},
		{"plan int without length", plan(&layers.TextVectorization{}, 1), "needs OutputSequenceLength"},
		{"plan shape", plan(&layers.TextVectorization{OutputSequenceLength: 3}, 4), "per-example shape [1]"},
		{"plan count unadapted", plan(&layers.TextVectorization{OutputMode: "count"}, 1), "Adapt the layer or set its Vocabulary before building"},
		{"call", func() (err error) {
			defer tensor.RecoverShapeError(&err)
			(&layers.TextVectorization{}).Call(tensor.Zeros(2, 1), false)
			return nil
		}, "takes texts, not numbers"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one containing %q", err, c.want)
			}
		})
	}
	var se *tensor.ShapeError
	err := func() (err error) {
		defer tensor.RecoverShapeError(&err)
		(&layers.TextVectorization{}).Call(tensor.Zeros(2, 1), false)
		return nil
	}()
	if !errors.As(err, &se) {
		t.Errorf("Call: %v, want a *tensor.ShapeError", err)
	}
}

// The vocabulary travels in the config; a decoded layer vectorizes as the
// original, and stays adaptable if the original was.
func TestTextVectorizationConfigRoundTrip(t *testing.T) {
	texts := []string{"The cat sat.", "The dog sat down!", "a CAT, a dog"}
	mk := []func() *layers.TextVectorization{
		func() *layers.TextVectorization {
			return &layers.TextVectorization{MaxTokens: 6, OutputSequenceLength: 5}
		},
		func() *layers.TextVectorization {
			return &layers.TextVectorization{OutputMode: "tf_idf", Ngrams: 2, MaxTokens: 20, PadToMaxTokens: true}
		},
		func() *layers.TextVectorization {
			return &layers.TextVectorization{OutputMode: "count", Standardize: "none", Split: "character", NgramWidths: []int{1, 3}}
		},
		func() *layers.TextVectorization {
			return &layers.TextVectorization{OutputMode: "multi_hot", Standardize: "lower", Split: "none"}
		},
	}
	for i, f := range mk {
		l := f()
		if err := l.Adapt(texts); err != nil {
			t.Fatal(err)
		}
		b, err := layers.MarshalLayer(l, "text_vectorization")
		if err != nil {
			t.Fatal(err)
		}
		d, name, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, b)
		}
		got := d.(*layers.TextVectorization)
		if name != "text_vectorization" || !slices.Equal(got.GetVocabulary(true), l.GetVocabulary(true)) {
			t.Errorf("case %d: decoded %q with %q, want %q", i, name, got.GetVocabulary(true), l.GetVocabulary(true))
		}
		probe := append(texts, "an unseen CAT")
		if a, b := vectorize(t, l, probe...), vectorize(t, got, probe...); !reflect.DeepEqual(a, b) {
			t.Errorf("case %d: decoded layer gives %v, the original %v", i, b, a)
		}
		b2, err := layers.MarshalLayer(got, "text_vectorization")
		if err != nil || string(b2) != string(b) {
			t.Errorf("case %d: config changed in the round trip:\n%s\n%s", i, b, b2)
		}
		if err := got.Adapt([]string{"new words"}); err != nil {
			t.Errorf("case %d: an adapted layer, decoded, does not adapt: %v", i, err)
		}
	}
	given := &layers.TextVectorization{Vocabulary: []string{"x", "y"}, OutputSequenceLength: 3}
	b, err := layers.MarshalLayer(given, "tv")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"vocabulary":["","[UNK]","x","y"]`, `"has_input_vocabulary":true`, `"vocabulary_size":4`, `"standardize":"lower_and_strip_punctuation"`, `"ngrams":null`, `"output_sequence_length":3`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("config %s lacks %s", b, key)
		}
	}
	d, _, err := layers.UnmarshalLayer(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.(*layers.TextVectorization).Adapt([]string{"z"}); err == nil {
		t.Error("a decoded layer with a given vocabulary adapts")
	}
}

func TestTextVectorizationBadConfig(t *testing.T) {
	base := `{"class_name":"TextVectorization","config":{"name":"t",`
	cases := []struct{ cfg, want string }{
		{`"max_tokens":1}}`, "max_tokens: must be greater than 1"},
		{`"max_tokens":1099511627776,"pad_to_max_tokens":true,"output_mode":"tf_idf","vocabulary":["a"],"idf_weights":[1,1]}}`, "is over 2^24"},
		{`"standardize":"none"}}`, `standardize: unknown value "none"`},
		{`"split":"tabs"}}`, `unknown Split "tabs"`},
		{`"ngrams":[2,0]}}`, "ngrams: want positive integers"},
		{`"ngrams":"2"}}`, "ngrams: want null, an integer or a list"},
		{`"ngrams":2.5}}`, "ngrams: want a positive integer"},
		{`"output_mode":"count","output_sequence_length":4}}`, "only valid in \"int\" mode"},
		{`"sparse":true}}`, "sparse"},
		{`"ragged":true}}`, "ragged"},
		{`"encoding":"utf-16"}}`, "encoding"},
		{`"vocabulary":["a","a"]}}`, "vocabulary: layers: TextVectorization: the vocabulary repeats"},
		{`"vocabulary":["a"],"vocabulary_size":9}}`, "vocabulary_size: 9, but the vocabulary has 3 entries"},
		{`"vocabulary":null,"vocabulary_size":9}}`, "the config holds no vocabulary"},
		{`"idf_weights":[1]}}`, "idf_weights: given without a vocabulary"},
		{`"output_mode":"tf_idf","vocabulary":["a"]}}`, "idf weights"},
		{`"has_input_vocabulary":true}}`, "has_input_vocabulary: true without a vocabulary"},
		{`"vocabulary":[1]}}`, "vocabulary"},
		{`"unknown_key":1}}`, "unknown_key"},
	}
	for _, c := range cases {
		_, _, err := layers.UnmarshalLayer([]byte(base + c.cfg))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.cfg, err, c.want)
		}
	}
}

// Loading a config never panics, and whatever loads saves, plans and
// vectorizes without panicking.
func FuzzTextVectorizationConfig(f *testing.F) {
	for _, l := range []*layers.TextVectorization{
		{OutputSequenceLength: 4, Vocabulary: []string{"a", "b"}},
		{OutputMode: "tf_idf", Vocabulary: []string{"[UNK]", "a"}, IdfWeights: []float32{1, 2}, MaxTokens: 5, PadToMaxTokens: true},
		{OutputMode: "count", Split: "character", NgramWidths: []int{2, 1}, Standardize: "none"},
		{OutputMode: "multi_hot", Ngrams: 3, MaxTokens: 3},
	} {
		b, err := layers.MarshalLayer(l, "x")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "a b ab, A!")
	}
	f.Fuzz(func(t *testing.T, b []byte, text string) {
		l, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			return
		}
		tv, ok := l.(*layers.TextVectorization)
		if !ok {
			return
		}
		if _, err := layers.MarshalLayer(tv, "x"); err != nil {
			t.Fatalf("a decoded layer does not save: %v", err)
		}
		if out, _, err := tv.Plan([]int{1}); err == nil && len(out) == 1 && out[0] < 1<<16 {
			if _, err := tv.Build([]int{1}, nil); err != nil {
				t.Fatalf("Plan succeeds, Build fails: %v", err)
			}
			dst := tensor.Zeros(2, out[0])
			if err := tv.VectorizeInto(dst, []string{text, ""}); err != nil && !strings.Contains(err.Error(), "idf") {
				t.Fatalf("VectorizeInto: %v", err)
			}
		}
		_, _ = tv.Vectorize([]string{text})
		_ = tv.GetVocabulary(true)
		_ = tv.Adapt([]string{text})
	})
}

// BenchmarkTextVectorization vectorizes a batch of 32 texts of 230 words
// (an IMDB review's average length) into 200 indices, with a vocabulary of
// 20,000 tokens: the work a model with a text input does per step.
func BenchmarkTextVectorization(b *testing.B) {
	words := make([]string, 30000)
	for i := range words {
		words[i] = fmt.Sprintf("Word%d,", i)
	}
	texts := make([]string, 32)
	for i := range texts {
		var sb strings.Builder
		for j := range 230 {
			sb.WriteString(words[(i*7919+j*j*31)%len(words)])
			sb.WriteByte(' ')
		}
		texts[i] = sb.String()
	}
	l := &layers.TextVectorization{MaxTokens: 20000, OutputSequenceLength: 200}
	if err := l.Adapt(words); err != nil {
		b.Fatal(err)
	}
	if _, err := l.Build([]int{1}, nil); err != nil {
		b.Fatal(err)
	}
	dst := tensor.Zeros(32, 200)
	b.ReportAllocs()
	for b.Loop() {
		if err := l.VectorizeInto(dst, texts); err != nil {
			b.Fatal(err)
		}
	}
}
