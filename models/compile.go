package models

import (
	"errors"
	"fmt"

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
	m.optimizer, m.loss, m.metrics = cfg.Optimizer, cfg.Loss, cfg.Metrics
	keys := make([]string, len(cfg.Metrics))
	for i, mt := range cfg.Metrics {
		keys[i] = mt.Name()
	}
	m.heads = []head{{loss: cfg.Loss, weight: 1, metrics: cfg.Metrics, keys: keys}}
	m.compiled = true
	if err := m.ensureBuilt(); err == nil {
		m.optimizer.Build(m.weights)
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
