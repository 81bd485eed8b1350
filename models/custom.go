package models

import "fmt"

// Custom models, Keras's subclassing of keras.Model: a Go type that
// implements layers.Layer (one input) or layers.MultiLayer (several) is a
// model's whole forward pass, written with tensor operations and other
// layers. It holds its weights, made in Build from the per-example input
// shape and the random generator the model gives it (as Keras's build), and
// returns them from Weights; Call is Keras's call(inputs, training). The
// gradients come from the tensor operations, so there is no backward code
// to write. FromLayer makes it a Model, which trains with the same
// Compile, Fit, Evaluate and Predict as any other, callbacks included.
//
// A custom layer made of other layers builds them in its own Build,
// returns all their weights from Weights under distinct names (see
// layers.PrefixWeights) and passes on to them what the model gives the
// layer itself: SeedFrom (layers.Seeder) to random ones such as Dropout, so
// that the model's seed fixes their masks, and RegularizationLoss and
// ApplyConstraints if they have regularizers or constraints. Saving the
// model with package saving (its BackupAndRestore too) also needs the
// layer's config and plan: implement layers.Configurable and
// layers.Planner (the shapes of the weights Build would make, against
// which a file is checked before anything is allocated), register the
// class with layers.Register, as the built-in layers do, and pass on
// layers.RandomStater to a random sub-layer, so that the file holds its
// generator and training resumes exactly.

// FromLayer makes a model whose forward pass is one custom layer, as
// instantiating a subclassed keras.Model: inputShapes holds the per-example
// shape of each input (one for a layers.Layer). The layer is built at once
// from the model's seed (0, see SetSeed). The model is named after the
// layer's class in snake case ("ResidualMLP" gives "residual_mlp"), as
// Keras names a subclassed model, and its input is "input_layer" (with
// several inputs, "input_layer", "input_layer_1", …). It is
//
//	x := Input(inputShapes[0], "")
//	model, err := NewModel([]*Node{x}, []*Node{Apply(layer, x)})
//
// with the name set; use Input, Apply and NewModel directly for a layer
// with several outputs, or to name the inputs.
func FromLayer(layer Callable, inputShapes ...[]int) (*Model, error) {
	if isNilValue(layer) {
		return nil, fmt.Errorf("models: FromLayer: the layer is a nil %T", layer)
	}
	if len(inputShapes) == 0 {
		return nil, fmt.Errorf("models: FromLayer %s: no input shape; give the per-example shape of each input", layer.ClassName())
	}
	ins := make([]*Node, len(inputShapes))
	for i, s := range inputShapes {
		ins[i] = Input(s, "")
		if err := ins[i].Err(); err != nil {
			return nil, fmt.Errorf("models: FromLayer %s: inputShapes[%d]: %w", layer.ClassName(), i, err)
		}
	}
	outs, err := ApplyMulti(layer, ins...)
	if err != nil {
		return nil, err
	}
	if len(outs) != 1 {
		return nil, fmt.Errorf("models: FromLayer %s: the layer has %d outputs; a model's outputs are named after their layers, so apply it with ApplyMulti and give each output a named layer (ApplyNamed with layers.Identity)", layer.ClassName(), len(outs))
	}
	m, err := NewModel(ins, outs)
	if err != nil {
		return nil, err
	}
	m.Name = snake(layer.ClassName())
	return m, nil
}

// checkWeightNames refuses a layer whose weights are unnamed or share a
// name: the names key the weights in files and checkpoints, and a custom
// layer made of other layers easily returns two "kernel"s.
func checkWeightNames(layer string, l Callable) error {
	seen := map[string]bool{}
	for _, w := range l.Weights() {
		if w == nil || w.Value == nil {
			return fmt.Errorf("layer %s (%s): Weights returned a nil weight", layer, l.ClassName())
		}
		if w.Name == "" {
			return fmt.Errorf("layer %s (%s): a weight of shape %v has no name", layer, l.ClassName(), w.Value.Shape())
		}
		if seen[w.Name] {
			return fmt.Errorf("layer %s (%s): two weights are named %q; the weights of a layer need distinct names (a layer made of other layers can prefix theirs with layers.PrefixWeights)", layer, l.ClassName(), w.Name)
		}
		seen[w.Name] = true
	}
	return nil
}
