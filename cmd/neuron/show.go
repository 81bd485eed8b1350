package main

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/neuron-go/neuron/plot"
	"github.com/neuron-go/neuron/plot/cmap"
	"github.com/neuron-go/neuron/tensor"
	"github.com/neuron-go/neuron/termimg"
)

// showOptions are show's flags.
type showOptions struct {
	train, test, numbers bool
	out, cmap            string
}

const showUsage = `Usage: neuron show mnist|fashion INDEX [-train|-test] [-o file.png] [-cmap viridis|gray] [-numbers]

Prints the label of image INDEX of the training set (y_train[INDEX]; with
Fashion-MNIST, also its class name) and draws the image (X_train[INDEX]):

	in the terminal, with Unicode half blocks in 24-bit colour or in grey
	levels, or in ASCII characters (from " " for 0 to "@" for 255) when
	the terminal announces no colours or NO_COLOR is set;

	with -o, in a file as plt.imshow(X_train[INDEX]) draws it (PNG, SVG or
	PDF by the extension), in the viridis colour map unless -cmap says
	otherwise;

	with -numbers, as the pixel values 0..255, as the course's
	np.set_printoptions(linewidth=120); print(X_train[INDEX]) prints them.

INDEX is in [0, 60000) for the training set and [0, 10000) for the test set.
`

// showFlags returns show's flag set and the options it fills.
func showFlags() (*flag.FlagSet, *showOptions) {
	o := &showOptions{}
	fs := newFlagSet("show", showUsage)
	fs.BoolVar(&o.train, "train", false, "take the image from the training set (X_train; the default)")
	fs.BoolVar(&o.test, "test", false, "take the image from the test set (X_test)")
	fs.StringVar(&o.out, "o", "", "write the image to `file` (.png, .svg or .pdf) instead of drawing it in the terminal")
	fs.StringVar(&o.cmap, "cmap", "viridis", "colour map: viridis (matplotlib's default), gray or Blues")
	fs.BoolVar(&o.numbers, "numbers", false, "print the 28×28 pixel values instead of drawing the image")
	return fs, o
}

// runShow is "neuron show DATASET INDEX": it prints a label and draws or
// writes its image.
func runShow(args []string, s streams) error {
	fs, o := showFlags()
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usagef("missing DATASET and INDEX (e.g. neuron show mnist 0)")
	case len(pos) > 2:
		return usagef("unexpected argument %q after INDEX %s", pos[2], pos[1])
	}
	d, ok := datasetByName(pos[0])
	if !ok {
		return usagef("unknown data set %q (want mnist or fashion)", pos[0])
	}
	if len(pos) == 1 {
		return usagef("missing INDEX (e.g. neuron show %s 0)", pos[0])
	}
	if o.train && o.test {
		return usagef("-train and -test cannot be used together")
	}
	n, set := d.trainN, "train"
	if o.test {
		n, set = d.testN, "test"
	}
	index, err := strconv.Atoi(pos[1])
	if err != nil {
		return usagef("INDEX must be an integer, got %q", pos[1])
	}
	if index < 0 || index >= n {
		return usagef("INDEX must be in [0, %d), got %d", n, index)
	}
	cm := cmap.ByName(o.cmap)
	if cm == nil {
		return usagef("-cmap must be viridis, gray or Blues, got %q", o.cmap)
	}
	if o.out != "" && !figureExt(o.out) {
		return usagef("-o must name a .png, .svg or .pdf file, got %q", o.out)
	}

	data, err := loadData(d, nil)
	if err != nil {
		return err
	}
	x, y := data.xTrain, data.yTrain
	if o.test {
		x, y = data.xTest, data.yTest
	}
	if index >= x.Len() { // only if the files disagree with the known sizes
		return usagef("INDEX must be in [0, %d), got %d", x.Len(), index)
	}
	img := x.Row(index)
	fmt.Fprintf(s.stdout, "y_%s[%d]: %s\n", set, index, d.label(y.Data[index]))
	if o.numbers {
		// np.set_printoptions(linewidth=120); print(X_train[index])
		defer tensor.SetPrintOptions(tensor.SetPrintOptions(tensor.PrintOptions{Linewidth: 120}))
		fmt.Fprintln(s.stdout, img)
	}
	if o.out != "" {
		if err := plot.Image(o.out, img.Data, d.rows, d.cols, plot.ImageOptions{Cmap: cm}); err != nil {
			return writeError("-o", o.out, err)
		}
		fmt.Fprintf(s.stdout, "wrote %s\n", o.out)
	}
	if !o.numbers && o.out == "" {
		mode := termimg.DetectMode()
		if mode == termimg.ASCII && !setFlags(fs)["cmap"] {
			// Without colours the map only shifts the characters; the
			// pixel values themselves leave the background blank.
			cm = cmap.Gray
		}
		return termimg.Render(s.stdout, img.Data, d.rows, d.cols, mode, cm)
	}
	return nil
}
