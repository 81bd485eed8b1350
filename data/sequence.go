package data

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/tensor"
)

// PadOptions are the arguments of PadSequences; the zero value is
// Keras's defaults.
type PadOptions struct {
	// MaxLen is the length of every output row; 0 means Keras's
	// maxlen=None, the length of the longest sequence.
	MaxLen int
	// Dtype is the NumPy type Keras converts the values to: "int32" (the
	// zero value, Keras's default), "int8", "int16", "int64", "uint8",
	// "uint16", "uint32", "uint64", "float32" or "float64". The result
	// is a float32 tensor either way; an integer type truncates fractions
	// toward zero first, as NumPy's cast does.
	Dtype string
	// Padding is where short sequences get Value: "pre" (the zero value,
	// Keras's default) or "post".
	Padding string
	// Truncating is where long sequences lose values: "pre" (the zero
	// value, Keras's default, keeps the last MaxLen) or "post" (keeps the
	// first MaxLen).
	Truncating string
	// Value fills the padding; Keras's default is 0.
	Value float64
}

// dtypeRange gives the values an integer dtype holds; float dtypes have
// none.
var dtypeRange = map[string][2]float64{
	"int8": {math.MinInt8, math.MaxInt8}, "int16": {math.MinInt16, math.MaxInt16},
	"int32": {math.MinInt32, math.MaxInt32}, "int64": {math.MinInt64, math.MaxInt64},
	"uint8": {0, math.MaxUint8}, "uint16": {0, math.MaxUint16},
	"uint32": {0, math.MaxUint32}, "uint64": {0, math.MaxUint64},
}

// PadSequences pads sequences to one length and returns them as the rows
// of a (len(sequences), maxlen) tensor, as keras.utils.pad_sequences
// (keras.preprocessing.sequence.pad_sequences) does:
//
//	PadSequences([][]int{{1}, {2, 3}, {4, 5, 6}}, PadOptions{})  // [[0 0 1] [0 2 3] [4 5 6]]
//
// A sequence shorter than maxlen is padded with Value before it ("pre")
// or after it ("post"); a longer one loses its first values ("pre") or
// its last ("post"). An empty sequence gives a row of Value.
//
// Where Keras would fail, or NumPy would wrap around silently, it returns
// an error naming the argument and the value: an unknown Dtype, Padding
// or Truncating, a negative MaxLen, no sequences with MaxLen 0 (NumPy's
// max of nothing), a NaN or a value outside an integer Dtype's range, and
// an integer beyond ±2²⁴, which the float32 result cannot hold exactly.
func PadSequences[T Number](sequences [][]T, opts PadOptions) (*tensor.Tensor, error) {
	dtype := opts.Dtype
	if dtype == "" {
		dtype = "int32"
	}
	rng, isInt := dtypeRange[dtype]
	if !isInt && dtype != "float32" && dtype != "float64" {
		return nil, fmt.Errorf("data: PadSequences: unknown Dtype %q (want int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32 or float64)", opts.Dtype)
	}
	pre, err := preOrPost("Padding", opts.Padding)
	if err != nil {
		return nil, err
	}
	truncPre, err := preOrPost("Truncating", opts.Truncating)
	if err != nil {
		return nil, err
	}
	maxlen := opts.MaxLen
	switch {
	case maxlen < 0:
		return nil, fmt.Errorf("data: PadSequences: MaxLen must be >= 0 (0: the longest sequence), got %d", maxlen)
	case maxlen == 0 && len(sequences) == 0:
		return nil, fmt.Errorf("data: PadSequences: no sequences, and MaxLen 0 asks for the longest one's length")
	case maxlen == 0:
		for _, s := range sequences {
			maxlen = max(maxlen, len(s))
		}
	}
	if len(sequences) > 0 && maxlen > math.MaxInt32/len(sequences) {
		return nil, fmt.Errorf("data: PadSequences: %d sequences of length %d are over 2³¹ values", len(sequences), maxlen)
	}
	// convert applies the dtype as NumPy's cast does, then checks that
	// the float32 result holds the value exactly (or, for floats, at all).
	// The message is made only on failure: where names the value.
	convert := func(v float64, where func() string) (float32, error) {
		if isInt {
			if math.IsNaN(v) {
				return 0, fmt.Errorf("data: PadSequences: %s is NaN, which %s cannot hold", where(), dtype)
			}
			t := math.Trunc(v)
			if t < rng[0] || t > rng[1] {
				return 0, fmt.Errorf("data: PadSequences: %s is %v, outside the range of %s", where(), v, dtype)
			}
			if math.Abs(t) > 1<<24 {
				return 0, fmt.Errorf("data: PadSequences: %s is %v; the float32 result holds integers exactly only up to 2^24", where(), v)
			}
			return float32(t), nil
		}
		f := float32(v)
		if dtype == "float64" && math.IsInf(float64(f), 0) && !math.IsInf(v, 0) {
			return 0, fmt.Errorf("data: PadSequences: %s is %v, beyond the float32 result's range", where(), v)
		}
		return f, nil
	}
	fill, err := convert(opts.Value, func() string { return "Value" })
	if err != nil {
		return nil, err
	}
	out := make([]float32, len(sequences)*maxlen)
	for i := range out {
		out[i] = fill
	}
	for i, s := range sequences {
		if len(s) > maxlen {
			if truncPre {
				s = s[len(s)-maxlen:]
			} else {
				s = s[:maxlen]
			}
		}
		row := out[i*maxlen : (i+1)*maxlen]
		if pre {
			row = row[maxlen-len(s):]
		}
		first := len(sequences[i]) - len(s) // where s starts in the sequence
		if !truncPre {
			first = 0
		}
		for j, v := range s {
			f, err := convert(float64(v), func() string { return fmt.Sprintf("sequences[%d][%d]", i, first+j) })
			if err != nil {
				return nil, err
			}
			row[j] = f
		}
	}
	return tensor.FromSlice(out, len(sequences), maxlen), nil
}

func preOrPost(field, v string) (bool, error) {
	switch v {
	case "", "pre":
		return true, nil
	case "post":
		return false, nil
	}
	return false, fmt.Errorf("data: PadSequences: %s must be \"pre\" or \"post\", got %q", field, v)
}
