// Command fashion_cnn_bn is the course's CNN taken one step further, as most
// Keras tutorials do next: a BatchNormalization after each convolution and
// data augmentation in front (random horizontal flips by default, active
// only while training). It trains the course's plain CNN too, with the
// same seed, epochs and data, and prints both test accuracies.
//
// In Keras it is:
//
//	data_augmentation = Sequential([RandomFlip("horizontal")])
//	model = Sequential([Input((28, 28, 1)), data_augmentation,
//	                    Conv2D(32, (3, 3), activation='relu'), BatchNormalization(), MaxPooling2D((2, 2)),
//	                    Conv2D(64, (3, 3), activation='relu'), BatchNormalization(), MaxPooling2D((2, 2)),
//	                    Conv2D(64, (3, 3), activation='relu'), BatchNormalization(), MaxPooling2D((2, 2)),
//	                    Flatten(), Dense(64, activation='relu'), Dense(10, activation='softmax')])
//	model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
//	model.fit(X_train / 255.0, y_train, validation_data=(X_test / 255.0, y_test), epochs=10)
//
// with the layers of -augment in data_augmentation: flip is
// RandomFlip("horizontal"), translate RandomTranslation(0.1, 0.1), rotate
// RandomRotation(0.05) and zoom RandomZoom(0.1), Keras's fill and
// interpolation defaults (reflect, bilinear).
//
// Usage:
//
//	go run ./examples/fashion_cnn_bn [-epochs 10] [-batch-size 32] [-seed 0] [-verbose 1] [-limit N]
//	                           [-baseline=true] [-augment flip] [-validation-split 0]
//	                           [-save model.safetensors] [-backup DIR [-backup-every 100]]
//	go run ./examples/fashion_cnn_bn -load model.safetensors
//
// -baseline=false skips the course's CNN; -augment takes a comma-separated
// list of flip, translate, rotate and zoom, or none for BatchNormalization
// alone. -save, -load and -backup work as in the course's programs, on the
// model with BatchNormalization (the baseline's backups go to
// DIR/baseline).
package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/datasets/fashionmnist"
	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
)

func main() {
	var baseline bool
	var augment string
	opts := course.ParseFlags("fashion_cnn_bn", 10, true, true, func(fs *flag.FlagSet) {
		fs.BoolVar(&baseline, "baseline", true, "also train the course's plain CNN (same seed and epochs) and print its test accuracy")
		fs.StringVar(&augment, "augment", defaultAugment, "augmentation layers in front of the model: a comma-separated list of flip, translate, rotate, zoom, or none")
	})
	aug, err := augmentation(augment)
	if err != nil {
		course.Fail("fashion_cnn_bn", err)
	}
	if err := run(opts, baseline, aug); err != nil {
		course.Fail("fashion_cnn_bn", err)
	}
}

// defaultAugment is the augmentation that did best in 10 epochs; the
// README lists what the others gave.
const defaultAugment = "flip"

// augmentation returns the layers of an -augment list, in the order
// flip, translate, rotate, zoom whatever the order of the list.
func augmentation(list string) ([]layers.Layer, error) {
	want := map[string]bool{}
	if list != "none" {
		for _, s := range strings.Split(list, ",") {
			switch s = strings.TrimSpace(s); s {
			case "flip", "translate", "rotate", "zoom":
				want[s] = true
			default:
				return nil, fmt.Errorf("-augment: unknown augmentation %q (want flip, translate, rotate, zoom or none)", s)
			}
		}
	}
	var ls []layers.Layer
	if want["flip"] {
		ls = append(ls, &layers.RandomFlip{Mode: "horizontal"})
	}
	if want["translate"] {
		ls = append(ls, &layers.RandomTranslation{HeightFactor: layers.Factor{0.1}, WidthFactor: layers.Factor{0.1}})
	}
	if want["rotate"] {
		ls = append(ls, &layers.RandomRotation{Factor: layers.Factor{0.05}})
	}
	if want["zoom"] {
		ls = append(ls, &layers.RandomZoom{HeightFactor: layers.Factor{0.1}})
	}
	return ls, nil
}

// model is the course's CNN with a BatchNormalization after each
// convolution, behind the augmentation layers aug.
func model(aug []layers.Layer) *models.Sequential {
	relu := activations.ReLU
	k3, p2 := [2]int{3, 3}, [2]int{2, 2}
	ls := append([]layers.Layer{&layers.Input{Shape: []int{28, 28, 1}}}, aug...)
	ls = append(ls,
		&layers.Conv2D{Filters: 32, KernelSize: k3, Activation: relu},
		&layers.BatchNormalization{},
		&layers.MaxPooling2D{PoolSize: p2},
		&layers.Conv2D{Filters: 64, KernelSize: k3, Activation: relu},
		&layers.BatchNormalization{},
		&layers.MaxPooling2D{PoolSize: p2},
		&layers.Conv2D{Filters: 64, KernelSize: k3, Activation: relu},
		&layers.BatchNormalization{},
		&layers.MaxPooling2D{PoolSize: p2},
		&layers.Flatten{},
		&layers.Dense{Units: 64, Activation: relu},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	return models.NewSequential(ls...)
}

func run(o course.Options, baseline bool, aug []layers.Layer) error {
	xTrain, yTrain, xTest, yTest, err := fashionmnist.LoadData()
	if err != nil {
		return err
	}
	xTrain = xTrain.Reshape(60000, 28, 28, 1)
	xTest = xTest.Reshape(10000, 28, 28, 1)
	xTrain, yTrain, xTest, yTest = o.Rows(xTrain), o.Rows(yTrain), o.Rows(xTest), o.Rows(yTest)
	var x, xt models.Array = xTrain, xTest
	if o.Scale {
		x, xt = xTrain.DivScalar(255), xTest.DivScalar(255)
	}

	if o.Load != "" {
		m, err := o.LoadModel()
		if err != nil {
			return err
		}
		m.Summary()
		scores, err := m.Evaluate(xt, yTest, models.EvaluateConfig{Verbose: o.Verbose})
		if err != nil {
			return err
		}
		course.ReportTest(scores)
		return nil
	}

	var plain map[string]float64
	if baseline {
		fmt.Println("The course's CNN:")
		b := o
		b.Save = ""
		if o.Backup != "" {
			b.Backup = filepath.Join(o.Backup, "baseline")
		}
		if plain, err = train(b, course.FashionCNN(), x, yTrain, xt, yTest); err != nil {
			return err
		}
		fmt.Println()
	}
	name := "The CNN with BatchNormalization and data augmentation:"
	if len(aug) == 0 {
		name = "The CNN with BatchNormalization:"
	}
	fmt.Println(name)
	m := model(aug)
	scores, err := train(o, m, x, yTrain, xt, yTest)
	if err != nil {
		return err
	}
	if err := o.SaveModel(m); err != nil {
		return err
	}
	fmt.Println()
	if plain != nil {
		fmt.Printf("course CNN:         test loss: %.4f - test accuracy: %.4f\n", plain["loss"], plain["accuracy"])
	}
	label := "CNN + BN + augment:"
	if len(aug) == 0 {
		label = "CNN + BN:"
	}
	fmt.Printf("%-19s test loss: %.4f - test accuracy: %.4f\n", label, scores["loss"], scores["accuracy"])
	return nil
}

// train compiles and trains m as the course does, validating on the test
// set unless -validation-split is given, and returns its test scores.
func train(o course.Options, m *models.Sequential, x, y, xt, yt models.Array) (map[string]float64, error) {
	m.SetSeed(o.Seed)
	if err := course.Compile(m); err != nil {
		return nil, err
	}
	m.Summary()
	fit := models.FitConfig{Epochs: o.Epochs, BatchSize: o.BatchSize, Verbose: o.Verbose, Callbacks: o.Callbacks()}
	if o.ValidationSplit > 0 {
		fit.ValidationSplit = o.ValidationSplit
	} else {
		fit.ValidationData = &models.Data{X: xt, Y: yt}
	}
	if _, err := m.Fit(x, y, fit); err != nil {
		return nil, err
	}
	return m.Evaluate(xt, yt, models.EvaluateConfig{Verbose: models.Silent})
}
