package onnx_test

import (
	"testing"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
)

func init() {
	exportCases = append(exportCases, maskCases...)
}

// Embedding(mask_zero=True) before the recurrent layers, on sequences
// padded at the front, at the end, in the middle and everywhere
// (padPattern), and return_state.
var maskCases = []exportCase{
	{name: "mask_lstm_last", ints: 10, padded: true, model: func(t *testing.T) any {
		return seq(t, in(7), &layers.Embedding{InputDim: 10, OutputDim: 3, MaskZero: true}, &layers.Dropout{Rate: 0.2}, &layers.LSTM{Units: 4}, &layers.Dense{Units: 2})
	}},
	{name: "mask_gru_sequences_lstm", ints: 8, padded: true, model: func(t *testing.T) any {
		return seq(t, in(6), &layers.Embedding{InputDim: 8, OutputDim: 4, MaskZero: true}, &layers.GRU{Units: 3, ReturnSequences: true}, &layers.LSTM{Units: 2})
	}},
	{name: "mask_rnn_sequences", ints: 8, padded: true, model: func(t *testing.T) any {
		return seq(t, in(6), &layers.Embedding{InputDim: 8, OutputDim: 3, MaskZero: true}, &layers.SimpleRNN{Units: 3, ReturnSequences: true})
	}},
	{name: "mask_backwards", ints: 8, padded: true, model: func(t *testing.T) any {
		x := models.Input([]int{6}, "tokens")
		e := models.Apply(&layers.Embedding{InputDim: 8, OutputDim: 3, MaskZero: true}, x)
		a := models.ApplyNamed("backward_sequences", &layers.GRU{Units: 3, ReturnSequences: true, GoBackwards: true}, e)
		b := models.ApplyNamed("backward_last", &layers.LSTM{Units: 2, GoBackwards: true}, e)
		return fn(t, []*models.Node{x}, a, b)
	}},
	{name: "mask_bidirectional", ints: 9, padded: true, model: func(t *testing.T) any {
		return seq(t, in(7), &layers.Embedding{InputDim: 9, OutputDim: 3, MaskZero: true},
			&layers.Bidirectional{Layer: &layers.LSTM{Units: 3, ReturnSequences: true}},
			&layers.Bidirectional{Layer: &layers.GRU{Units: 2, ReturnSequences: true}, MergeMode: "ave"},
			&layers.Bidirectional{Layer: &layers.SimpleRNN{Units: 2}, MergeMode: "sum"})
	}},
	{name: "mask_return_state", ints: 9, padded: true, model: func(t *testing.T) any {
		x := models.Input([]int{7}, "tokens")
		e := models.Apply(&layers.Embedding{InputDim: 9, OutputDim: 3, MaskZero: true}, x)
		lstm := multi(t, &layers.LSTM{Units: 4, ReturnSequences: true, ReturnState: true}, []string{"lstm_sequences", "lstm_h", "lstm_c"}, e)
		gru := multi(t, &layers.GRU{Units: 3, ReturnState: true, GoBackwards: true}, []string{"gru_output", "gru_h"}, e)
		rnn := multi(t, &layers.SimpleRNN{Units: 2, ReturnState: true}, []string{"rnn_output", "rnn_h"}, e)
		return fn(t, []*models.Node{x}, append(append(lstm, gru...), rnn...)...)
	}},
	{name: "bidirectional_return_state", model: func(t *testing.T) any {
		x := models.Input([]int{5, 3}, "sequence")
		lstm := multi(t, &layers.Bidirectional{Layer: &layers.LSTM{Units: 3, ReturnState: true}}, []string{"lstm_output", "lstm_forward_h", "lstm_forward_c", "lstm_backward_h", "lstm_backward_c"}, x)
		gru := multi(t, &layers.Bidirectional{Layer: &layers.GRU{Units: 2, ReturnSequences: true, ReturnState: true}, MergeMode: "sum"}, []string{"gru_sequences", "gru_forward_h", "gru_backward_h"}, x)
		return fn(t, []*models.Node{x}, append(lstm, gru...)...)
	}},
	{name: "mask_bidirectional_return_state", ints: 8, padded: true, model: func(t *testing.T) any {
		x := models.Input([]int{6}, "tokens")
		e := models.Apply(&layers.Embedding{InputDim: 8, OutputDim: 3, MaskZero: true}, x)
		outs := multi(t, &layers.Bidirectional{Layer: &layers.LSTM{Units: 3, ReturnSequences: true, ReturnState: true}}, []string{"sequences", "forward_h", "forward_c", "backward_h", "backward_c"}, e)
		return fn(t, []*models.Node{x}, outs...)
	}},
	{name: "return_state", model: func(t *testing.T) any {
		x := models.Input([]int{5, 3}, "sequence")
		lstm := multi(t, &layers.LSTM{Units: 4, ReturnSequences: true, ReturnState: true}, []string{"lstm_sequences", "lstm_h", "lstm_c"}, x)
		gru := multi(t, &layers.GRU{Units: 3, ReturnState: true}, []string{"gru_output", "gru_h"}, x)
		rnn := multi(t, &layers.SimpleRNN{Units: 2, ReturnState: true, GoBackwards: true}, []string{"rnn_output", "rnn_h"}, x)
		return fn(t, []*models.Node{x}, append(append(lstm, gru...), rnn...)...)
	}},
}
