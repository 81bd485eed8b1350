package models

import (
	"errors"
	"fmt"
	"slices"

	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/optimizers"
)

// CompileConfig holds what Compile sets up, like Keras's compile arguments.
type CompileConfig struct {
	// Optimizer updates the weights; nil means RMSprop, Keras's default.
	Optimizer optimizers.Optimizer
	// Loss is minimised by Fit; it is required.
	Loss losses.Loss
	// Metrics are reported by Fit and Evaluate besides the loss. For a
	// Model with several outputs a list gives, as in Keras, one metric per
	// output (in the order of the outputs); OutputMetrics gives any number.
	Metrics []metrics.Metric
	// WeightedMetrics are metrics that count each example by its sample
	// or class weight (Fit's SampleWeight and ClassWeight, Evaluate's
	// SampleWeight), as Keras's weighted_metrics; without weights they are
	// the plain metric. Each must implement metrics.WeightedMetric. Its log
	// key is its name, or "weighted_" and its name when a metric of Metrics
	// has that name, as in Keras. Only for a model with one output.
	WeightedMetrics []metrics.Metric

	// The per-output settings of a functional Model, keyed by output name
	// (Model.OutputNames), as Keras's dicts for loss, loss_weights and
	// metrics; a Sequential has one output and takes Loss and Metrics.

	// OutputLosses gives the loss of each output it names; the others take
	// Loss, and an output with neither is not trained.
	OutputLosses map[string]losses.Loss
	// LossWeights scales each named output's loss in the total loss
	// (Keras's loss_weights); the default is 1.
	LossWeights map[string]float64
	// OutputMetrics gives metrics to the outputs it names.
	OutputMetrics map[string][]metrics.Metric
}

// Compile prepares the model for training: it builds the model if needed
// and sets the optimizer, the loss and the metrics.
func (m *Sequential) Compile(cfg CompileConfig) error {
	if err := m.checkLayers("compile"); err != nil {
		return err
	}
	if cfg.OutputLosses != nil || cfg.LossWeights != nil || cfg.OutputMetrics != nil {
		return errors.New("models: compile: OutputLosses, LossWeights and OutputMetrics are for a functional Model; a Sequential has one output and takes Loss and Metrics")
	}
	if cfg.Loss == nil {
		return errors.New("models: compile: Loss is nil; pick one, e.g. losses.SparseCategoricalCrossentropy{}")
	}
	if err := checkLossReduction("Loss", cfg.Loss); err != nil {
		return err
	}
	if cfg.Optimizer == nil {
		o, err := optimizers.Get("rmsprop")
		if err != nil {
			return fmt.Errorf("models: compile: no Optimizer given and the default failed: %w", err)
		}
		cfg.Optimizer = o
	}
	if err := optimizers.Validate(cfg.Optimizer); err != nil {
		return fmt.Errorf("models: compile: %w", err)
	}
	seen := map[string]bool{"loss": true}
	for i, mt := range cfg.Metrics {
		if mt == nil {
			return fmt.Errorf("models: compile: Metrics[%d] is nil", i)
		}
		if seen[mt.Name()] {
			return fmt.Errorf("models: compile: Metrics[%d]: name %q is used twice", i, mt.Name())
		}
		seen[mt.Name()] = true
	}
	keys := make([]string, len(cfg.Metrics))
	for i, mt := range cfg.Metrics {
		keys[i] = mt.Name()
	}
	h := head{loss: cfg.Loss, weight: 1, metrics: cfg.Metrics, keys: keys}
	if err := h.addWeighted(cfg.WeightedMetrics, seen); err != nil {
		return err
	}
	m.optimizer, m.loss, m.metrics = cfg.Optimizer, cfg.Loss, h.metrics
	m.heads = []head{h}
	m.compiled, m.optBuilt = true, false
	// A model built here builds the optimizer's slots as it builds (build
	// does when compiled); building them again would leave the first set
	// as garbage the size of two copies of the weights.
	wasBuilt := m.built
	if err := m.ensureBuilt(); err == nil {
		if wasBuilt {
			m.optimizer.Build(m.weights)
		}
	} else if !errors.Is(err, ErrNotBuilt) {
		return fmt.Errorf("models: compile: %w", err)
	}
	return nil
}

// Optimizer returns the compiled optimizer, or nil.
func (m *Sequential) Optimizer() optimizers.Optimizer { return m.optimizer }

// LearningRate returns the optimizer's learning rate (0 before Compile).
func (m *Sequential) LearningRate() float64 {
	if m.optimizer == nil {
		return 0
	}
	return m.optimizer.LR()
}

// SetLearningRate sets the optimizer's learning rate.
func (m *Sequential) SetLearningRate(lr float64) {
	if m.optimizer != nil {
		m.optimizer.SetLR(lr)
	}
}

// checkLossReduction refuses a loss whose Reduction Fit cannot train on:
// an unknown one, or "none", which gives one value per example where a
// step needs one number.
func checkLossReduction(what string, l losses.Loss) error {
	p, ok := l.(losses.PerExampleLoss)
	if !ok {
		return nil
	}
	r := p.LossReduction()
	if err := r.Check(); err != nil {
		return fmt.Errorf("models: compile: %s: %w", what, err)
	}
	if r == losses.None {
		return fmt.Errorf("models: compile: %s has Reduction %q, which returns one loss per example; training needs one number per batch, so use %q (the default) or %q",
			what, r, losses.SumOverBatchSize, losses.Sum)
	}
	return nil
}

// addWeighted appends the weighted metrics to h, keyed as Keras keys them;
// seen holds the keys in use and gets theirs.
func (h *head) addWeighted(ws []metrics.Metric, seen map[string]bool) error {
	if len(ws) == 0 {
		return nil
	}
	h.metrics = append([]metrics.Metric(nil), h.metrics...)
	h.weighted = make([]bool, len(h.metrics), len(h.metrics)+len(ws))
	for i, mt := range ws {
		if isNilValue(mt) {
			return fmt.Errorf("models: compile: WeightedMetrics[%d] is nil", i)
		}
		if _, ok := mt.(metrics.WeightedMetric); !ok {
			return fmt.Errorf("models: compile: WeightedMetrics[%d] (%T, %q) cannot weight examples: it needs an UpdateWeighted method (metrics.WeightedMetric)", i, mt, mt.Name())
		}
		if slices.ContainsFunc(h.metrics, func(o metrics.Metric) bool { return sameMetric(o, mt) }) {
			return fmt.Errorf("models: compile: WeightedMetrics[%d] (%q) is also in Metrics; give each list its own metric value, as a metric keeps a running state", i, mt.Name())
		}
		key := mt.Name()
		if seen[key] {
			key = "weighted_" + key
		}
		if seen[key] {
			return fmt.Errorf("models: compile: WeightedMetrics[%d]: name %q is used twice", i, mt.Name())
		}
		seen[key] = true
		h.metrics = append(h.metrics, mt)
		h.keys = append(h.keys, key)
		h.weighted = append(h.weighted, true)
	}
	return nil
}
