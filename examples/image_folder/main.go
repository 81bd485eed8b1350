// Command image_folder trains a small CNN on a folder of images, one
// subfolder per class, read with data.ImageDatasetFromDirectory as
// Keras's image_dataset_from_directory reads it, with 20% of the images
// held out for validation.
//
// Without -dir it makes such a folder first: it writes -limit
// Fashion-MNIST training images as PNG files into a temporary directory
// (deleted at the end), in subfolders named after their classes.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

var classes = []string{"t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"}

func main() {
	if err := run(os.Args[1:]); err != nil {
		log.Fatal(err)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("image_folder", flag.ContinueOnError)
	dir := fs.String("dir", "", "a folder of class subfolders of images (default: Fashion-MNIST written as PNGs into a temporary folder)")
	limit := fs.Int("limit", 2000, "how many Fashion-MNIST images to write when -dir is not given")
	epochs := fs.Int("epochs", 5, "epochs")
	batch := fs.Int("batch-size", 32, "batch size")
	size := fs.Int("size", 28, "the height and width images are resized to")
	seed := fs.Uint64("seed", 0, "seed of the shuffle, the split and the weights")
	verbose := fs.Int("verbose", 1, "Keras's verbose: 0, 1 or 2")
	if err := fs.Parse(args); err != nil {
		return err
	}
	v, err := models.VerbosityFromKeras(*verbose)
	if err != nil {
		return err
	}
	if *dir == "" {
		tmp, err := os.MkdirTemp("", "fashion-images-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := writeFashion(tmp, *limit); err != nil {
			return err
		}
		fmt.Printf("wrote %d Fashion-MNIST images as PNG files into %s\n", *limit, tmp)
		*dir = tmp
	}
	train, val, names, err := data.ImageDatasetFromDirectory(*dir, data.ImageDirOptions{
		ImageSize: [2]int{*size, *size}, ColorMode: "grayscale", BatchSize: *batch,
		ValidationSplit: 0.2, Subset: "both", Seed: *seed,
	})
	if err != nil {
		return err
	}
	fmt.Printf("classes: %v\n", names)
	model := models.NewSequential(
		// Raw 0..255 pixels, as the course's programs train on them.
		&layers.Conv2D{Filters: 16, KernelSize: [2]int{3, 3}, Activation: activations.ReLU, InputShape: []int{*size, *size, 1}},
		&layers.MaxPooling2D{PoolSize: [2]int{2, 2}},
		&layers.Flatten{},
		&layers.Dense{Units: 64, Activation: activations.ReLU},
		&layers.Dense{Units: len(names), Activation: activations.Softmax},
	)
	model.SetSeed(*seed)
	if err := model.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{},
		Metrics: []metrics.Metric{metrics.NewAccuracy()}}); err != nil {
		return err
	}
	model.Summary()
	if _, err := model.FitDataset(train, models.FitConfig{Epochs: *epochs, Verbose: v, ValidationData: &models.Data{Dataset: val}}); err != nil {
		return err
	}
	logs, err := model.EvaluateDataset(val, models.EvaluateConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	fmt.Printf("validation loss: %.4f - validation accuracy: %.4f\n", logs["loss"], logs["accuracy"])
	return nil
}

// writeFashion writes the first n Fashion-MNIST training images as PNGs
// into dir/<class>/<index>.png.
func writeFashion(dir string, n int) error {
	x, y, _, _, err := fashionmnist.LoadData()
	if err != nil {
		return err
	}
	n = min(n, x.Len())
	for i := range n {
		c := classes[y.Row(i).Data[0]]
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		copy(img.Pix, x.Row(i).Data)
		if err := os.MkdirAll(filepath.Join(dir, c), 0o755); err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(dir, c, fmt.Sprintf("%05d.png", i)))
		if err != nil {
			return err
		}
		err = png.Encode(f, img)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
