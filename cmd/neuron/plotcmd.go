package main

import (
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/plot"
)

// plotOptions are plot's flags.
type plotOptions struct {
	out, keys string
	// The model diagram's options, Keras's plot_model arguments.
	model plot.ModelOptions
}

const plotUsage = `Usage: neuron plot FILE [-o curves.png] [-keys KEY,KEY...]
       neuron plot MODEL [-o model.png] [-show-shapes] [-show-layer-names] ...

Redraws the training curves of a saved history: the history.json or
history.csv that "neuron train" writes, Keras's json.dump(history.history),
or a file of Keras's CSVLogger.

Given a model file (.safetensors, .keras or .h5), draws the model's layer
graph as Keras's keras.utils.plot_model does (model.png by default; .png,
.svg, .pdf, or .dot for Graphviz's text), rendered by Graphviz's dot when
it is installed; without it, only a model whose layers form one chain can
be drawn.

By default the figure has two panels, the loss on the left and the accuracy
on the right, the training curve in blue and the validation curve in
orange. With -keys, it has one panel with the given keys, in matplotlib's
colour order (e.g. -keys accuracy,val_accuracy).
`

// plotFlags returns plot's flag set and the options it fills.
func plotFlags() (*flag.FlagSet, *plotOptions) {
	o := &plotOptions{}
	fs := newFlagSet("plot", plotUsage)
	fs.StringVar(&o.out, "o", "curves.png", "write the figure to `file` (.png, .svg or .pdf)")
	fs.StringVar(&o.keys, "keys", "", "comma-separated history keys to draw on one panel (default: loss and accuracy panels)")
	fs.BoolVar(&o.model.ShowShapes, "show-shapes", false, "model diagram: show each layer's input and output shapes (Keras's show_shapes)")
	fs.BoolVar(&o.model.ShowDtype, "show-dtype", false, "model diagram: show each layer's output dtype")
	fs.BoolVar(&o.model.ShowLayerNames, "show-layer-names", false, "model diagram: show the layers' names")
	fs.StringVar(&o.model.Rankdir, "rankdir", "TB", "model diagram: TB (top to bottom), BT, LR or RL")
	fs.BoolVar(&o.model.ExpandNested, "expand-nested", false, "model diagram: draw the layers of nested models in clusters")
	fs.IntVar(&o.model.DPI, "dpi", 200, "model diagram: dots per inch of a PNG")
	fs.BoolVar(&o.model.ShowLayerActivations, "show-layer-activations", false, "model diagram: show the layers' activations")
	fs.BoolVar(&o.model.ShowTrainable, "show-trainable", false, "model diagram: show whether each layer is trainable")
	return fs, o
}

// runPlot is "neuron plot FILE": it redraws the curves of a saved history.
func runPlot(args []string, s streams) error {
	fs, o := plotFlags()
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usagef("missing FILE (a history.json or history.csv)")
	case len(pos) > 1:
		return usagef("unexpected argument %q after FILE %s", pos[1], pos[0])
	}
	if isModelFile(pos[0]) {
		return plotModel(pos[0], fs, o, s)
	}
	if !figureExt(o.out) {
		return usagef("-o must name a .png, .svg or .pdf file, got %q", o.out)
	}
	var keys []string
	if o.keys != "" {
		for k := range strings.SplitSeq(o.keys, ",") {
			if k = strings.TrimSpace(k); k == "" {
				return usagef("-keys has an empty key in %q", o.keys)
			}
			keys = append(keys, k)
		}
	}

	h, err := readHistory(pos[0])
	if err != nil {
		return err
	}
	have := make([]string, 0, len(h))
	for k := range h {
		have = append(have, k)
	}
	sort.Strings(have)
	for _, k := range keys {
		if _, ok := h[k]; !ok {
			return usagef("-keys: %s has no key %q (it has %s)", pos[0], k, strings.Join(have, ", "))
		}
	}
	switch _, hasLoss := h["loss"]; {
	case keys != nil:
		err = plot.SaveHistory(o.out, h, keys...)
	case hasLoss:
		err = plot.SaveLossAccuracy(o.out, h)
	default:
		err = plot.SaveHistory(o.out, h)
	}
	if err != nil {
		return writeError("-o", o.out, err)
	}
	fmt.Fprintf(s.stdout, "wrote %s\n", o.out)
	return nil
}

// isModelFile reports whether path names a model file rather than a
// history, by its extension.
func isModelFile(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".safetensors", ".keras", ".h5":
		return true
	}
	return false
}

// plotModel is "neuron plot MODEL": the model's diagram.
func plotModel(path string, fs *flag.FlagSet, o *plotOptions, s streams) error {
	out := o.out
	if !setFlags(fs)["o"] {
		out = "model.png" // Keras's to_file
	}
	switch strings.ToLower(filepath.Ext(out)) {
	case ".png", ".svg", ".pdf", ".dot":
	default:
		return usagef("-o must name a .png, .svg, .pdf or .dot file, got %q", out)
	}
	if o.keys != "" {
		return usagef("-keys is for histories, not for the model %s", path)
	}
	m, err := openModel(path)
	if err != nil {
		return err
	}
	if err := plot.PlotModel(m, out, o.model); err != nil {
		var ae *plot.ArgError
		if errors.As(err, &ae) {
			return usagef("%s", err)
		}
		return writeError("-o", out, err)
	}
	fmt.Fprintf(s.stdout, "wrote %s\n", out)
	return nil
}
