// Package kerasfile reads and writes Keras's model files: Keras 3's
// ".keras" archives and the legacy HDF5 ".h5" files of Keras 2 and of
// Keras 3's save("x.h5"), so that a model trained in Keras predicts,
// evaluates and goes on training in neuron, and a neuron model opens in
// Keras.
//
//	m, err := kerasfile.Load("mnist.keras") // a *models.Sequential or *models.Model
//	err = kerasfile.Save(m, "mnist.h5")
//
// # What is read
//
// A .keras archive (Keras 3's, or Keras 2.12–2.15's, which wrote the
// same format) holds metadata.json (keras_version), config.json (the
// model as Keras's serialization_lib writes it: module, class_name,
// config, registered_name, with nested layer configs, build_config and
// compile_config) and model.weights.h5 (the variables in saving_lib's
// layout: layers/<key>/vars/0, …, sublayers below their layer, the
// optimizer's variables under optimizer/vars). A legacy .h5 file holds the
// attributes model_config, keras_version, backend and training_config and
// the groups model_weights (attributes layer_names and weight_names; with
// Keras 2's ":0" suffixes or without) and optimizer_weights.
//
// Sequential and functional models are read, nested functional models
// and wrappers included, with every layer neuron has (package layers),
// under Keras's class names and config keys. The layers keep the names
// the file gives them (models.Sequential.SetLayerName for a Sequential's);
// the paths of a Keras 3 weights file are named by class and position, as
// saving_lib names them, whatever the layers' names.
//
// # Safety
//
// A model file is untrusted input, as it is for Keras's safe_mode: a
// Lambda layer, or any config holding Python code or bytecode, is refused
// (ErrUnsafe) and never run; so are archive entries whose names leave the
// archive (ErrUnsafePath), compressed entries that expand beyond a bounded
// ratio, too many entries, configs larger than 64 MiB or nested deeper
// than the JSON limit (ErrInvalid). A valid file holding what neuron does
// not have (a custom or unknown layer class, a setting at a value neuron
// lacks, a dtype other than float32) is refused with ErrUnsupported and an
// error naming the layer class and where it is.
//
// # What is written
//
// Save writes what Keras 3.16 writes for the same model: for .keras, the
// entries in Keras's order, stored uncompressed; config.json with Keras's
// modules ("keras.layers", "keras.initializers", …), DTypePolicy dtypes,
// an InputLayer first in a Sequential, build_config on every layer and
// compile_config; model.weights.h5 with a vars group (carrying the name
// attribute) for the model, each layer and each sublayer, and the
// optimizer's variables (iteration, learning_rate, then the slots in
// Keras's order). For .h5, Keras 3's legacy layout: variable paths as
// weight names ("sequential/dense/kernel"), layer groups in name order,
// optimizer_weights under the optimizer's name.
//
// Layer configs carry the keys Keras writes as null (kernel_regularizer,
// seed, quantization_config, …) and build_config on the layers Keras
// builds when first called (not on Dropout, pooling or activation
// layers, which Keras builds in __init__); Keras-3-written archives are
// saved again with their keys (TestKeras3ConfigKeys). Where the files
// differ from Keras's own: no shared_object_id marks objects that layers
// share, since neuron's layers share none; JSON keys are in sorted order; a legacy file's weight names prefix a functional model's
// variables with the model's name as a Sequential's are. Reading does
// not depend on any of these: legacy files are read by order, as Keras
// reads them.
package kerasfile
