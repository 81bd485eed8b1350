package layers

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// LayerNormalization normalizes each example over the axes Axis (the last
// by default) to zero mean and unit variance, then scales by gamma and
// shifts by beta, as Keras's LayerNormalization does:
//
//	y = gamma · (x − mean) / √(variance + Epsilon) + beta
//
// with the mean and (biased) variance of the example's values along Axis.
// It works the same in training and inference.
//
// Weights: gamma and beta (trainable, of the shape of the normalized axes;
// absent with NoScale and NoCenter).
type LayerNormalization struct {
	// Axis lists the normalized axes, counting the batch axis as Keras
	// does (1 is the first axis of an example, -1 the last); nil means
	// {-1}. They must be the last axes of the input (e.g. {1, 2, 3} of
	// images, or {-1}).
	Axis []int
	// Epsilon is added to the variance; the zero value means Keras's 1e-3.
	Epsilon float64
	// NoCenter drops beta (Keras center=False); NoScale drops gamma
	// (scale=False).
	NoCenter, NoScale bool
	// BetaInitializer defaults to Zeros, GammaInitializer to Ones.
	BetaInitializer, GammaInitializer initializers.Initializer
	// BetaRegularizer and GammaRegularizer add a penalty on the weights to
	// the training loss; nil means none.
	BetaRegularizer, GammaRegularizer Regularizer

	in          []int
	k           int // values normalized together
	eps         float32
	gamma, beta *Weight
}

// ClassName implements Layer.
func (*LayerNormalization) ClassName() string { return "LayerNormalization" }

// trailingAxes resolves Keras axes (batch axis 0, negative from the end)
// for a per-example shape in and returns how many trailing axes of the
// example they are; they must be distinct, not the batch axis, and the
// last axes of the input.
func trailingAxes(layer string, axis []int, in []int) (int, error) {
	if len(axis) == 0 {
		axis = []int{-1}
	}
	rank := len(in) + 1
	seen := make([]bool, rank)
	for _, a := range axis {
		c := a
		if c < 0 {
			c += rank
		}
		if c < 0 || c >= rank {
			return 0, fmt.Errorf("layers: %s: Axis %d is out of range for inputs of rank %d (shape %v with the batch axis)", layer, a, rank, in)
		}
		if c == 0 {
			return 0, fmt.Errorf("layers: %s: Axis %v includes the batch axis", layer, axis)
		}
		if seen[c] {
			return 0, fmt.Errorf("layers: %s: Axis %v repeats axis %d", layer, axis, c)
		}
		seen[c] = true
	}
	n := len(axis)
	for c := rank - n; c < rank; c++ {
		if !seen[c] {
			return 0, fmt.Errorf("layers: %s: Axis %v is not supported: only the last axes of the input (here %d to %d) can be normalized", layer, axis, rank-n, rank-1)
		}
	}
	return n, nil
}

func (l *LayerNormalization) epsilon() (float64, error) {
	e := l.Epsilon
	if e == 0 {
		e = 1e-3
	}
	if !(e > 0) || math.IsInf(e, 1) {
		return 0, fmt.Errorf("layers: %s: Epsilon must be positive and finite, got %v", l.ClassName(), l.Epsilon)
	}
	return e, nil
}

// Plan implements Planner.
func (l *LayerNormalization) Plan(in []int) ([]int, []WeightShape, error) {
	if _, err := l.epsilon(); err != nil {
		return nil, nil, err
	}
	if err := checkOutput("LayerNormalization", "input", in); err != nil {
		return nil, nil, err
	}
	n, err := trailingAxes("LayerNormalization", l.Axis, in)
	if err != nil {
		return nil, nil, err
	}
	p := append([]int(nil), in[len(in)-n:]...)
	var ws []WeightShape
	if !l.NoScale {
		ws = append(ws, WeightShape{Name: "gamma", Shape: p})
	}
	if !l.NoCenter {
		ws = append(ws, WeightShape{Name: "beta", Shape: p})
	}
	return append([]int(nil), in...), ws, nil
}

// Build implements Layer.
func (l *LayerNormalization) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, ws, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	eps, _ := l.epsilon()
	n, _ := trailingAxes("LayerNormalization", l.Axis, in)
	l.gamma, l.beta = buildScaleCenter(ws, l.NoScale, l.NoCenter, l.GammaInitializer, l.BetaInitializer, rng)
	l.in, l.k, l.eps = append([]int(nil), in...), prod(in[len(in)-n:]), float32(eps)
	return out, nil
}

// buildScaleCenter creates gamma and beta from their planned shapes.
func buildScaleCenter(ws []WeightShape, noScale, noCenter bool, gi, bi initializers.Initializer, rng *rand.Rand) (gamma, beta *Weight) {
	if gi == nil {
		gi = initializers.Ones{}
	}
	if bi == nil {
		bi = initializers.Zeros{}
	}
	i := 0
	if !noScale {
		s := ws[i].Shape
		gamma = newWeight("gamma", s, gi.Init(s, rng))
		i++
	}
	if !noCenter {
		s := ws[i].Shape
		beta = newWeight("beta", s, bi.Init(s, rng))
	}
	return gamma, beta
}

func values(w *Weight) *tensor.Tensor {
	if w == nil {
		return nil
	}
	return w.Value
}

// Call implements Layer.
func (l *LayerNormalization) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("LayerNormalization", x, l.in)
	return tensor.GroupNorm(x, values(l.gamma), values(l.beta), x.Size()/l.k, 1, 1, l.k, l.eps)
}

// Weights implements Layer: gamma, beta.
func (l *LayerNormalization) Weights() []*Weight { return scaleCenterWeights(l.gamma, l.beta) }

func scaleCenterWeights(gamma, beta *Weight) []*Weight {
	var ws []*Weight
	for _, w := range []*Weight{gamma, beta} {
		if w != nil {
			ws = append(ws, w)
		}
	}
	return ws
}

// RegularizationLoss implements Regularized.
func (l *LayerNormalization) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{l.gamma, l.GammaRegularizer}, regPair{l.beta, l.BetaRegularizer})
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("LayerNormalization", decodeLayerNormalization) }

// axisList is Keras's axis argument: an int or a list of ints.
type axisList []int

// MarshalJSON writes one axis as an int, several as a list, nil as -1.
func (a axisList) MarshalJSON() ([]byte, error) {
	switch len(a) {
	case 0:
		return []byte("-1"), nil
	case 1:
		return json.Marshal(a[0])
	}
	return json.Marshal([]int(a))
}

// UnmarshalJSON reads an int or a list of ints.
func (a *axisList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return fmt.Errorf("axis: want an integer or a list of integers, got null")
	}
	var one int
	if err := json.Unmarshal(b, &one); err == nil {
		*a = axisList{one}
		return nil
	}
	var many []int
	if err := json.Unmarshal(b, &many); err != nil || len(many) == 0 {
		return fmt.Errorf("axis: want an integer or a non-empty list of integers, got %s", b)
	}
	*a = many
	return nil
}

// check rejects the batch axis, which no layer normalizes.
func (a axisList) check() error {
	if slices.Contains(a, 0) {
		return fmt.Errorf("axis: %v includes the batch axis 0", []int(a))
	}
	return nil
}

// normalizationConfig holds the keys that LayerNormalization and
// GroupNormalization share.
type normalizationConfig struct {
	Groups           *int     `json:"groups,omitempty"`
	Axis             axisList `json:"axis"`
	Epsilon          float64  `json:"epsilon"`
	Center           bool     `json:"center"`
	Scale            bool     `json:"scale"`
	RMSScaling       *bool    `json:"rms_scaling,omitempty"`
	BetaInitializer  *object  `json:"beta_initializer"`
	GammaInitializer *object  `json:"gamma_initializer"`
	BetaRegularizer  *object  `json:"beta_regularizer"`
	GammaRegularizer *object  `json:"gamma_regularizer"`
	BetaConstraint   *object  `json:"beta_constraint"`
	GammaConstraint  *object  `json:"gamma_constraint"`
}

// scaleCenter holds the decoded or encoded gamma and beta settings.
type scaleCenter struct {
	gi, bi initializers.Initializer
	gr, br Regularizer
}

func (s scaleCenter) encode(c *normalizationConfig) error {
	var err error
	if c.BetaInitializer, err = encodeInitializer("beta_initializer", s.bi, initializers.Zeros{}); err != nil {
		return err
	}
	if c.GammaInitializer, err = encodeInitializer("gamma_initializer", s.gi, initializers.Ones{}); err != nil {
		return err
	}
	if c.BetaRegularizer, err = encodeRegularizer("beta_regularizer", s.br); err != nil {
		return err
	}
	c.GammaRegularizer, err = encodeRegularizer("gamma_regularizer", s.gr)
	return err
}

func (c *normalizationConfig) decode() (s scaleCenter, err error) {
	switch {
	case !(c.Epsilon > 0) || math.IsInf(c.Epsilon, 1):
		return s, fmt.Errorf("epsilon must be positive and finite, got %v", c.Epsilon)
	case c.BetaConstraint != nil || c.GammaConstraint != nil:
		return s, fmt.Errorf("beta_constraint, gamma_constraint: constraints are not supported")
	}
	if s.bi, err = decodeInitializer("beta_initializer", c.BetaInitializer); err != nil {
		return s, err
	}
	if s.gi, err = decodeInitializer("gamma_initializer", c.GammaInitializer); err != nil {
		return s, err
	}
	if s.br, err = decodeRegularizer("beta_regularizer", c.BetaRegularizer); err != nil {
		return s, err
	}
	s.gr, err = decodeRegularizer("gamma_regularizer", c.GammaRegularizer)
	return s, err
}

// Config implements Configurable.
func (l *LayerNormalization) Config() (any, error) {
	eps, err := l.epsilon()
	if err != nil {
		return nil, err
	}
	f := false
	c := normalizationConfig{Axis: axisList(slices.Clone(l.Axis)), Epsilon: eps, Center: !l.NoCenter, Scale: !l.NoScale, RMSScaling: &f}
	if err := (scaleCenter{l.GammaInitializer, l.BetaInitializer, l.GammaRegularizer, l.BetaRegularizer}).encode(&c); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeLayerNormalization(b []byte) (Layer, error) {
	c := normalizationConfig{Axis: axisList{-1}, Epsilon: 1e-3, Center: true, Scale: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	if c.Groups != nil {
		return nil, fmt.Errorf("groups: not a key of LayerNormalization")
	}
	if c.RMSScaling != nil && *c.RMSScaling {
		return nil, fmt.Errorf("rms_scaling: the deprecated rms_scaling=True is not supported (Keras's RMSNormalization replaces it)")
	}
	s, err := c.decode()
	if err != nil {
		return nil, err
	}
	if err := c.Axis.check(); err != nil {
		return nil, err
	}
	var axis []int
	if !slices.Equal(c.Axis, axisList{-1}) {
		axis = c.Axis
	}
	return &LayerNormalization{
		Axis: axis, Epsilon: c.Epsilon, NoCenter: !c.Center, NoScale: !c.Scale,
		BetaInitializer: s.bi, GammaInitializer: s.gi, BetaRegularizer: s.br, GammaRegularizer: s.gr,
	}, nil
}
