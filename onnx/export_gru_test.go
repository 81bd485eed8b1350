package onnx_test

import (
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
)

func init() {
	exportCases = append(exportCases, gruResetBeforeCases...)
}

// GRU with reset_after=False, exported as ONNX's GRU with
// linear_before_reset=0: one and both directions, go_backwards, no bias,
// other activations, and masked sequences.
var gruResetBeforeCases = []exportCase{
	{name: "gru_reset_before", model: func(t *testing.T) any {
		return seq(t, in(7, 3),
			&layers.GRU{Units: 4, NoResetAfter: true, ReturnSequences: true},
			&layers.GRU{Units: 3, NoResetAfter: true, NoBias: true, ReturnSequences: true, Activation: activations.ReLU, RecurrentActivation: activations.HardSigmoid},
			&layers.GRU{Units: 3, NoResetAfter: true, GoBackwards: true},
			&layers.Dense{Units: 2})
	}},
	{name: "gru_reset_before_backwards_sequences", noImport: "Y of a reverse direction, reversed by a Slice, is not imported", model: func(t *testing.T) any {
		return seq(t, in(6, 4), &layers.GRU{Units: 4, NoResetAfter: true, ReturnSequences: true, GoBackwards: true})
	}},
	{name: "bidirectional_gru_reset_before", model: func(t *testing.T) any {
		return seq(t, in(5, 3),
			&layers.Bidirectional{Layer: &layers.GRU{Units: 3, NoResetAfter: true, ReturnSequences: true}},
			&layers.Bidirectional{Layer: &layers.GRU{Units: 3, NoResetAfter: true, ReturnSequences: true}, MergeMode: "sum"},
			&layers.Bidirectional{Layer: &layers.GRU{Units: 2, NoResetAfter: true}, MergeMode: "ave"})
	}},
	{name: "mask_gru_reset_before", ints: 8, padded: true, model: func(t *testing.T) any {
		return seq(t, in(6), &layers.Embedding{InputDim: 8, OutputDim: 4, MaskZero: true},
			&layers.GRU{Units: 3, NoResetAfter: true, ReturnSequences: true},
			&layers.Bidirectional{Layer: &layers.GRU{Units: 2, NoResetAfter: true}})
	}},
}
