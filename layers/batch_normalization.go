package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/tensor"
)

// BatchNormalization normalizes each channel (the last axis) to zero mean
// and unit variance, then scales by gamma and shifts by beta, as Keras's
// BatchNormalization does:
//
//	y = gamma · (x − mean) / √(variance + Epsilon) + beta
//
// In training (inside Fit) mean and variance are the batch's moments, and
// the layer updates its moving statistics:
//
//	moving_mean     = moving_mean·Momentum + mean·(1 − Momentum)
//	moving_variance = moving_variance·Momentum + variance·(1 − Momentum)
//
// with the biased batch variance, as Keras does (PyTorch keeps the
// unbiased one, and its momentum 0.01 is Keras's 0.99). In inference
// (Evaluate, Predict, validation) the moving statistics are used.
//
// Weights: gamma and beta (trainable, Channels each, absent with NoScale
// and NoCenter), then moving_mean and moving_variance (non-trainable).
type BatchNormalization struct {
	// Axis is the normalized (channel) axis, counting the batch axis as
	// Keras does; the zero value means -1, the last axis, which is the only
	// one supported (channels-last data).
	Axis int
	// Momentum of the moving statistics; the zero value means Keras's
	// 0.99. It must be in [0, 1); a momentum of exactly 0 cannot be
	// written as the zero value and is refused (use a value such as 1e-9).
	Momentum float64
	// Epsilon is added to the variance; the zero value means Keras's 1e-3.
	Epsilon float64
	// NoCenter drops beta (Keras center=False); NoScale drops gamma
	// (scale=False).
	NoCenter, NoScale bool
	// BetaInitializer and MovingMeanInitializer default to Zeros,
	// GammaInitializer and MovingVarianceInitializer to Ones.
	BetaInitializer, GammaInitializer                initializers.Initializer
	MovingMeanInitializer, MovingVarianceInitializer initializers.Initializer
	// BetaRegularizer and GammaRegularizer add a penalty on the weights to
	// the training loss; nil means none.
	BetaRegularizer, GammaRegularizer Regularizer

	in                         []int
	gamma, beta                *Weight
	movingMean, movingVariance *Weight
	batchMean, batchVariance   []float32
	momentum, epsilon          float32
}

// ClassName implements Layer.
func (*BatchNormalization) ClassName() string { return "BatchNormalization" }

// settings resolves the zero values to Keras's defaults and checks them.
func (l *BatchNormalization) settings() (momentum, epsilon float64, err error) {
	const name = "layers: BatchNormalization"
	if l.Axis != 0 && l.Axis != -1 {
		return 0, 0, fmt.Errorf("%s: Axis %d is not supported: only the last axis (-1) of channels-last data", name, l.Axis)
	}
	momentum, epsilon = l.Momentum, l.Epsilon
	if momentum == 0 {
		momentum = 0.99
	}
	if epsilon == 0 {
		epsilon = 1e-3
	}
	if !(momentum > 0 && momentum < 1) {
		return 0, 0, fmt.Errorf("%s: Momentum must be in (0, 1), got %v", name, l.Momentum)
	}
	if !(epsilon > 0) || math.IsInf(epsilon, 1) {
		return 0, 0, fmt.Errorf("%s: Epsilon must be positive and finite, got %v", name, l.Epsilon)
	}
	return momentum, epsilon, nil
}

// Plan implements Planner.
func (l *BatchNormalization) Plan(in []int) ([]int, []WeightShape, error) {
	if _, _, err := l.settings(); err != nil {
		return nil, nil, err
	}
	if len(in) == 0 {
		return nil, nil, fmt.Errorf("layers: BatchNormalization: want examples of rank >= 1, got shape %v", in)
	}
	if err := checkOutput("BatchNormalization", "input", in); err != nil {
		return nil, nil, err
	}
	c := []int{in[len(in)-1]}
	var ws []WeightShape
	if !l.NoScale {
		ws = append(ws, WeightShape{Name: "gamma", Shape: c})
	}
	if !l.NoCenter {
		ws = append(ws, WeightShape{Name: "beta", Shape: c})
	}
	ws = append(ws, WeightShape{Name: "moving_mean", Shape: c, NonTrainable: true}, WeightShape{Name: "moving_variance", Shape: c, NonTrainable: true})
	return append([]int(nil), in...), ws, nil
}

// Build implements Layer.
func (l *BatchNormalization) Build(in []int, rng *rand.Rand) ([]int, error) {
	out, ws, err := l.Plan(in)
	if err != nil {
		return nil, err
	}
	momentum, epsilon, _ := l.settings()
	or := func(i, def initializers.Initializer) initializers.Initializer {
		if i == nil {
			return def
		}
		return i
	}
	c := ws[0].Shape
	l.gamma, l.beta = nil, nil
	if !l.NoScale {
		l.gamma = newWeight("gamma", c, or(l.GammaInitializer, initializers.Ones{}).Init(c, rng))
	}
	if !l.NoCenter {
		l.beta = newWeight("beta", c, or(l.BetaInitializer, initializers.Zeros{}).Init(c, rng))
	}
	fixed := func(name string, ini initializers.Initializer) *Weight {
		return &Weight{Name: name, Value: tensor.FromSlice(ini.Init(c, rng), c...)}
	}
	l.movingMean = fixed("moving_mean", or(l.MovingMeanInitializer, initializers.Zeros{}))
	l.movingVariance = fixed("moving_variance", or(l.MovingVarianceInitializer, initializers.Ones{}))
	l.batchMean, l.batchVariance = make([]float32, c[0]), make([]float32, c[0])
	l.momentum, l.epsilon = float32(momentum), float32(epsilon)
	l.in = append([]int(nil), in...)
	return out, nil
}

// Call implements Layer. In training it updates the moving statistics.
func (l *BatchNormalization) Call(x *tensor.Tensor, training bool) *tensor.Tensor {
	return l.call(x, training, nil)
}

// CallFused implements Fuser. A BatchNormalization of images followed by a
// MaxPooling2D runs as one operation (tensor.BatchNormMaxPool2D) that pools
// before it normalizes and never stores the normalized images; the outputs
// are the same bit for bit, the gradients the same up to rounding.
func (l *BatchNormalization) CallFused(next Layer, x *tensor.Tensor, training bool) (*tensor.Tensor, bool) {
	p, ok := next.(*MaxPooling2D)
	if !ok || len(l.in) != 3 {
		return nil, false
	}
	return l.call(x, training, p), true
}

// call normalizes x, then pools it with p if not nil.
func (l *BatchNormalization) call(x *tensor.Tensor, training bool, p *MaxPooling2D) *tensor.Tensor {
	checkBatch("BatchNormalization", x, l.in)
	var gamma, beta *tensor.Tensor
	if l.gamma != nil {
		gamma = l.gamma.Value
	}
	if l.beta != nil {
		beta = l.beta.Value
	}
	norm := func(mean, variance []float32, training bool) *tensor.Tensor {
		if p != nil {
			return tensor.BatchNormMaxPool2D(x, gamma, beta, mean, variance, l.epsilon, training, p.pool, p.strides, p.padding)
		}
		return tensor.BatchNorm(x, gamma, beta, mean, variance, l.epsilon, training)
	}
	if !training {
		return norm(l.movingMean.Value.Data(), l.movingVariance.Value.Data(), false)
	}
	y := norm(l.batchMean, l.batchVariance, true)
	m := l.momentum
	mm, mv := l.movingMean.Value.Data(), l.movingVariance.Value.Data()
	for j := range mm {
		mm[j] = mm[j]*m + l.batchMean[j]*(1-m)
		mv[j] = mv[j]*m + l.batchVariance[j]*(1-m)
	}
	return y
}

// Weights implements Layer: gamma, beta, moving_mean, moving_variance, in
// Keras's order.
func (l *BatchNormalization) Weights() []*Weight {
	if l.movingMean == nil {
		return nil
	}
	var ws []*Weight
	for _, w := range []*Weight{l.gamma, l.beta, l.movingMean, l.movingVariance} {
		if w != nil {
			ws = append(ws, w)
		}
	}
	return ws
}

// RegularizationLoss implements Regularized.
func (l *BatchNormalization) RegularizationLoss() *tensor.Tensor {
	return regLoss(regPair{l.gamma, l.GammaRegularizer}, regPair{l.beta, l.BetaRegularizer})
}

// The layer's Keras config (get_config and from_config), registered as a
// custom layer would be.
func init() { Register("BatchNormalization", decodeBatchNormalization) }

type batchNormalizationConfig struct {
	Axis                      int      `json:"axis"`
	Momentum                  float64  `json:"momentum"`
	Epsilon                   float64  `json:"epsilon"`
	Center                    bool     `json:"center"`
	Scale                     bool     `json:"scale"`
	BetaInitializer           *object  `json:"beta_initializer"`
	GammaInitializer          *object  `json:"gamma_initializer"`
	MovingMeanInitializer     *object  `json:"moving_mean_initializer"`
	MovingVarianceInitializer *object  `json:"moving_variance_initializer"`
	BetaRegularizer           *object  `json:"beta_regularizer"`
	GammaRegularizer          *object  `json:"gamma_regularizer"`
	BetaConstraint            *object  `json:"beta_constraint"`
	GammaConstraint           *object  `json:"gamma_constraint"`
	Synchronized              bool     `json:"synchronized"`
	Renorm                    bool     `json:"renorm"`
	RenormClipping            *object  `json:"renorm_clipping"`
	RenormMomentum            *float64 `json:"renorm_momentum"`
}

// Config implements Configurable.
func (l *BatchNormalization) Config() (any, error) {
	momentum, epsilon, err := l.settings()
	if err != nil {
		return nil, err
	}
	c := batchNormalizationConfig{Axis: -1, Momentum: momentum, Epsilon: epsilon, Center: !l.NoCenter, Scale: !l.NoScale}
	for _, e := range []struct {
		dst      **object
		key      string
		ini, def initializers.Initializer
	}{
		{&c.BetaInitializer, "beta_initializer", l.BetaInitializer, initializers.Zeros{}},
		{&c.GammaInitializer, "gamma_initializer", l.GammaInitializer, initializers.Ones{}},
		{&c.MovingMeanInitializer, "moving_mean_initializer", l.MovingMeanInitializer, initializers.Zeros{}},
		{&c.MovingVarianceInitializer, "moving_variance_initializer", l.MovingVarianceInitializer, initializers.Ones{}},
	} {
		if *e.dst, err = encodeInitializer(e.key, e.ini, e.def); err != nil {
			return nil, err
		}
	}
	if c.BetaRegularizer, err = encodeRegularizer("beta_regularizer", l.BetaRegularizer); err != nil {
		return nil, err
	}
	if c.GammaRegularizer, err = encodeRegularizer("gamma_regularizer", l.GammaRegularizer); err != nil {
		return nil, err
	}
	rm := 0.99
	c.RenormMomentum = &rm
	return c, nil
}

func decodeBatchNormalization(b []byte) (Layer, error) {
	c := batchNormalizationConfig{Axis: -1, Momentum: 0.99, Epsilon: 1e-3, Center: true, Scale: true}
	if err := DecodeConfig(b, &c); err != nil {
		return nil, err
	}
	switch {
	case c.Axis != -1:
		return nil, fmt.Errorf("axis: only -1 (the channels of channels-last data) is supported, got %d", c.Axis)
	case !(c.Momentum > 0 && c.Momentum < 1):
		return nil, fmt.Errorf("momentum must be in (0, 1), got %v", c.Momentum)
	case !(c.Epsilon > 0) || math.IsInf(c.Epsilon, 1):
		return nil, fmt.Errorf("epsilon must be positive and finite, got %v", c.Epsilon)
	case c.Renorm || c.RenormClipping != nil:
		return nil, fmt.Errorf("renorm: batch renormalization is not supported")
	case c.BetaConstraint != nil || c.GammaConstraint != nil:
		return nil, fmt.Errorf("beta_constraint, gamma_constraint: constraints on BatchNormalization are not supported")
	}
	// synchronized only matters across devices; on one it changes nothing.
	l := &BatchNormalization{Momentum: c.Momentum, Epsilon: c.Epsilon, NoCenter: !c.Center, NoScale: !c.Scale}
	var err error
	for _, e := range []struct {
		dst *initializers.Initializer
		key string
		o   *object
	}{
		{&l.BetaInitializer, "beta_initializer", c.BetaInitializer},
		{&l.GammaInitializer, "gamma_initializer", c.GammaInitializer},
		{&l.MovingMeanInitializer, "moving_mean_initializer", c.MovingMeanInitializer},
		{&l.MovingVarianceInitializer, "moving_variance_initializer", c.MovingVarianceInitializer},
	} {
		if *e.dst, err = decodeInitializer(e.key, e.o); err != nil {
			return nil, err
		}
	}
	if l.BetaRegularizer, err = decodeRegularizer("beta_regularizer", c.BetaRegularizer); err != nil {
		return nil, err
	}
	if l.GammaRegularizer, err = decodeRegularizer("gamma_regularizer", c.GammaRegularizer); err != nil {
		return nil, err
	}
	return l, nil
}
