package main

import (
	"flag"
	"fmt"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/models"
)

// formatList names the extensions convert and summary know.
func formatList() string {
	exts := make([]string, 0, len(modelFormats))
	for e := range modelFormats {
		exts = append(exts, e)
	}
	sort.Strings(exts)
	return strings.Join(exts, ", ")
}

const summaryUsage = `Usage: neuron summary MODEL

Prints the summary of a model file, as Keras's model.summary() does: its
layers, their output shapes and parameter counts. MODEL is a file of any
format neuron reads, by extension: %s.

Examples:

	neuron summary out/mnist/model.safetensors
	neuron summary mnist.keras
`

func summaryFlags() *flag.FlagSet {
	return newFlagSet("summary", fmt.Sprintf(summaryUsage, formatList()))
}

func runSummary(args []string, s streams) error {
	pos, err := parseArgs(summaryFlags(), args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usagef("missing MODEL (e.g. neuron summary mnist.keras)")
	case len(pos) > 1:
		return usagef("unexpected argument %q after MODEL %s", pos[1], pos[0])
	}
	m, err := openModel(pos[0])
	if err != nil {
		return err
	}
	switch m := m.(type) {
	case *models.Sequential:
		m.Out = s.stdout
		m.Summary()
	case *models.Model:
		m.Out = s.stdout
		m.Summary()
	default:
		return fmt.Errorf("model %s: %T has no summary", pos[0], m)
	}
	return nil
}

const convertUsage = `Usage: neuron convert IN OUT

Converts a model file to another format, chosen by each file's extension
(%s; any other extension is neuron's own format): the architecture, the
weights and, for a compiled model, the compile settings and the
optimizer's state. OUT is replaced atomically.

Examples:

	neuron convert mnist.h5 mnist.keras          # Keras 2's legacy file to Keras 3's
	neuron convert out/mnist/model.safetensors mnist.keras
	neuron convert mnist.keras mnist.safetensors
	neuron convert out/mnist/model.safetensors mnist.onnx   # for ONNX Runtime
`

func convertFlags() *flag.FlagSet {
	return newFlagSet("convert", fmt.Sprintf(convertUsage, formatList()))
}

func runConvert(args []string, s streams) error {
	pos, err := parseArgs(convertFlags(), args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) < 2:
		return usagef("want IN and OUT (e.g. neuron convert mnist.h5 mnist.keras), got %d arguments", len(pos))
	case len(pos) > 2:
		return usagef("unexpected argument %q after IN %s and OUT %s", pos[2], pos[0], pos[1])
	}
	in, out := pos[0], pos[1]
	m, err := openModel(in)
	if err != nil {
		return err
	}
	f := formatOf(out)
	if err := f.save(m, out); err != nil {
		return fmt.Errorf("convert %s to %s: %v", in, out, err)
	}
	fmt.Fprintf(s.stdout, "%s → %s (%s)\n", in, out, f.name)
	return nil
}
