package layers

// PrefixWeights returns ws renamed "<prefix>/<name>", sharing their values,
// for the Weights method of a custom layer made of other layers: a model
// needs distinct weight names within a layer (they name the tensors of its
// files), and two sub-layers' "kernel"s would clash. Keras names the
// variables of a subclassed layer's sub-layers the same way
// ("dense/kernel").
func PrefixWeights(prefix string, ws []*Weight) []*Weight {
	out := make([]*Weight, len(ws))
	for i, w := range ws {
		out[i] = &Weight{Name: prefix + "/" + w.Name, Value: w.Value, Trainable: w.Trainable}
	}
	return out
}
