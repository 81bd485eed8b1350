package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// GroupNormalization splits the channels (the last axis) into Groups
// groups of consecutive channels and normalizes each group of each example
// over all its positions and channels to zero mean and unit variance, then
// scales by gamma and shifts by beta per channel, as Keras's
// GroupNormalization does (Wu and He, 2018):
//
//	y = gamma · (x − mean) / √(variance + Epsilon) + beta
//
// One group is LayerNormalization over the whole example with per-channel
// weights; Groups -1 (one channel per group) is instance normalization. It
// works the same in training and inference.
//
// Weights: gamma and beta (trainable, one value per channel; absent with
// NoScale and NoCenter).
type GroupNormalization struct {
	// Groups divides the channels; the zero value means Keras's 32, and -1
	// means one group per channel.
	Groups int
	// Axis is the channel axis, counting the batch axis as Keras does; the
	// zero value means -1, the last axis, which is the only one supported
	// (channels-last data).
	Axis int
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
	s, g, k     int
	eps         float32
	gamma, beta *Weight
}

// ClassName implements Layer.
func (*GroupNormalization) ClassName() string { return "GroupNormalization" }

// groups resolves Groups for c channels and checks it.
func (l *GroupNormalization) groups(c int) (int, error) {
	g := l.Groups
	switch {
	case g == 0:
		g = 32
	case g == -1:
		g = c
	case g < 0:
		return 0, fmt.Errorf("layers: GroupNormalization: Groups must be positive or -1, got %d", l.Groups)
	}
	if g > c {
		return 0, fmt.Errorf("layers: GroupNormalization: Groups %d cannot be more than the %d channels", g, c)
	}
	if c%g != 0 {
		return 0, fmt.Errorf("layers: GroupNormalization: Groups %d must divide the %d channels", g, c)
	}
	return g, nil
}

// Plan implements Planner.
func (l *GroupNormalization) Plan(in []int) ([]int, []WeightShape, error) {
	ln := LayerNormalization{Epsilon: l.Epsilon}
	if _, err := ln.epsilon(); err != nil {
		return nil, nil, fmt.Errorf("layers: GroupNormalization: Epsilon must be positive and finite, got %v", l.Epsilon)
	}
	if len(in) == 0 {
		return nil, nil, fmt.Errorf("layers: GroupNormalization: want examples of rank >= 1, got shape %v", in)
	}
	if l.Axis != 0 && l.Axis != -1 && l.Axis != len(in) {
		return nil, nil, fmt.Errorf("layers: GroupNormalization: Axis %d is not supported: only the last axis (-1) of channels-last data", l.Axis)
	}
	if err := checkOutput("GroupNormalization", "input", in); err != nil {
		return nil, nil, err
	}
	c := in[len(in)-1]
	if _, err := l.groups(c); err != nil {
		return nil, nil, err
	}
	var ws []WeightShape
	if !l.NoScale {
		ws = append(ws, WeightShape{Name: "gamma", Shape: []int{c}})
	}
	if !l.NoCenter {
		ws = append(ws, WeightShape{Name: "beta", Shape: []int{c}})
	}
	return append([]int(nil), in...), ws, nil
}

// Build implements Layer.
func (l *GroupNormalization) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, ws, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	eps := l.Epsilon
	if eps == 0 {
		eps = 1e-3
	}
	c := in[len(in)-1]
	g, _ := l.groups(c)
	l.gamma, l.beta = buildScaleCenter(ws, l.NoScale, l.NoCenter, l.GammaInitializer, l.BetaInitializer, rng)
	l.in, l.s, l.g, l.k, l.eps = append([]int(nil), in...), prod(in[:len(in)-1]), g, c/g, float32(eps)
	return out, nil
}

// Call implements Layer.
func (l *GroupNormalization) Call(x *tensor.Tensor, _ bool) *tensor.Tensor {
	checkBatch("GroupNormalization", x, l.in)
	return tensor.GroupNorm(x, values(l.gamma), values(l.beta), x.Dim(0), l.s, l.g, l.k, l.eps)
}

// Weights implements Layer: gamma, beta.
func (l *GroupNormalization) Weights() []*Weight { return scaleCenterWeights(l.gamma, l.beta) }

// RegularizationLoss implements Regularized.
func (l *GroupNormalization) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{l.gamma, l.GammaRegularizer}, regPair{l.beta, l.BetaRegularizer})
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("GroupNormalization", decodeGroupNormalization) }

// Config implements Configurable. Groups is written as given (Keras writes
// the channel count for -1 once built; both mean the same).
func (l *GroupNormalization) Config() (any, error) {
	if l.Groups < -1 {
		return nil, fmt.Errorf("groups must be positive or -1, got %d", l.Groups)
	}
	eps := l.Epsilon
	if eps == 0 {
		eps = 1e-3
	}
	g := l.Groups
	if g == 0 {
		g = 32
	}
	c := normalizationConfig{Groups: &g, Axis: axisList{-1}, Epsilon: eps, Center: !l.NoCenter, Scale: !l.NoScale}
	if err := (scaleCenter{l.GammaInitializer, l.BetaInitializer, l.GammaRegularizer, l.BetaRegularizer}).encode(&c); err != nil {
		return nil, err
	}
	return c, nil
}

func decodeGroupNormalization(b []byte) (Layer, error) {
	g := 32
	c := normalizationConfig{Groups: &g, Axis: axisList{-1}, Epsilon: 1e-3, Center: true, Scale: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	switch {
	case c.RMSScaling != nil:
		return nil, fmt.Errorf("rms_scaling: not a key of GroupNormalization")
	case c.Groups == nil || *c.Groups == 0 || *c.Groups < -1:
		return nil, fmt.Errorf("groups must be a positive integer or -1, got %v", intString(c.Groups))
	case len(c.Axis) != 1 || c.Axis[0] != -1:
		return nil, fmt.Errorf("axis: only -1 (the channels of channels-last data) is supported, got %v", []int(c.Axis))
	}
	s, err := c.decode()
	if err != nil {
		return nil, err
	}
	return &GroupNormalization{
		Groups: *c.Groups, Epsilon: c.Epsilon, NoCenter: !c.Center, NoScale: !c.Scale,
		BetaInitializer: s.bi, GammaInitializer: s.gi, BetaRegularizer: s.br, GammaRegularizer: s.gr,
	}, nil
}

func intString(p *int) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
