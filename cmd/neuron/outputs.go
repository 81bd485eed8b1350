package main

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/plot"
)

// gridSize is how many images predictions.png and mistakes.png show, and
// gridCols how many to a row.
const (
	gridSize = 16
	gridCols = 8
)

// metricsFile is the layout of metrics.json.
type metricsFile struct {
	Program       string `json:"program"`
	TestLoss      number `json:"test_loss"`
	TestAccuracy  number `json:"test_accuracy"`
	Epochs        int    `json:"epochs"`
	EpochsRun     int    `json:"epochs_run"`
	BatchSize     int    `json:"batch_size"`
	Seed          uint64 `json:"seed"`
	Scale         bool   `json:"scale"`
	Validation    string `json:"validation"`
	TrainExamples int    `json:"train_examples"`
	TestExamples  int    `json:"test_examples"`
	EpochSeconds  series `json:"epoch_seconds"`
	Mistakes      int    `json:"test_mistakes"`
}

// number is a float64 written as null when it is not finite.
type number float64

// MarshalJSON implements json.Marshaler.
func (n number) MarshalJSON() ([]byte, error) {
	v := float64(n)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(v, 'g', -1, 64)), nil
}

// write saves the run's files in its directory and returns their names.
func (r *trainRun) write() ([]string, error) {
	var written []string
	path := func(name string) string {
		written = append(written, name)
		return filepath.Join(r.dir, name)
	}
	h := r.history.History

	if err := writeHistoryJSON(path("history.json"), r.history); err != nil {
		return nil, err
	}
	if err := writeHistoryCSV(path("history.csv"), r.history); err != nil {
		return nil, err
	}

	// The course's two figures, with its labels:
	//   plt.plot(history.history['accuracy'], label='acc')
	//   plt.plot(history.history['val_accuracy'], label='val')
	//   plt.plot(history.history['loss'], label='train')  # 'loss' without validation
	//   plt.plot(history.history['val_loss'], label='val')
	//   plt.xlabel('epochs'); plt.ylabel(...); plt.legend()
	for _, c := range []struct {
		file, key, trainLabel, trainLabelAlone string
	}{
		{"accuracy.png", "accuracy", "acc", "acc"},
		{"loss.png", "loss", "train", "loss"},
	} {
		if _, ok := h[c.key]; !ok {
			continue
		}
		keys, labels := []string{c.key}, []string{c.trainLabelAlone}
		if _, ok := h["val_"+c.key]; ok {
			keys, labels = append(keys, "val_"+c.key), []string{c.trainLabel, "val"}
		}
		p, err := plot.History(h, keys, plot.HistoryOptions{Labels: labels, XLabel: "epochs", YLabel: c.key})
		if err != nil {
			return nil, err
		}
		if err := plot.SavePlot(path(c.file), p); err != nil {
			return nil, err
		}
	}
	if err := plot.SaveLossAccuracy(path("loss_accuracy.png"), h); err != nil {
		return nil, err
	}

	trueLabels := make([]int, len(r.yTest.Data))
	var wrong []int
	for i, y := range r.yTest.Data {
		trueLabels[i] = int(y)
		if r.pred[i] != int(y) {
			wrong = append(wrong, i)
		}
	}
	m := metricsFile{
		Program:       r.program.name,
		TestLoss:      number(r.scores["loss"]),
		TestAccuracy:  number(r.scores["accuracy"]),
		Epochs:        r.epochs,
		EpochsRun:     len(r.history.Epoch),
		BatchSize:     r.opts.batchSize,
		Seed:          r.opts.seed,
		Scale:         r.scale,
		Validation:    r.validation,
		TrainExamples: r.trainN,
		TestExamples:  len(trueLabels),
		EpochSeconds:  r.seconds,
		Mistakes:      len(wrong),
	}
	for i, t := range m.EpochSeconds {
		m.EpochSeconds[i] = math.Round(t*1000) / 1000
	}
	data, err := marshalJSON(m)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteBytes(path("metrics.json"), data, 0o644); err != nil {
		return nil, err
	}

	classes := r.program.data.classes
	if err := plot.ConfusionMatrix(path("confusion_matrix.png"), trueLabels, r.pred, classes); err != nil {
		return nil, err
	}

	// plt.imshow(X_test[i]) with its true and predicted labels, for the
	// first test images and for the first mistakes.
	grid := func(file string, idx []int) error {
		var imgs [][]uint8
		var t, p []int
		for _, i := range idx {
			imgs = append(imgs, r.xTest.Row(i).Data)
			t, p = append(t, trueLabels[i]), append(p, r.pred[i])
		}
		d := r.program.data
		return plot.Grid(path(file), imgs, d.rows, d.cols, t, p, classes, gridCols, nil)
	}
	first := make([]int, min(gridSize, len(trueLabels)))
	for i := range first {
		first[i] = i
	}
	if len(first) > 0 {
		if err := grid("predictions.png", first); err != nil {
			return nil, err
		}
	}
	if len(wrong) > 0 {
		if err := grid("mistakes.png", wrong[:min(gridSize, len(wrong))]); err != nil {
			return nil, err
		}
	} else if err := os.Remove(filepath.Join(r.dir, "mistakes.png")); err != nil && !errors.Is(err, os.ErrNotExist) {
		// A mistakes.png from an earlier run would tell of errors this
		// model does not make.
		return nil, err
	}
	return written, nil
}
