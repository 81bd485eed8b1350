package kerasfile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/saving"
)

// Where Keras keeps a model's variables.
//
// Keras 3 (model.weights.h5 in a .keras file, saving_lib): each layer of
// model.layers (InputLayers excepted) is the group layers/<key>, key being
// the snake-case class name made unique in order ("dense", "dense_1", …;
// not the layer's name); its own variables are the datasets vars/0,
// vars/1, … in creation order, and a sublayer's are below it under the
// attribute that holds it: a recurrent layer's cell (cell/vars),
// Bidirectional's forward_layer and backward_layer, TimeDistributed's
// layer, MultiHeadAttention's _query_dense, _key_dense, _value_dense and
// _output_dense, a nested model's layers/<key>. The optimizer's variables
// are optimizer/vars/0, … : the iteration count, the learning rate (unless
// a schedule), then the slots.
//
// Legacy HDF5 (Keras 2, and Keras 3's save("x.h5"), legacy_h5_format):
// model_weights (or the root, for save_weights) lists the layers in the
// attribute layer_names; each layer's group lists its datasets in
// weight_names, trainable ones first. Loading goes by order, as Keras's
// load_weights_from_hdf5_group does: the i-th layer with weights in the
// file gives the i-th layer with weights in the model its values.

// layerWeights groups a model's weights by top-level layer, in order.
func layerWeights(ws []*layers.Weight) (names []string, by map[string][]*layers.Weight) {
	by = map[string][]*layers.Weight{}
	for _, w := range ws {
		top, _, _ := strings.Cut(w.Name, "/")
		if _, ok := by[top]; !ok {
			names = append(names, top)
		}
		by[top] = append(by[top], w)
	}
	return names, by
}

// keys3 returns the Keras 3 saving_lib keys of a list of layers.
func keys3(ls []*kerasLayer) []string {
	used := map[string]int{}
	out := make([]string, len(ls))
	for i, l := range ls {
		base := layers.DefaultName(l.class)
		if n, ok := used[base]; ok {
			used[base] = n + 1
			out[i] = fmt.Sprintf("%s_%d", base, n+1)
		} else {
			used[base] = 0
			out[i] = base
		}
	}
	return out
}

// innerClass returns the class of a wrapper's layer under key k.
func innerClass(l *kerasLayer, k string) (*kerasLayer, bool) {
	if l.config == nil {
		return nil, false
	}
	o, err := decodeObject(l.config[k], k)
	if err != nil {
		return nil, false
	}
	c, _ := decodeString(o["class_name"])
	cfg, _ := decodeObject(o["config"], k)
	return &kerasLayer{class: c, config: cfg}, c != ""
}

// varGroups returns the groups, below path, that hold the layer's
// variables in Keras 3's layout, in the order of neuron's weights.
func varGroups(l *kerasLayer, path string) []string {
	switch {
	case recurrentClasses[l.class]:
		return []string{path + "/cell"}
	case l.class == "Bidirectional":
		f, ok := innerClass(l, "layer")
		if !ok {
			return []string{path}
		}
		b, ok := innerClass(l, "backward_layer")
		if !ok {
			b = f
		}
		return append(varGroups(f, path+"/forward_layer"), varGroups(b, path+"/backward_layer")...)
	case l.class == "TimeDistributed":
		if in, ok := innerClass(l, "layer"); ok {
			return varGroups(in, path+"/layer")
		}
	case l.class == "MultiHeadAttention":
		return []string{path + "/_query_dense", path + "/_key_dense", path + "/_value_dense", path + "/_output_dense"}
	case l.sub != nil:
		var out []string
		for i, k := range keys3(l.sub) {
			out = append(out, varGroups(l.sub[i], path+"/layers/"+k)...)
		}
		return out
	}
	return []string{path}
}

// readInto checks a dataset's shape against a weight's and reads it.
func readInto(d h5Dataset, w *layers.Weight, where string) error {
	want := w.Value.Shape()
	if got := d.shape(); !slices.Equal(got, want) {
		return invalidf("%s has shape %v; weight %s needs %v", where, got, w.Name, want)
	}
	return readChecked(d, w.Value.Data(), w.Name, where)
}

// readWeights3 reads Keras 3's layout into the model's weights.
func readWeights3(root h5Group, t *translated, st []*layers.Weight) error {
	names, by := layerWeights(st)
	if len(names) > 0 && len(t.layers) == 0 {
		return invalidf("the model has weights but the config no layers")
	}
	byName := map[string]*kerasLayer{}
	keys := keys3(t.layers)
	keyOf := map[string]string{}
	for i, l := range t.layers {
		byName[l.name] = l
		keyOf[l.name] = keys[i]
	}
	for _, n := range names {
		l, ok := byName[n]
		if !ok {
			return invalidf("layer %q of the model is not in the config", n)
		}
		ws := by[n]
		var sets []h5Dataset
		var where []string
		for _, gp := range varGroups(l, "layers/"+keyOf[n]) {
			g, ok, err := lookupGroup(root, gp+"/vars")
			if err != nil {
				return fmt.Errorf("%w: %s/vars: %v", ErrInvalid, gp, err)
			}
			if !ok {
				return invalidf("model.weights.h5: group %s/vars (the variables of layer %q, %s) is missing", gp, n, l.class)
			}
			ds, err := numberedDatasets(g, gp+"/vars")
			if err != nil {
				return err
			}
			for i, d := range ds {
				sets = append(sets, d)
				where = append(where, fmt.Sprintf("model.weights.h5: %s/vars/%d", gp, i))
			}
		}
		if len(sets) != len(ws) {
			return invalidf("model.weights.h5: layer %q (%s) has %d variables in the file; neuron's %s has %d (%s)", n, l.class, len(sets), l.class, len(ws), weightList(ws))
		}
		for i, w := range ws {
			if err := readInto(sets[i], w, where[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func weightList(ws []*layers.Weight) string {
	s := make([]string, len(ws))
	for i, w := range ws {
		s[i] = fmt.Sprintf("%s %v", w.Name, w.Value.Shape())
	}
	return strings.Join(s, ", ")
}

// legacyOrder puts a layer's trainable weights first, as Keras's
// _legacy_weights does.
func legacyOrder(ws []*layers.Weight) []*layers.Weight {
	out := make([]*layers.Weight, 0, len(ws))
	for _, w := range ws {
		if w.Trainable {
			out = append(out, w)
		}
	}
	for _, w := range ws {
		if !w.Trainable {
			out = append(out, w)
		}
	}
	return out
}

// readWeightsLegacy reads the legacy layout of group g (model_weights, or
// the root of a weights file) into the model's weights.
func readWeightsLegacy(g h5Group, st []*layers.Weight, what string) error {
	names, ok, err := stringList(g, "layer_names")
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalid, what, err)
	}
	if !ok {
		return invalidf("%s: attribute layer_names is missing", what)
	}
	type fileLayer struct {
		name    string
		g       h5Group
		weights []string
	}
	var withWeights []fileLayer
	for _, n := range names {
		lg, ok, err := g.group(n)
		if err != nil || !ok {
			return invalidf("%s: layer_names lists %q but there is no such group", what, n)
		}
		wn, _, err := stringList(lg, "weight_names")
		if err != nil {
			return fmt.Errorf("%w: %s/%s: %v", ErrInvalid, what, n, err)
		}
		if len(wn) > 0 {
			withWeights = append(withWeights, fileLayer{n, lg, wn})
		}
	}
	lnames, by := layerWeights(st)
	if len(withWeights) != len(lnames) {
		return invalidf("%s: the file has %d layers with weights, the model %d (%s)", what, len(withWeights), len(lnames), strings.Join(lnames, ", "))
	}
	for i, n := range lnames {
		fl := withWeights[i]
		ws := legacyOrder(by[n])
		if len(fl.weights) != len(ws) {
			return invalidf("%s/%s: %d weights (%s); layer %q of the model has %d (%s)", what, fl.name, len(fl.weights), strings.Join(fl.weights, ", "), n, len(ws), weightList(ws))
		}
		for j, wn := range fl.weights {
			d, ok, err := lookupDataset(fl.g, wn)
			if err != nil || !ok {
				return invalidf("%s/%s: weight_names lists %q but there is no such dataset", what, fl.name, wn)
			}
			if err := readInto(d, ws[j], fmt.Sprintf("%s/%s/%s", what, fl.name, wn)); err != nil {
				return err
			}
		}
	}
	return nil
}

// slotLayout tells how Keras orders an optimizer's slot variables: for
// each model variable in turn, all its slots (interleaved: Adam, AdamW,
// which create them with add_optimizer_variables), or all variables' first
// slot, then all their second (blocked: RMSprop, and Keras 2's
// optimizers).
func slotLayout(class string) (interleaved, known bool) {
	switch class {
	case "Adam", "AdamW", "Adamax", "Lion":
		return true, true
	case "SGD", "Adagrad", "RMSprop":
		return false, true
	}
	return false, false
}

// optimizerState assembles an optimizer state from Keras's variables:
// iterations, the learning rate (or NaN when absent), and the slot values
// in Keras's order, for neuron's slot names.
func optimizerState(opt optimizers.Optimizer, trainable []*layers.Weight, slotVals []h5Dataset, interleaved bool, where []string) (*optimizers.State, error) {
	sf, ok := opt.(optimizers.Stateful)
	if !ok {
		return nil, nil
	}
	s0, err := sf.State()
	if err != nil {
		return nil, err
	}
	k, n := len(s0.Slots), len(trainable)
	if len(slotVals) != k*n {
		return nil, invalidf("optimizer: %d slot variables; %s with %d slots (%s) over %d trainable weights needs %d", len(slotVals), opt.Name(), k, slotNames(s0.Slots), n, k*n)
	}
	st := &optimizers.State{}
	for j, s := range s0.Slots {
		vals := make([][]float32, n)
		for i, w := range trainable {
			idx := j*n + i
			if interleaved {
				idx = i*k + j
			}
			d := slotVals[idx]
			if !slices.Equal(d.shape(), w.Value.Shape()) {
				return nil, invalidf("%s has shape %v; slot %s of %s needs %v", where[idx], d.shape(), s.Name, w.Name, w.Value.Shape())
			}
			vals[i] = make([]float32, w.Value.Size())
			if err := d.readFloat32(vals[i]); err != nil {
				return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, where[idx], err)
			}
		}
		st.Slots = append(st.Slots, optimizers.Slot{Name: s.Name, Values: vals})
	}
	return st, nil
}

func slotNames(ss []optimizers.Slot) string {
	n := make([]string, len(ss))
	for i, s := range ss {
		n[i] = s.Name
	}
	return strings.Join(n, ", ")
}

func trainableOf(ws []*layers.Weight) []*layers.Weight {
	var out []*layers.Weight
	for _, w := range ws {
		if w.Trainable {
			out = append(out, w)
		}
	}
	return out
}

// restoreOptimizer3 reads optimizer/vars of a Keras 3 file into st.
func restoreOptimizer3(root h5Group, m saving.Model, st *stateSetter) error {
	g, ok, err := lookupGroup(root, "optimizer/vars")
	if err != nil {
		return fmt.Errorf("%w: optimizer/vars: %v", ErrInvalid, err)
	}
	opt := m.Optimizer()
	if !ok || opt == nil {
		return nil
	}
	ds, err := numberedDatasets(g, "optimizer/vars")
	if err != nil {
		return err
	}
	if len(ds) == 0 {
		return nil // compiled, never trained
	}
	if len(ds) <= 2 && len(trainableOf(st.state.Weights)) > 0 {
		// Only the iteration count and the learning rate: Keras saved
		// an optimizer built over no variables. Keras's
		// load_own_variables skips a store whose variable count is not
		// the optimizer's, so the optimizer starts afresh, built (by
		// compile_from_config) but never stepped: its fresh state.
		if sf, ok := opt.(optimizers.Stateful); ok {
			if s, err := sf.State(); err == nil {
				st.state.Optimizer = &s
			}
		}
		return nil
	}
	class := optimizerClass(opt)
	interleaved, known := slotLayout(class)
	trainable := trainableOf(st.state.Weights)
	iters, err := ds[0].readInt64()
	if err != nil {
		return invalidf("optimizer/vars/0 (iterations): %v", err)
	}
	rest := ds[1:]
	var lr float64
	sf, _ := opt.(optimizers.Stateful)
	k := 0
	if sf != nil {
		if s0, err := sf.State(); err == nil {
			k = len(s0.Slots)
		}
	}
	if len(rest) == k*len(trainable)+1 {
		v := make([]float32, 1)
		if len(rest[0].shape()) != 0 || rest[0].readFloat32(v) != nil {
			return invalidf("optimizer/vars/1 (learning_rate) must hold one number")
		}
		lr, rest = float64(v[0]), rest[1:]
	}
	if !known && k > 1 {
		return unsupportedf("optimizer/vars: the order of %s's slot variables in Keras files is not known to neuron", class)
	}
	where := make([]string, len(rest))
	for i := range rest {
		where[i] = fmt.Sprintf("optimizer/vars/%d", len(ds)-len(rest)+i)
	}
	os, err := optimizerState(opt, trainable, rest, interleaved, where)
	if err != nil || os == nil {
		return err
	}
	if iters < 0 || iters > saving.MaxIterations {
		return invalidf("optimizer/vars/0: iterations %d out of range", iters)
	}
	os.Iterations = int(iters)
	if float32(lr) == float32(opt.LR()) {
		// Keras keeps the rate as a float32 variable: the config's
		// float64 is the same rate, more exactly.
		lr = 0
	}
	st.state.Optimizer, st.state.LearningRate = os, lr
	return nil
}

// optimizerClass returns the Keras class name an optimizer saves under.
func optimizerClass(o optimizers.Optimizer) string {
	b, err := optimizers.MarshalConfig(o)
	if err != nil {
		return ""
	}
	var s struct {
		ClassName string `json:"class_name"`
	}
	if err := jsonUnmarshal(b, &s); err != nil {
		return ""
	}
	return s.ClassName
}

// restoreOptimizerLegacy reads optimizer_weights of a legacy file: Keras 2
// writes the iteration count first ("Adam/iter:0"), then each slot for
// all variables in turn; Keras 3 writes its optimizer's variables as in a
// .keras file (iteration, learning_rate, then the slots).
func restoreOptimizerLegacy(root h5Group, m saving.Model, st *stateSetter) error {
	g, ok, err := root.group("optimizer_weights")
	if err != nil {
		return fmt.Errorf("%w: optimizer_weights: %v", ErrInvalid, err)
	}
	opt := m.Optimizer()
	if !ok || opt == nil {
		return nil
	}
	names, _, err := stringList(g, "weight_names")
	if err != nil {
		return fmt.Errorf("%w: optimizer_weights: %v", ErrInvalid, err)
	}
	if len(names) == 0 {
		return nil
	}
	var ds []h5Dataset
	for _, n := range names {
		d, ok, err := lookupDataset(g, n)
		if err != nil || !ok {
			return invalidf("optimizer_weights: weight_names lists %q but there is no such dataset", n)
		}
		ds = append(ds, d)
	}
	trainable := trainableOf(st.state.Weights)
	iters, err := ds[0].readInt64()
	if err != nil {
		return invalidf("optimizer_weights/%s (iterations): %v", names[0], err)
	}
	rest, rnames := ds[1:], names[1:]
	var lr float64
	if len(rnames) > 0 && (strings.HasSuffix(rnames[0], "/learning_rate") || strings.HasSuffix(rnames[0], "/learning_rate:0")) {
		v := make([]float32, 1)
		if rest[0].readFloat32(v) != nil {
			return invalidf("optimizer_weights/%s must hold one number", rnames[0])
		}
		lr, rest, rnames = float64(v[0]), rest[1:], rnames[1:]
	}
	class := optimizerClass(opt)
	interleaved := false
	if len(names) > 0 && !strings.HasSuffix(names[0], ":0") {
		// Keras 3's variables, in its own order.
		var known bool
		interleaved, known = slotLayout(class)
		if !known && len(rest) > len(trainable) {
			return unsupportedf("optimizer_weights: the order of %s's slot variables in Keras files is not known to neuron", class)
		}
	}
	where := make([]string, len(rnames))
	for i, n := range rnames {
		where[i] = "optimizer_weights/" + n
	}
	os, err := optimizerState(opt, trainable, rest, interleaved, where)
	if err != nil || os == nil {
		return err
	}
	if iters < 0 || iters > saving.MaxIterations {
		return invalidf("optimizer_weights: iterations %d out of range", iters)
	}
	os.Iterations = int(iters)
	if float32(lr) == float32(opt.LR()) {
		// Keras keeps the rate as a float32 variable: the config's
		// float64 is the same rate, more exactly.
		lr = 0
	}
	st.state.Optimizer, st.state.LearningRate = os, lr
	return nil
}

// kerasVarPath returns the path Keras 3 gives a variable (Variable.path):
// the model's name, the layer's, the cell's for a recurrent layer, then
// the variable's name: "sequential/lstm/lstm_cell/kernel".
func kerasVarPath(model string, l *kerasLayer, weight string) string {
	parts := strings.Split(weight, "/")
	cellOf := func(class string) string { return layers.DefaultName(class) + "_cell" }
	switch {
	case recurrentClasses[l.class] && len(parts) == 2:
		parts = []string{parts[0], cellOf(l.class), parts[1]}
	case l.class == "Bidirectional" && len(parts) == 3:
		if in, ok := innerClass(l, "layer"); ok && recurrentClasses[in.class] {
			parts = []string{parts[0], parts[1], cellOf(in.class), parts[2]}
		}
	}
	return model + "/" + strings.Join(parts, "/")
}

// itoa is strconv.Itoa, for the numbered datasets.
func itoa(i int) string { return strconv.Itoa(i) }
