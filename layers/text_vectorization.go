package layers

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/neuron-go/neuron/tensor"
)

// The special tokens of TextVectorization's vocabulary, as Keras's: the
// padding (mask) token "" at index 0 in "int" mode, then the
// out-of-vocabulary token.
const (
	PaddingToken = ""
	OOVToken     = "[UNK]"
)

// StringLayer is implemented by layers that take texts instead of numbers
// (TextVectorization). When such a layer is the only one a model input
// feeds, Fit, Evaluate and Predict take a models.StringArray
// (data.Strings) for that input: the model turns each batch of texts into
// numbers with VectorizeInto and runs its other layers on the result, so
// a saved model predicts from raw text.
type StringLayer interface {
	Layer
	// VectorizeInto writes the vectorized texts into dst, of shape
	// (len(texts), out...) with out the shape Build returned.
	VectorizeInto(dst *tensor.Tensor, texts []string) error
}

// TextVectorization maps texts to token indices or token counts, as
// Keras's keras.layers.TextVectorization does. Each text is
//
//  1. standardized (Standardize): "lower_and_strip_punctuation" (the
//     default) lowercases ASCII letters and deletes ASCII punctuation
//     (the 32 characters of Python's string.punctuation), as Keras's
//     tf.strings.lower and regex_replace do; letters outside ASCII keep
//     their case, as in TensorFlow;
//  2. split (Split): "whitespace" (the default) on runs of ASCII white
//     space (space, \t, \n, \v, \f, \r), dropping empty pieces as
//     tf.strings.split does; "character" into Unicode characters, white
//     space included (a byte that is not UTF-8 becomes U+FFFD);
//  3. joined into ngrams (Ngrams, NgramWidths), each width in turn, the
//     tokens joined by one space as tf.strings.ngrams does;
//  4. looked up in the vocabulary and output (OutputMode): "int" (the
//     default) gives the token indices, padded with 0 or cut after
//     OutputSequenceLength tokens; "multi_hot", "count" and "tf_idf" give
//     one value per vocabulary entry.
//
// The vocabulary comes from Adapt, from Vocabulary or from SetVocabulary.
// In "int" mode index 0 is the padding token "" and 1 the
// out-of-vocabulary token "[UNK]", so the learned tokens start at 2; in
// the other modes index 0 is "[UNK]".
//
// # Strings in and out of a model
//
// neuron's tensors hold float32, so texts cannot flow through a model's
// graph. The layer offers the two ways Keras's documentation shows:
//
//   - Outside the model, like Keras's dataset.map(vectorize_layer):
//     x, err := vec.Vectorize(texts) gives the (len(texts), L) tensor of
//     indices that a model starting with Embedding trains on. This is what
//     Keras recommends for training, and what keeps a training step free
//     of string work.
//   - Inside the model, as Keras's end-to-end model: make the layer the
//     first of a Sequential, or apply it to models.Input([]int{1}, …), and
//     give Fit, Evaluate and Predict a data.Strings. The model vectorizes
//     each batch with the layer before running the rest, and Save writes
//     the vocabulary into the model file, so a loaded model predicts from
//     raw text: Predict(data.Strings{"some text"}, …).
//
// Inside a model the output needs a fixed shape: "int" mode needs
// OutputSequenceLength, and the other modes a vocabulary (or
// PadToMaxTokens) when the model is built.
//
// Shapes: (batch, 1) texts → (batch, OutputSequenceLength) in "int" mode,
// or (batch, depth) with depth the vocabulary size (MaxTokens with
// PadToMaxTokens).
//
// Keras's callables for standardize and split, sparse and ragged outputs,
// and vocabulary files are not supported.
type TextVectorization struct {
	// MaxTokens caps the vocabulary, special tokens included; 0 means no
	// cap (Keras's None). It must be > 1 if set.
	MaxTokens int
	// Standardize is "lower_and_strip_punctuation" (the zero value,
	// Keras's default), "lower", "strip_punctuation" or "none" (Keras's
	// None).
	Standardize string
	// Split is "whitespace" (the zero value, Keras's default),
	// "character" or "none" (Keras's None: the whole text is one token).
	Split string
	// Ngrams, if > 0, makes the ngrams of every width from 1 to Ngrams
	// (Keras's ngrams=n).
	Ngrams int
	// NgramWidths makes the ngrams of these widths only, in this order
	// (Keras's ngrams=(2, 3)); it excludes Ngrams.
	NgramWidths []int
	// OutputMode is "int" (the zero value, Keras's default),
	// "multi_hot" (Keras's older name "binary" is accepted), "count" or
	// "tf_idf" ("tf-idf").
	OutputMode string
	// OutputSequenceLength pads or cuts "int" output to this many
	// indices; 0 means Keras's None (the longest text of the batch, for
	// Vectorize only). Only "int" mode takes it.
	OutputSequenceLength int
	// PadToMaxTokens makes the "multi_hot", "count" and "tf_idf" outputs
	// MaxTokens wide whatever the vocabulary's size; it needs MaxTokens.
	PadToMaxTokens bool
	// Vocabulary, if set, is the vocabulary, as Keras's vocabulary
	// argument: the tokens, optionally preceded by the special tokens
	// ("" and "[UNK]" in "int" mode, "[UNK]" otherwise). A layer given
	// one cannot be adapted.
	Vocabulary []string
	// IdfWeights are the inverse document frequencies of Vocabulary's
	// entries, one each; "tf_idf" mode with a Vocabulary needs them.
	IdfWeights []float32
	// Encoding is "utf-8", the only encoding supported (the zero value
	// means it).
	Encoding string

	mu    sync.Mutex
	vocab *textVocab // nil until the layer first needs it
	built *textSettings
	depth int // the output width Build saw, in the counting modes
	pool  sync.Pool
}

// textVocab is a vocabulary; it is replaced whole, never changed, so a
// reader holding one needs no lock.
type textVocab struct {
	tokens []string // the learned or given tokens, without special tokens
	index  map[string]int32
	start  int       // the index of tokens[0]: 2 in "int" mode, 1 otherwise
	idf    []float32 // "tf_idf": one weight per index (up to MaxTokens with PadToMaxTokens)
	input  bool      // from the Vocabulary field: Adapt is refused
	set    bool      // given or adapted, as opposed to the empty start
}

func (v *textVocab) size() int { return v.start + len(v.tokens) }

// maxVocabulary bounds the vocabulary: indices are float32 values, exact
// up to 2^24.
const maxVocabulary = 1 << 24

// textSettings are the layer's checked fields.
type textSettings struct {
	lower, strip bool
	split        string // "whitespace", "character" or "" (none)
	widths       []int
	mode         string // "int", "multi_hot", "count", "tf_idf"
	seqLen       int
	maxTokens    int
	padToMax     bool
}

func (s *textSettings) intMode() bool { return s.mode == "int" }

func (s *textSettings) tokenStart() int {
	if s.intMode() {
		return 2
	}
	return 1
}

// ClassName implements Layer.
func (*TextVectorization) ClassName() string { return "TextVectorization" }

// ModelInputShape implements InputShaper: one text per example, Keras's
// keras.Input(shape=(1,), dtype="string").
func (*TextVectorization) ModelInputShape() []int { return []int{1} }

func tvErr(format string, a ...any) error {
	return fmt.Errorf("layers: TextVectorization: "+format, a...)
}

// settings checks the fields.
func (l *TextVectorization) settings() (*textSettings, error) {
	s := &textSettings{maxTokens: l.MaxTokens, seqLen: l.OutputSequenceLength, padToMax: l.PadToMaxTokens}
	switch l.Standardize {
	case "", "lower_and_strip_punctuation":
		s.lower, s.strip = true, true
	case "lower":
		s.lower = true
	case "strip_punctuation":
		s.strip = true
	case "none":
	default:
		return nil, tvErr(`unknown Standardize %q (want "lower_and_strip_punctuation", "lower", "strip_punctuation" or "none")`, l.Standardize)
	}
	switch l.Split {
	case "", "whitespace":
		s.split = "whitespace"
	case "character":
		s.split = "character"
	case "none":
	default:
		return nil, tvErr(`unknown Split %q (want "whitespace", "character" or "none")`, l.Split)
	}
	switch l.OutputMode {
	case "", "int":
		s.mode = "int"
	case "multi_hot", "binary":
		s.mode = "multi_hot"
	case "count":
		s.mode = "count"
	case "tf_idf", "tf-idf":
		s.mode = "tf_idf"
	case "one_hot":
		return nil, tvErr(`OutputMode "one_hot" is not supported (Keras documents "int", "multi_hot", "count" and "tf_idf" for this layer)`)
	default:
		return nil, tvErr(`unknown OutputMode %q (want "int", "multi_hot", "count" or "tf_idf")`, l.OutputMode)
	}
	switch {
	case l.MaxTokens < 0 || l.MaxTokens == 1:
		return nil, tvErr("MaxTokens must be greater than 1 (or 0 for no cap), got %d", l.MaxTokens)
	case l.MaxTokens > maxVocabulary:
		return nil, tvErr("MaxTokens %d is over 2^24, the largest index a float32 holds exactly", l.MaxTokens)
	case l.PadToMaxTokens && l.MaxTokens == 0:
		return nil, tvErr("PadToMaxTokens needs MaxTokens")
	case l.OutputSequenceLength < 0:
		return nil, tvErr("OutputSequenceLength must be >= 0 (0: Keras's None), got %d", l.OutputSequenceLength)
	case l.OutputSequenceLength > 0 && s.mode != "int":
		return nil, tvErr("OutputSequenceLength %d is only valid in \"int\" mode, not %q", l.OutputSequenceLength, s.mode)
	case l.Ngrams < 0:
		return nil, tvErr("Ngrams must be >= 0 (0: Keras's None), got %d", l.Ngrams)
	case l.Ngrams > 0 && l.NgramWidths != nil:
		return nil, tvErr("set Ngrams (%d) or NgramWidths (%v), not both", l.Ngrams, l.NgramWidths)
	case l.Encoding != "" && l.Encoding != "utf-8":
		return nil, tvErr("Encoding %q is not supported (only \"utf-8\")", l.Encoding)
	case l.IdfWeights != nil && s.mode != "tf_idf":
		return nil, tvErr("IdfWeights are only valid in \"tf_idf\" mode, not %q", s.mode)
	case l.IdfWeights != nil && l.Vocabulary == nil:
		return nil, tvErr("IdfWeights need the Vocabulary they weigh")
	case s.mode == "tf_idf" && l.Vocabulary != nil && l.IdfWeights == nil:
		return nil, tvErr("in \"tf_idf\" mode a Vocabulary needs its IdfWeights")
	}
	if l.NgramWidths != nil {
		if len(l.NgramWidths) == 0 {
			return nil, tvErr("NgramWidths is empty")
		}
		for _, w := range l.NgramWidths {
			if w < 1 {
				return nil, tvErr("NgramWidths must be >= 1, got %v", l.NgramWidths)
			}
		}
		s.widths = slices.Clone(l.NgramWidths)
	}
	for w := 1; w <= l.Ngrams; w++ {
		s.widths = append(s.widths, w)
	}
	return s, nil
}

// state returns the settings and the vocabulary, made from the
// Vocabulary field (or empty) the first time.
func (l *TextVectorization) state() (*textSettings, *textVocab, error) {
	s, err := l.settings()
	if err != nil {
		return nil, nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.vocab != nil && l.vocab.start != s.tokenStart() {
		return nil, nil, tvErr("OutputMode is %q, but the vocabulary was made in another mode, which numbers the tokens from %d; set OutputMode before the vocabulary", s.mode, l.vocab.start)
	}
	if l.vocab == nil {
		v := &textVocab{start: s.tokenStart(), index: map[string]int32{}}
		if l.Vocabulary != nil {
			if v, err = newVocab(s, l.Vocabulary, l.IdfWeights); err != nil {
				return nil, nil, err
			}
			v.input = true
		}
		l.vocab = v
	}
	return s, l.vocab, nil
}

// newVocab checks a vocabulary (and its weights) as Keras's set_vocabulary
// does.
func newVocab(s *textSettings, vocab []string, idf []float32) (*textVocab, error) {
	switch {
	case s.mode == "tf_idf" && idf == nil:
		return nil, tvErr(`in "tf_idf" mode the vocabulary needs its idf weights`)
	case s.mode != "tf_idf" && idf != nil:
		return nil, tvErr("idf weights are only valid in \"tf_idf\" mode, not %q", s.mode)
	case len(vocab) == 0:
		return nil, tvErr("the vocabulary is empty")
	}
	start := s.tokenStart()
	special := []string{PaddingToken, OOVToken}[2-start:]
	tokens := vocab
	found := len(vocab) >= start && slices.Equal(vocab[:start], special)
	if found {
		tokens = vocab[start:]
	}
	v := &textVocab{tokens: slices.Clone(tokens), index: make(map[string]int32, len(tokens)), start: start, set: true}
	var repeated []string
	for i, t := range tokens {
		if t == PaddingToken {
			return nil, tvErr("the vocabulary holds the padding token \"\" at index %d; give the tokens alone, or preceded by exactly %q", i+len(vocab)-len(tokens), special)
		}
		if _, dup := v.index[t]; dup {
			if !slices.Contains(repeated, t) {
				repeated = append(repeated, t)
			}
			continue
		}
		v.index[t] = int32(start + i)
	}
	if repeated != nil {
		return nil, tvErr("the vocabulary repeats the tokens %q", repeated)
	}
	if s.maxTokens > 0 && v.size() > s.maxTokens {
		return nil, tvErr("the vocabulary has %d entries with the special tokens, over MaxTokens %d", v.size(), s.maxTokens)
	}
	if v.size() > maxVocabulary {
		return nil, tvErr("the vocabulary has %d entries, over 2^24, the largest index a float32 holds exactly", v.size())
	}
	if idf != nil {
		if len(idf) != len(vocab) {
			return nil, tvErr("%d idf weights for a vocabulary of %d entries; want one each", len(idf), len(vocab))
		}
		for i, w := range idf {
			if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
				return nil, tvErr("idf weight %d is %v; want a finite number", i, w)
			}
		}
		// Without the special tokens, Keras gives them the mean weight.
		w := idf
		if !found {
			var sum float64
			for _, x := range idf {
				sum += float64(x)
			}
			w = append(slices.Repeat([]float32{float32(sum / float64(len(idf)))}, start), idf...)
		}
		v.idf = padIdf(s, w)
	}
	return v, nil
}

// padIdf pads the weights with zeros to MaxTokens under PadToMaxTokens.
func padIdf(s *textSettings, w []float32) []float32 {
	n := len(w)
	if s.padToMax && s.maxTokens > n {
		n = s.maxTokens
	}
	out := make([]float32, n)
	copy(out, w)
	return out
}

// GetVocabulary returns the vocabulary, index by index, with the special
// tokens ("" and "[UNK]" in "int" mode, "[UNK]" otherwise) if
// includeSpecialTokens is true, as Keras's get_vocabulary. It is nil if
// the layer's fields are invalid (Build, Adapt and Vectorize say why).
func (l *TextVectorization) GetVocabulary(includeSpecialTokens bool) []string {
	s, v, err := l.state()
	if err != nil {
		return nil
	}
	if !includeSpecialTokens {
		return slices.Clone(v.tokens)
	}
	return append([]string{PaddingToken, OOVToken}[2-s.tokenStart():], v.tokens...)
}

// VocabularySize returns the number of indices, special tokens included,
// as Keras's vocabulary_size; 0 if the fields are invalid.
func (l *TextVectorization) VocabularySize() int {
	_, v, err := l.state()
	if err != nil {
		return 0
	}
	return v.size()
}

// SetVocabulary replaces the vocabulary, as Keras's set_vocabulary:
// vocabulary holds the tokens, optionally preceded by the special tokens,
// without repeats and within MaxTokens; idfWeights, one per entry of
// vocabulary, are required in "tf_idf" mode and refused in the others.
// Without the special tokens, their weight is the mean of idfWeights, as
// in Keras.
func (l *TextVectorization) SetVocabulary(vocabulary []string, idfWeights []float32) error {
	s, _, err := l.state()
	if err != nil {
		return err
	}
	v, err := newVocab(s, vocabulary, idfWeights)
	if err != nil {
		return err
	}
	l.mu.Lock()
	v.input = l.vocab.input
	l.vocab = v
	l.mu.Unlock()
	return nil
}

// Adapt computes the vocabulary from texts, as Keras's adapt: the tokens
// (after standardizing, splitting and ngrams) ordered by how often they
// occur, most frequent first, ties broken by the tokens themselves in
// descending byte order (Keras sorts with np.lexsort((tokens, counts))
// and reverses), the special tokens left out, the rest cut to MaxTokens
// minus the special tokens. In "tf_idf" mode it also sets each token's
// weight to Keras's log(1 + documents / (1 + documents holding it)),
// in float64 rounded to float32, and the out-of-vocabulary weight to the
// mean of those.
//
// As in Keras, texts that hold no token at all leave the vocabulary as it
// was. It is an error to adapt a layer given a Vocabulary, or on no texts.
func (l *TextVectorization) Adapt(texts []string) error {
	if len(texts) == 0 {
		return tvErr("Adapt: no texts")
	}
	return l.AdaptSeq(slices.Values(texts))
}

// AdaptSeq is Adapt over texts that come one at a time, read once.
func (l *TextVectorization) AdaptSeq(texts iter.Seq[string]) error {
	if texts == nil {
		return tvErr("AdaptSeq: texts is nil")
	}
	s, old, err := l.state()
	if err != nil {
		return err
	}
	if old.input {
		return tvErr("Adapt: the layer was given a Vocabulary; a fixed vocabulary cannot be adapted")
	}
	var (
		index   = map[string]int32{}
		keys    []string
		counts  []int64
		docFreq []int64
		lastDoc []int64
		docs    int64
	)
	sc := newTextScratch()
	for text := range texts {
		docs++
		sc.tokenize(s, text)
		for i := range sc.ends {
			tok := sc.token(i)
			k, ok := index[string(tok)]
			if !ok {
				k = int32(len(keys))
				key := string(tok)
				index[key] = k
				keys = append(keys, key)
				counts = append(counts, 0)
				docFreq = append(docFreq, 0)
				lastDoc = append(lastDoc, 0)
			}
			counts[k]++
			if lastDoc[k] != docs {
				lastDoc[k] = docs
				docFreq[k]++
			}
		}
	}
	if docs == 0 {
		return tvErr("Adapt: no texts")
	}
	if len(keys) == 0 {
		if s.mode == "tf_idf" && old.idf == nil {
			return tvErr("Adapt: the texts hold no tokens, and \"tf_idf\" mode needs some to weigh")
		}
		kept := *old
		kept.set = true
		l.mu.Lock()
		l.vocab = &kept
		l.mu.Unlock()
		return nil
	}
	order := make([]int32, 0, len(keys))
	for k, t := range keys {
		if t != PaddingToken && t != OOVToken {
			order = append(order, int32(k))
		}
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return strings.Compare(keys[b], keys[a])
	})
	start := s.tokenStart()
	if s.maxTokens > 0 && len(order) > s.maxTokens-start {
		order = order[:s.maxTokens-start]
	}
	if len(order) > maxVocabulary-start {
		return tvErr("Adapt: the texts hold %d distinct tokens, over 2^24, the largest index a float32 holds exactly; set MaxTokens", len(order))
	}
	v := &textVocab{tokens: make([]string, len(order)), index: make(map[string]int32, len(order)), start: start, set: true}
	for i, k := range order {
		v.tokens[i] = keys[k]
		v.index[keys[k]] = int32(start + i)
	}
	if s.mode == "tf_idf" {
		if len(order) == 0 {
			return tvErr("Adapt: the texts hold only the special tokens %q and %q, and \"tf_idf\" mode needs others to weigh", PaddingToken, OOVToken)
		}
		w := make([]float32, start+len(order))
		var sum float64
		for i, k := range order {
			w[start+i] = float32(math.Log(1 + float64(docs)/float64(1+docFreq[k])))
			sum += float64(w[start+i])
		}
		w[0] = float32(sum / float64(len(order)))
		v.idf = padIdf(s, w)
	}
	l.mu.Lock()
	l.vocab = v
	l.mu.Unlock()
	return nil
}

// textScratch holds one text's tokens: their bytes end to end in buf,
// token i ending at ends[i]; std holds the standardized text.
type textScratch struct {
	std, buf []byte
	ends     []int
	ids      []int32
}

func newTextScratch() *textScratch { return &textScratch{} }

func (sc *textScratch) token(i int) []byte {
	lo := 0
	if i > 0 {
		lo = sc.ends[i-1]
	}
	return sc.buf[lo:sc.ends[i]]
}

// asciiPunct marks the characters Keras's standardization deletes:
// r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']', Python's
// string.punctuation.
var asciiPunct = func() (m [256]bool) {
	for _, c := range "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" {
		m[c] = true
	}
	return m
}()

// asciiLower maps A-Z to a-z and every other byte to itself, as
// tf.strings.lower does without an encoding.
var asciiLower = func() (m [256]byte) {
	for i := range m {
		m[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			m[i] += 'a' - 'A'
		}
	}
	return m
}()

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// tokenize fills sc with the tokens of text: standardized, split and made
// into ngrams.
func (sc *textScratch) tokenize(s *textSettings, text string) {
	std := slices.Grow(sc.std[:0], len(text))[:len(text)]
	n := 0
	switch {
	case s.strip && s.lower:
		for i := 0; i < len(text); i++ {
			if c := text[i]; !asciiPunct[c] {
				std[n] = asciiLower[c]
				n++
			}
		}
	case s.strip:
		for i := 0; i < len(text); i++ {
			if c := text[i]; !asciiPunct[c] {
				std[n] = c
				n++
			}
		}
	case s.lower:
		for i := 0; i < len(text); i++ {
			std[i] = asciiLower[text[i]]
		}
		n = len(text)
	default:
		n = copy(std, text)
	}
	std = std[:n]
	sc.std = std
	buf, ends := sc.buf[:0], sc.ends[:0]
	switch s.split {
	case "whitespace":
		for i := 0; i < len(std); {
			for i < len(std) && asciiSpace(std[i]) {
				i++
			}
			j := i
			for j < len(std) && !asciiSpace(std[j]) {
				j++
			}
			if j > i {
				buf = append(buf, std[i:j]...)
				ends = append(ends, len(buf))
			}
			i = j
		}
	case "character":
		for i := 0; i < len(std); {
			r, n := utf8.DecodeRune(std[i:])
			if r == utf8.RuneError && n == 1 {
				buf = utf8.AppendRune(buf, utf8.RuneError)
			} else {
				buf = append(buf, std[i:i+n]...)
			}
			ends = append(ends, len(buf))
			i += n
		}
	default:
		buf = append(buf, std...)
		ends = append(ends, len(buf))
	}
	sc.buf, sc.ends = buf, ends
	if s.widths == nil {
		return
	}
	// Ngrams go after the tokens in buf; then they replace them.
	n = len(ends)
	base := len(buf)
	for _, w := range s.widths {
		for i := 0; i+w <= n; i++ {
			for j := i; j < i+w; j++ {
				if j > i {
					buf = append(buf, ' ')
				}
				lo := 0
				if j > 0 {
					lo = ends[j-1]
				}
				buf = append(buf, buf[lo:ends[j]]...)
			}
			ends = append(ends, len(buf))
		}
	}
	m := copy(buf, buf[base:])
	buf = buf[:m]
	k := copy(ends, ends[n:])
	ends = ends[:k]
	for i := range ends {
		ends[i] -= base
	}
	sc.buf, sc.ends = buf, ends
}

// lookup fills sc.ids with the indices of sc's tokens: the padding token
// maps to 0 in "int" mode and is dropped in the others; a token outside
// the vocabulary maps to the OOV index. In "int" mode it stops after
// limit tokens, those the output keeps (limit < 0: all).
func (sc *textScratch) lookup(s *textSettings, v *textVocab, limit int) {
	ids := sc.ids[:0]
	oov := int32(v.start - 1)
	n := len(sc.ends)
	if s.intMode() && limit >= 0 {
		n = min(n, limit)
	}
	for i := range n {
		tok := sc.token(i)
		if len(tok) == 0 {
			if s.intMode() {
				ids = append(ids, 0)
			}
			continue
		}
		id, ok := v.index[string(tok)]
		if !ok {
			id = oov
		}
		ids = append(ids, id)
	}
	sc.ids = ids
}

// depth is the output width of the counting modes.
func (s *textSettings) depth(v *textVocab) int {
	if s.padToMax {
		return s.maxTokens
	}
	return v.size()
}

// Plan implements Planner.
func (l *TextVectorization) Plan(in []int) ([]int, []WeightShape, error) {
	s, v, err := l.state()
	if err != nil {
		return nil, nil, err
	}
	if len(in) != 1 || in[0] != 1 {
		return nil, nil, tvErr("takes one text per example, per-example shape [1] (data.Strings, or models.Input([]int{1}, …)); got %v", in)
	}
	if s.intMode() {
		if s.seqLen == 0 {
			return nil, nil, tvErr("inside a model, \"int\" mode needs OutputSequenceLength: without it the output is as long as the batch's longest text, which no fixed shape holds (use Vectorize outside the model)")
		}
		return []int{s.seqLen}, nil, nil
	}
	if !v.set && !s.padToMax {
		return nil, nil, tvErr("in %q mode the output is as wide as the vocabulary: Adapt the layer or set its Vocabulary before building the model (or set PadToMaxTokens)", s.mode)
	}
	return []int{s.depth(v)}, nil, nil
}

// Build implements Layer.
func (l *TextVectorization) Build(in []int, _ *rand.Rand) ([]int, error) {
	out, _, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	s, _, err := l.state()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.built = s
	l.depth = out[0]
	l.mu.Unlock()
	return out, nil
}

// Call implements Layer. A model's graph holds numbers, never texts, so it
// panics with a *tensor.ShapeError, which the model returns as an error:
// the model calls VectorizeInto instead when its input is a
// data.Strings.
func (l *TextVectorization) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	panic(&tensor.ShapeError{Op: "TextVectorization", Shapes: [][]int{x.Shape()},
		Msg: "takes texts, not numbers: give the model a data.Strings for this input, or vectorize the texts first with Vectorize and start the model after this layer"})
}

// Weights implements Layer: the layer has none; its vocabulary is part of
// its config.
func (*TextVectorization) Weights() []*Weight { return nil }

// Vectorize turns texts into a tensor, as calling Keras's layer on a
// batch of strings: (len(texts), L) indices in "int" mode, L being
// OutputSequenceLength or else the longest text's token count, or
// (len(texts), depth) values in the other modes. It is safe to call from
// several goroutines while the vocabulary does not change.
func (l *TextVectorization) Vectorize(texts []string) (*tensor.Tensor, error) {
	s, v, err := l.state()
	if err != nil {
		return nil, err
	}
	if s.mode == "tf_idf" && v.idf == nil {
		return nil, tvErr("\"tf_idf\" mode needs idf weights: Adapt the layer or give its Vocabulary with IdfWeights")
	}
	if !s.intMode() && !v.set && !s.padToMax {
		return nil, tvErr("in %q mode, set the layer's vocabulary (Adapt, Vocabulary or SetVocabulary) before vectorizing, or set PadToMaxTokens", s.mode)
	}
	sc := l.scratch()
	defer l.pool.Put(sc)
	width := s.seqLen
	if !s.intMode() {
		width = s.depth(v)
	} else if width == 0 {
		for _, t := range texts {
			sc.tokenize(s, t)
			width = max(width, len(sc.ends)) // in "int" mode every token gives an index
		}
	}
	if len(texts) > 0 && width > math.MaxInt32/len(texts) {
		return nil, tvErr("%d texts of %d values each are over 2³¹ values", len(texts), width)
	}
	out := tensor.Zeros(len(texts), width)
	l.fill(s, v, sc, out.Data(), width, texts)
	return out, nil
}

// VectorizeInto implements StringLayer, for a model's batches: dst must
// have the shape Build gave, and the vocabulary the size it had then.
func (l *TextVectorization) VectorizeInto(dst *tensor.Tensor, texts []string) error {
	l.mu.Lock()
	s, v, depth := l.built, l.vocab, l.depth
	l.mu.Unlock()
	if s == nil {
		return tvErr("VectorizeInto before Build")
	}
	width := s.seqLen
	if !s.intMode() {
		width = s.depth(v)
		if width != depth {
			return tvErr("the vocabulary has %d entries now but had %d when the model was built; in %q mode without PadToMaxTokens it must not change after building", width, depth, s.mode)
		}
		if s.mode == "tf_idf" && v.idf == nil {
			return tvErr("\"tf_idf\" mode needs idf weights: Adapt the layer or give its Vocabulary with IdfWeights")
		}
	}
	if dst.Rank() != 2 || dst.Dim(0) != len(texts) || dst.Dim(1) != width {
		return tvErr("VectorizeInto: dst has shape %v, want [%d %d]", dst.Shape(), len(texts), width)
	}
	sc := l.scratch()
	defer l.pool.Put(sc)
	d := dst.Data()
	clear(d)
	l.fill(s, v, sc, d, width, texts)
	return nil
}

func (l *TextVectorization) scratch() *textScratch {
	if sc, ok := l.pool.Get().(*textScratch); ok {
		return sc
	}
	return newTextScratch()
}

// fill writes the rows of texts into d, which is zero, width values each.
func (l *TextVectorization) fill(s *textSettings, v *textVocab, sc *textScratch, d []float32, width int, texts []string) {
	for r, t := range texts {
		sc.tokenize(s, t)
		sc.lookup(s, v, width)
		row := d[r*width : (r+1)*width]
		switch s.mode {
		case "int":
			for i, id := range sc.ids[:min(len(sc.ids), width)] {
				row[i] = float32(id)
			}
		case "multi_hot":
			for _, id := range sc.ids {
				row[id] = 1
			}
		default: // count, tf_idf
			for _, id := range sc.ids {
				row[id]++
			}
			if s.mode == "tf_idf" {
				for i := range row {
					if row[i] != 0 {
						row[i] *= v.idf[i]
					}
				}
			}
		}
	}
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be. The vocabulary, adapted or given, travels in the
// config's "vocabulary" with its special tokens (Keras keeps an adapted
// one in the .keras file's assets instead), and "has_input_vocabulary",
// which Keras's constructor also takes, says whether it was given.
func init() { Register("TextVectorization", decodeTextVectorization) }

type textVectorizationConfig struct {
	MaxTokens            *int       `json:"max_tokens"`
	Standardize          *string    `json:"standardize"`
	Split                *string    `json:"split"`
	Ngrams               *ngramsArg `json:"ngrams"`
	OutputMode           string     `json:"output_mode"`
	OutputSequenceLength *int       `json:"output_sequence_length"`
	PadToMaxTokens       bool       `json:"pad_to_max_tokens"`
	Sparse               bool       `json:"sparse"`
	Ragged               bool       `json:"ragged"`
	Vocabulary           *[]string  `json:"vocabulary"`
	IdfWeights           *[]float32 `json:"idf_weights"`
	Encoding             string     `json:"encoding"`
	VocabularySize       *int       `json:"vocabulary_size"`
	HasInputVocabulary   *bool      `json:"has_input_vocabulary,omitempty"`
}

// ngramsArg is Keras's ngrams: null, an integer or a list of integers.
type ngramsArg struct {
	n      int
	widths []int
}

// MarshalJSON implements json.Marshaler.
func (a ngramsArg) MarshalJSON() ([]byte, error) {
	switch {
	case a.widths != nil:
		return json.Marshal(a.widths)
	case a.n > 0:
		return json.Marshal(a.n)
	}
	return []byte("null"), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (a *ngramsArg) UnmarshalJSON(b []byte) error {
	var v any
	if err := DecodeConfig(b, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case nil:
		return nil
	case float64:
		if v != math.Trunc(v) || v < 1 || v > 1<<20 {
			return fmt.Errorf("ngrams: want a positive integer, got %v", v)
		}
		a.n = int(v)
		return nil
	case []any:
		a.widths = []int{}
		for _, e := range v {
			f, ok := e.(float64)
			if !ok || f != math.Trunc(f) || f < 1 || f > 1<<20 {
				return fmt.Errorf("ngrams: want positive integers, got %v", e)
			}
			a.widths = append(a.widths, int(f))
		}
		return nil
	}
	return fmt.Errorf("ngrams: want null, an integer or a list of integers, got %v", v)
}

func optString(s, def string) *string {
	switch s {
	case "none":
		return nil
	case "":
		s = def
	}
	return &s
}

func optInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// Config implements Configurable.
func (l *TextVectorization) Config() (any, error) {
	s, v, err := l.state()
	if err != nil {
		return nil, err
	}
	c := textVectorizationConfig{
		MaxTokens:            optInt(l.MaxTokens),
		Standardize:          optString(l.Standardize, "lower_and_strip_punctuation"),
		Split:                optString(l.Split, "whitespace"),
		OutputMode:           s.mode,
		OutputSequenceLength: optInt(l.OutputSequenceLength),
		PadToMaxTokens:       l.PadToMaxTokens,
		Encoding:             "utf-8",
	}
	if l.Ngrams > 0 || l.NgramWidths != nil {
		c.Ngrams = &ngramsArg{n: l.Ngrams, widths: l.NgramWidths}
	}
	size := v.size()
	c.VocabularySize = &size
	input := v.input
	c.HasInputVocabulary = &input
	if v.set {
		vocab := l.GetVocabulary(true)
		c.Vocabulary = &vocab
		if v.idf != nil {
			idf := slices.Clone(v.idf[:size])
			c.IdfWeights = &idf
		}
	}
	return c, nil
}

func decodeTextVectorization(b []byte) (Layer, error) {
	var c textVectorizationConfig
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	switch {
	case c.Sparse:
		return nil, errors.New("sparse: sparse outputs are not supported")
	case c.Ragged:
		return nil, errors.New("ragged: ragged outputs are not supported")
	case c.Encoding != "" && c.Encoding != "utf-8":
		return nil, fmt.Errorf("encoding: %q is not supported (only \"utf-8\")", c.Encoding)
	}
	l := &TextVectorization{OutputMode: c.OutputMode, PadToMaxTokens: c.PadToMaxTokens}
	if c.Ngrams != nil {
		l.Ngrams, l.NgramWidths = c.Ngrams.n, c.Ngrams.widths
	}
	if c.MaxTokens != nil {
		if *c.MaxTokens < 2 {
			return nil, fmt.Errorf("max_tokens: must be greater than 1 (or null), got %d", *c.MaxTokens)
		}
		l.MaxTokens = *c.MaxTokens
	}
	if c.OutputSequenceLength != nil {
		if *c.OutputSequenceLength < 1 {
			return nil, fmt.Errorf("output_sequence_length: must be >= 1 (or null), got %d", *c.OutputSequenceLength)
		}
		l.OutputSequenceLength = *c.OutputSequenceLength
	}
	l.Standardize, l.Split = "none", "none"
	if c.Standardize != nil {
		if *c.Standardize == "" || *c.Standardize == "none" {
			return nil, fmt.Errorf("standardize: unknown value %q", *c.Standardize)
		}
		l.Standardize = *c.Standardize
	}
	if c.Split != nil {
		if *c.Split == "" || *c.Split == "none" {
			return nil, fmt.Errorf("split: unknown value %q", *c.Split)
		}
		l.Split = *c.Split
	}
	s, err := l.settings()
	if err != nil {
		return nil, err
	}
	input := c.Vocabulary != nil
	if c.HasInputVocabulary != nil {
		input = *c.HasInputVocabulary
	}
	var idf []float32
	if c.IdfWeights != nil {
		idf = *c.IdfWeights
	}
	v := &textVocab{start: s.tokenStart(), index: map[string]int32{}}
	if c.Vocabulary != nil {
		if v, err = newVocab(s, *c.Vocabulary, idf); err != nil {
			return nil, fmt.Errorf("vocabulary: %w", err)
		}
	} else if idf != nil {
		return nil, errors.New("idf_weights: given without a vocabulary")
	} else if input {
		return nil, errors.New("has_input_vocabulary: true without a vocabulary")
	}
	if c.VocabularySize != nil && *c.VocabularySize != v.size() {
		if c.Vocabulary == nil {
			return nil, fmt.Errorf("vocabulary_size: %d, but the config holds no vocabulary (Keras keeps an adapted vocabulary in the .keras file's assets, which are not read)", *c.VocabularySize)
		}
		return nil, fmt.Errorf("vocabulary_size: %d, but the vocabulary has %d entries", *c.VocabularySize, v.size())
	}
	v.input = input
	if input {
		l.Vocabulary = v.withSpecial(s)
		l.IdfWeights = nil
		if v.idf != nil {
			l.IdfWeights = slices.Clone(v.idf[:v.size()])
		}
	}
	l.vocab = v
	return l, nil
}

// withSpecial returns the vocabulary with its special tokens.
func (v *textVocab) withSpecial(s *textSettings) []string {
	return append([]string{PaddingToken, OOVToken}[2-s.tokenStart():], v.tokens...)
}
