package optimizers

import (
	"errors"
	"fmt"
	"math"

	"github.com/neuron-go/neuron/tensor"
)

// Options are the arguments every Keras optimizer takes from its base class
// (keras/src/optimizers/base_optimizer.py): gradient clipping, weight decay,
// an exponential moving average of the weights and gradient accumulation.
// Zero values leave each off; WithOptions adds them to any optimizer.
//
// Each Apply does what Keras's apply does, in Keras's order:
//
//  1. With GradientAccumulationSteps n, the gradients are added to an
//     accumulator, and only every n-th call goes on, with the mean of the n
//     gradients; the other calls stop here (but for step 4).
//  2. The gradients are clipped (ClipNorm, GlobalClipNorm or ClipValue).
//  3. Weight decay shrinks every weight that has a gradient:
//     w ← w − w·WeightDecay·lr, with the learning rate of this step.
//  4. The optimizer's own update runs, then, with UseEMA, the moving
//     average a ← μ·a + (1−μ)·w of every weight (μ is 0 on the first
//     update, so a starts as the weights), which overwrites the weights
//     every EMAOverwriteFrequency updates, and at the end of Fit.
type Options struct {
	// ClipNorm, if positive, clips each weight's gradient to that L2 norm:
	// g ← g·c/max(‖g‖, c) (Keras's clipnorm).
	ClipNorm float64
	// GlobalClipNorm, if positive, scales all gradients by one factor so
	// that the norm of all of them together is at most this (Keras's
	// global_clipnorm). A gradient of infinite or NaN norm makes every
	// gradient NaN, as in Keras.
	GlobalClipNorm float64
	// ClipValue, if positive, clips every gradient element to
	// [−ClipValue, ClipValue] (Keras's clipvalue). At most one of the three
	// clipping options may be set.
	ClipValue float64
	// WeightDecay, if positive, is Keras's weight_decay. AdamW has its own
	// WeightDecay field instead.
	WeightDecay float64
	// UseEMA keeps an exponential moving average of the weights (Keras's
	// use_ema).
	UseEMA bool
	// EMAMomentum is μ, in (0, 1]; zero means Keras's default, 0.99.
	EMAMomentum float64
	// EMAOverwriteFrequency, if positive, copies the average into the
	// weights every that many updates; otherwise only at the end of Fit
	// (Keras's ema_overwrite_frequency).
	EMAOverwriteFrequency int
	// GradientAccumulationSteps, if set, must be at least 2: the weights
	// change every that many steps, with the gradients' mean (Keras's
	// gradient_accumulation_steps). Learning-rate schedules see every step;
	// the update formulas (Adam's bias correction, say) and the EMA count
	// updates.
	GradientAccumulationSteps int
}

// IsZero reports whether no option is set.
func (p Options) IsZero() bool { return p == Options{} }

// validate checks the options as Keras's base optimizer does, and where it
// is silent (a negative clip value, which Keras ignores) refuses what can
// only be a mistake. Errors name the Keras argument and the value.
func (p Options) validate() error {
	var errs []error
	clips := 0
	for _, c := range []struct {
		key string
		v   float64
	}{{"clipnorm", p.ClipNorm}, {"global_clipnorm", p.GlobalClipNorm}, {"clipvalue", p.ClipValue}} {
		if c.v == 0 {
			continue
		}
		clips++
		if !(c.v > 0) || math.IsInf(c.v, 1) {
			errs = append(errs, fmt.Errorf("%s must be > 0 and finite, got %v", c.key, c.v))
		}
	}
	if clips > 1 {
		errs = append(errs, fmt.Errorf("only one of clipnorm, clipvalue and global_clipnorm can be set, got clipnorm=%v, clipvalue=%v, global_clipnorm=%v", p.ClipNorm, p.ClipValue, p.GlobalClipNorm))
	}
	if p.WeightDecay != 0 {
		errs = append(errs, nonNegative("weight_decay", p.WeightDecay))
	}
	if m := p.EMAMomentum; m != 0 && !(m > 0 && m <= 1) {
		errs = append(errs, fmt.Errorf("ema_momentum must be in [0, 1], got %v", m))
	}
	if f := p.EMAOverwriteFrequency; f < 0 {
		errs = append(errs, fmt.Errorf("ema_overwrite_frequency must be an integer >= 1 or unset, got %d", f))
	}
	if (p.EMAMomentum != 0 || p.EMAOverwriteFrequency != 0) && !p.UseEMA {
		errs = append(errs, fmt.Errorf("ema_momentum and ema_overwrite_frequency need use_ema, got ema_momentum=%v, ema_overwrite_frequency=%d with use_ema=false", p.EMAMomentum, p.EMAOverwriteFrequency))
	}
	if n := p.GradientAccumulationSteps; n != 0 && n < 2 {
		errs = append(errs, fmt.Errorf("gradient_accumulation_steps must be an integer >= 2, got %d", n))
	}
	return errors.Join(errs...)
}

// WithOptions returns o with the base-optimizer options p, as Keras's
// optimizers take them as arguments: optimizers.WithOptions(optimizers.NewAdam(),
// optimizers.Options{ClipNorm: 1}) is Keras's Adam(clipnorm=1.0). Its
// Iterations counts every Apply (Keras's saved "iteration"), which is what a
// schedule given to WithSchedule reads, in whichever order the two are
// applied. The state it saves holds Keras's "average" and
// "gradient_accumulator" slots before o's own.
//
// It returns an error naming the argument when p is invalid, when o is
// AdamW and p sets WeightDecay (AdamW's own field is Keras's weight_decay),
// or when o already has options.
func WithOptions(o Optimizer, p Options) (Optimizer, error) {
	if o == nil {
		return nil, errors.New("optimizers: WithOptions: the optimizer is nil")
	}
	if s, ok := o.(*scheduled); ok {
		inner, err := WithOptions(s.Optimizer, p)
		if err != nil {
			return nil, err
		}
		return &scheduled{Optimizer: inner, schedule: s.schedule}, nil
	}
	if _, ok := o.(*withOptions); ok {
		return nil, fmt.Errorf("optimizers: WithOptions: %s already has options", o.Name())
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("optimizers: %s: %w", o.Name(), err)
	}
	if _, ok := o.(*AdamW); ok && p.WeightDecay != 0 {
		return nil, fmt.Errorf("optimizers: adamw: set AdamW.WeightDecay, not Options.WeightDecay (got %v)", p.WeightDecay)
	}
	return &withOptions{Optimizer: o, opts: p}, nil
}

// OptionsOf returns the base-optimizer options of o (zero if it has none).
func OptionsOf(o Optimizer) Options {
	if s, ok := o.(*scheduled); ok {
		o = s.Optimizer
	}
	if w, ok := o.(*withOptions); ok {
		return w.opts
	}
	return Options{}
}

// Finalizer is implemented by optimizers with something to do once
// training ends, as Keras's finalize_variable_values: Fit calls it after
// its last epoch (not when it fails), before the callbacks' OnTrainEnd.
type Finalizer interface {
	// FinalizeVariableValues sets the weights' final values.
	FinalizeVariableValues(weights []*tensor.Tensor)
}

// withOptions runs the base-optimizer steps around an optimizer's update.
type withOptions struct {
	Optimizer // the update rule, called on update steps only
	opts      Options
	calls     int         // Apply calls: Keras's _iterations
	avg, acc  [][]float32 // "average" (UseEMA) and "gradient_accumulator" slots
}

// Build implements Optimizer.
func (o *withOptions) Build(weights []*tensor.Tensor) {
	o.Optimizer.Build(weights)
	o.calls, o.avg, o.acc = 0, nil, nil
	if o.opts.UseEMA {
		o.avg = zerosLike(weights)
	}
	if o.opts.GradientAccumulationSteps != 0 {
		o.acc = zerosLike(weights)
	}
}

// Iterations implements Optimizer: every Apply call counts.
func (o *withOptions) Iterations() int { return o.calls }

// updates is Keras's optimizer.iterations: the updates made so far.
func (o *withOptions) updates() int {
	if n := o.opts.GradientAccumulationSteps; n != 0 {
		return o.calls / n
	}
	return o.calls
}

// Apply implements Optimizer.
func (o *withOptions) Apply(weights []*tensor.Tensor) {
	if (o.opts.UseEMA && len(o.avg) != len(weights)) || (o.opts.GradientAccumulationSteps != 0 && len(o.acc) != len(weights)) {
		o.Build(weights)
	}
	if n := o.opts.GradientAccumulationSteps; n != 0 {
		if (o.calls+1)%n != 0 {
			for i, w := range weights {
				if g := w.Grad(); g != nil {
					acc := o.acc[i]
					for j, v := range g.Data() {
						acc[j] += v
					}
				}
			}
			o.ema(weights)
			o.calls++
			return
		}
		inv := 1 / float32(n)
		for i, w := range weights {
			if g := w.Grad(); g != nil {
				acc := o.acc[i]
				gd := g.Data()
				for j, v := range gd {
					gd[j] = (v + acc[j]) * inv
					acc[j] = 0
				}
			}
		}
	}
	o.clip(weights)
	if wd := o.opts.WeightDecay; wd > 0 {
		d := float32(wd) * float32(o.Optimizer.LR())
		for _, w := range weights {
			if w.Grad() == nil {
				continue
			}
			wd := w.Data()
			for j, v := range wd {
				wd[j] = v - v*d
			}
		}
	}
	o.Optimizer.Apply(weights)
	o.ema(weights)
	o.calls++
}

// clip clips the gradients in place.
func (o *withOptions) clip(weights []*tensor.Tensor) {
	switch {
	case o.opts.ClipNorm > 0:
		c := float32(o.opts.ClipNorm)
		for _, w := range weights {
			g := w.Grad()
			if g == nil {
				continue
			}
			gd := g.Data()
			d := max(float32(math.Sqrt(sumSquares(gd))), c)
			for j, v := range gd {
				gd[j] = v * c / d
			}
		}
	case o.opts.GlobalClipNorm > 0:
		var ss float64
		for _, w := range weights {
			if g := w.Grad(); g != nil {
				ss += sumSquares(g.Data())
			}
		}
		c, n := float32(o.opts.GlobalClipNorm), float32(math.Sqrt(ss))
		// Keras's clip_by_global_norm: c·min(1/n, 1/c), made NaN by a
		// non-finite norm through the (n − n) term.
		scale := c*min(1/n, 1/c) + (n - n)
		if scale == 1 {
			return
		}
		for _, w := range weights {
			if g := w.Grad(); g != nil {
				gd := g.Data()
				for j, v := range gd {
					gd[j] = v * scale
				}
			}
		}
	case o.opts.ClipValue > 0:
		c := float32(o.opts.ClipValue)
		for _, w := range weights {
			if g := w.Grad(); g != nil {
				gd := g.Data()
				for j, v := range gd {
					gd[j] = min(max(v, -c), c)
				}
			}
		}
	}
}

func sumSquares(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// ema updates the moving average of the weights and, every
// EMAOverwriteFrequency updates, copies it into them. Keras updates it on
// every call, accumulation steps included, and counts in updates.
func (o *withOptions) ema(weights []*tensor.Tensor) {
	if !o.opts.UseEMA {
		return
	}
	var mu float32
	if o.updates() != 0 {
		mu = float32(orDefault(o.opts.EMAMomentum, 0.99))
	}
	for i, w := range weights {
		avg := o.avg[i]
		for j, v := range w.Data() {
			avg[j] = mu*avg[j] + (1-mu)*v
		}
	}
	if f := o.opts.EMAOverwriteFrequency; f > 0 && (o.updates()+1)%f == 0 {
		o.FinalizeVariableValues(weights)
	}
}

// FinalizeVariableValues implements Finalizer: with UseEMA the weights take
// their moving average's values.
func (o *withOptions) FinalizeVariableValues(weights []*tensor.Tensor) {
	if !o.opts.UseEMA || len(o.avg) != len(weights) {
		return
	}
	for i, w := range weights {
		copy(w.Data(), o.avg[i])
	}
}

// State implements Stateful: Iterations counts every call; the slots are
// "average" (UseEMA) and "gradient_accumulator" (GradientAccumulationSteps),
// as Keras's base optimizer builds them, then the wrapped optimizer's.
func (o *withOptions) State() (State, error) {
	s, ok := o.Optimizer.(Stateful)
	if !ok {
		return State{}, fmt.Errorf("optimizers: %T does not implement optimizers.Stateful", o.Optimizer)
	}
	inner, err := s.State()
	if err != nil {
		return State{}, err
	}
	st := State{Iterations: o.calls}
	if o.opts.UseEMA {
		st.Slots = append(st.Slots, Slot{"average", o.avg})
	}
	if o.opts.GradientAccumulationSteps != 0 {
		st.Slots = append(st.Slots, Slot{"gradient_accumulator", o.acc})
	}
	st.Slots = append(st.Slots, inner.Slots...)
	return st, nil
}

// SetState implements Stateful.
func (o *withOptions) SetState(st State) error {
	s, ok := o.Optimizer.(Stateful)
	if !ok {
		return fmt.Errorf("optimizers: %T does not implement optimizers.Stateful", o.Optimizer)
	}
	cur, err := o.State()
	if err != nil {
		return err
	}
	// cur's slices are the optimizers' own: this checks every slot, ours
	// and the wrapped optimizer's, before it copies any.
	if err := setSlots(o.Name(), st, cur.Slots); err != nil {
		return err
	}
	o.calls = st.Iterations
	inner, err := s.State()
	if err != nil {
		return err
	}
	return s.SetState(State{Iterations: o.updates(), Slots: inner.Slots})
}

// Finalizers pass through a schedule.
func (o *scheduled) FinalizeVariableValues(weights []*tensor.Tensor) {
	if f, ok := o.Optimizer.(Finalizer); ok {
		f.FinalizeVariableValues(weights)
	}
}

var (
	_ Stateful  = (*withOptions)(nil)
	_ Finalizer = (*withOptions)(nil)
	_ Finalizer = (*scheduled)(nil)
)
