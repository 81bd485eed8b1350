package main

import (
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/plot"
)

// plotOptions are plot's flags.
type plotOptions struct {
	out, keys string
}

const plotUsage = `Usage: neuron plot FILE [-o curves.png] [-keys KEY,KEY...]

Redraws the training curves of a saved history: the history.json or
history.csv that "neuron train" writes, Keras's json.dump(history.history),
or a file of Keras's CSVLogger.

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
