package models

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/tensor"
)

// AsLayer returns the model as a layer to apply inside another model, as
// Keras lets a model be called on tensors: y := Apply(encoder.AsLayer(), x).
// The layer shares the model's weights (training the outer model trains
// them), takes one tensor per input of the model and gives one per output
// (use ApplyMulti for several). It shows as one row in the outer model's
// summary, as in Keras. The saving package saves it in Keras 3's layout
// for a nested Functional, and its layers' random states are part of the
// outer model's TrainingState (under the outer layer's name).
//
// In the outer model the layer is named after the model (its Name, as
// Keras names it) unless ApplyNamed names it; an unnamed model's layer is
// "functional", "functional_1", …. Every call returns the same layer, so
// that applying it twice shares it (one layer with two calls), as calling
// a Keras model twice does.
func (m *Model) AsLayer() layers.MultiLayer {
	if m.asLayer == nil {
		m.asLayer = &nestedModel{m: m}
	}
	return m.asLayer
}

// nestedModel is a Model used as a layer.
type nestedModel struct{ m *Model }

// ClassName implements layers.MultiLayer: Keras's class of a functional
// model.
func (n *nestedModel) ClassName() string { return "Functional" }

// PlanMulti implements layers.MultiPlanner.
func (n *nestedModel) PlanMulti(in [][]int) ([][]int, []layers.WeightShape, error) {
	if len(in) != len(n.m.inputs) {
		return nil, nil, fmt.Errorf("the model has %d inputs, got %d tensors", len(n.m.inputs), len(in))
	}
	for i, s := range in {
		if !equalShape(s, n.m.net.inShapes[i]) {
			return nil, nil, fmt.Errorf("input %d (%s) has shape %s, applied to %s", i, n.m.inNames[i], batchShapeString(n.m.net.inShapes[i]), batchShapeString(s))
		}
	}
	var ws []layers.WeightShape
	for _, w := range n.Weights() {
		ws = append(ws, layers.WeightShape{Name: w.Name, Shape: w.Value.Shape(), NonTrainable: !w.Trainable})
	}
	return cloneShapes(n.m.net.outShapes), ws, nil
}

// BuildMulti implements layers.MultiLayer. The model is built already; it
// only checks the shapes and keeps its weights.
func (n *nestedModel) BuildMulti(in [][]int, _ *rand.Rand) ([][]int, error) {
	out, _, err := n.PlanMulti(in)
	return out, err
}

// CallMulti implements layers.MultiLayer.
func (n *nestedModel) CallMulti(xs []*tensor.Tensor, training bool, outs []*tensor.Tensor) {
	copy(outs, n.m.net.forward(xs, training))
}

// CallMultiMasked implements layers.MaskedMulti: the inputs' masks go
// into the model, and the masks its outputs have come out, as a Keras
// Functional called on masked tensors propagates them.
func (n *nestedModel) CallMultiMasked(xs, masks []*tensor.Tensor, training bool, outs, outMasks []*tensor.Tensor) {
	o, m := n.m.net.forwardWithMasks(xs, masks, training)
	copy(outs, o)
	copy(outMasks, m)
}

// Weights implements layers.MultiLayer: every weight of the model's
// layers, named "<layer>/<weight>".
func (n *nestedModel) Weights() []*layers.Weight {
	var ws []*layers.Weight
	for i, l := range n.m.layerList {
		for _, w := range l.Weights() {
			ws = append(ws, &layers.Weight{Name: n.m.layerNames[i] + "/" + w.Name, Value: w.Value, Trainable: w.Trainable})
		}
	}
	return ws
}

// RegularizationLoss adds up the penalties of the model's layers, so that
// the outer model's training loss includes them.
func (n *nestedModel) RegularizationLoss() *tensor.Tensor {
	var total *tensor.Tensor
	for _, l := range n.m.net.layers {
		if r, ok := l.layer.(interface{ RegularizationLoss() *tensor.Tensor }); ok {
			if p := r.RegularizationLoss(); p != nil {
				if total == nil {
					total = p
				} else {
					total = total.Add(p)
				}
			}
		}
	}
	return total
}

// ApplyConstraints applies the weight constraints of the model's layers,
// so that the outer model's training step keeps them.
func (n *nestedModel) ApplyConstraints() {
	for _, l := range n.m.net.layers {
		if c, ok := l.layer.(interface{ ApplyConstraints() }); ok {
			c.ApplyConstraints()
		}
	}
}

// RandomState implements layers.RandomStater: the states of the model's
// layers that have a random generator, by layer name, as JSON.
func (n *nestedModel) RandomState() ([]byte, error) {
	states := map[string][]byte{}
	for _, l := range n.m.net.layers {
		if r, ok := l.layer.(layers.RandomStater); ok {
			b, err := r.RandomState()
			if err != nil {
				return nil, fmt.Errorf("layer %s: %w", l.name, err)
			}
			if b == nil {
				b = []byte{}
			}
			states[l.name] = b
		}
	}
	return json.Marshal(states)
}

// SetRandomState implements layers.RandomStater. Every layer with a
// random generator must have a state, and no other.
func (n *nestedModel) SetRandomState(b []byte) error {
	if b == nil {
		return nil
	}
	var states map[string][]byte
	if err := strictjson.Decode(b, &states); err != nil {
		return fmt.Errorf("the random states of a nested model: %w", err)
	}
	if err := n.m.checkRandom(states); err != nil {
		return err
	}
	return n.m.restoreRandom(states)
}
