package callbacks

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/neuron-go/neuron/internal/tfevent"
	"github.com/neuron-go/neuron/tensor"
)

// TensorBoard writes TensorBoard's event files, as Keras's
// callbacks.TensorBoard does with TensorFlow's summaries: in
// LogDir/train the epoch_ scalars of the training logs and
// epoch_learning_rate, in LogDir/validation the epoch_ scalars of the
// val_ logs (without the prefix) and evaluation_NAME_vs_iterations at the
// step count; with UpdateFreq, batch_ scalars every UpdateFreq steps;
// with HistogramFreq, a histogram of each weight ("dense/kernel/histogram")
// every HistogramFreq epochs and, with WriteImages, the weights drawn as
// images ("dense/kernel/image"). Run "tensorboard --logdir LogDir" to see
// them.
//
// Keras's write_graph (the model as JSON for the graph plugin),
// profile_batch and the embeddings are not written.
type TensorBoard struct {
	Base
	// LogDir is where the files go ("logs" by default).
	LogDir string
	// HistogramFreq is the number of epochs between weight histograms (0:
	// none), counted from epoch 0 as Keras does.
	HistogramFreq int
	// WriteImages also writes, with the histograms, each weight as an
	// image, its values times 255 clipped to [0, 255] as tf.summary.image
	// converts floats.
	WriteImages bool
	// WriteStepsPerSecond writes epoch_steps_per_second, and
	// batch_steps_per_second with UpdateFreq.
	WriteStepsPerSecond bool
	// UpdateFreq is Keras's update_freq: 0 writes the scalars once per
	// epoch ("epoch"); N > 0 also writes the batch_ scalars every N steps
	// (1 is "batch").
	UpdateFreq int

	model      Model
	train, val *tfevent.Writer
	batch      int64 // Keras's _global_train_batch
	epochStart int64
	clock      func() float64
	t0, tb     float64
}

// weightNamer is a model that names its weights ("dense/kernel").
type weightNamer interface {
	WeightNames() []string
}

func (c *TensorBoard) logDir() string {
	if c.LogDir == "" {
		return "logs"
	}
	return c.LogDir
}

// OnTrainBegin implements Callback: it checks the arguments and opens a
// new event file in LogDir/train (and, at the first validation, one in
// LogDir/validation).
func (c *TensorBoard) OnTrainBegin(m Model) error {
	switch {
	case c.HistogramFreq < 0:
		return fmt.Errorf("callbacks: TensorBoard: HistogramFreq must be 0 or positive, got %d", c.HistogramFreq)
	case c.UpdateFreq < 0:
		return fmt.Errorf("callbacks: TensorBoard: UpdateFreq must be 0 (each epoch) or positive, got %d", c.UpdateFreq)
	}
	c.closeWriters()
	c.model, c.batch, c.epochStart = m, 0, 0
	if c.clock == nil {
		c.clock = monotonicSeconds
	}
	var err error
	if c.train, err = tfevent.Create(filepath.Join(c.logDir(), "train")); err != nil {
		return fmt.Errorf("callbacks: TensorBoard: LogDir %q: %w", c.logDir(), err)
	}
	return nil
}

// valWriter opens LogDir/validation on first use, as Keras does, so that
// a run without validation has no such directory.
func (c *TensorBoard) valWriter() (*tfevent.Writer, error) {
	if c.val == nil {
		var err error
		if c.val, err = tfevent.Create(filepath.Join(c.logDir(), "validation")); err != nil {
			return nil, fmt.Errorf("callbacks: TensorBoard: LogDir %q: %w", c.logDir(), err)
		}
	}
	return c.val, nil
}

// OnEpochBegin implements Callback.
func (c *TensorBoard) OnEpochBegin(int) error {
	c.epochStart = c.batch
	c.t0 = c.clock()
	return nil
}

// OnBatchBegin implements BatchBeginner.
func (c *TensorBoard) OnBatchBegin(int) error {
	c.batch++
	c.tb = c.clock()
	return nil
}

// sortedKeys returns the logs' keys with "loss" first, as Keras's logs
// have it.
func sortedKeys(logs Logs) []string {
	keys := make([]string, 0, len(logs))
	for k := range logs {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "loss") != (keys[j] == "loss") {
			return keys[i] == "loss"
		}
		return keys[i] < keys[j]
	})
	return keys
}

// OnBatchEnd implements Callback.
func (c *TensorBoard) OnBatchEnd(_ int, logs Logs) error {
	if c.train == nil || c.UpdateFreq == 0 || c.batch%int64(c.UpdateFreq) != 0 {
		return nil
	}
	if c.WriteStepsPerSecond {
		c.train.WriteSummary(c.batch, tfevent.Scalar("batch_steps_per_second", 1/(c.clock()-c.tb)))
	}
	for _, k := range sortedKeys(logs) {
		c.train.WriteSummary(c.batch, tfevent.Scalar("batch_"+k, logs[k]))
	}
	return nil
}

// OnEpochEnd implements Callback.
func (c *TensorBoard) OnEpochEnd(epoch int, logs Logs) error {
	if c.train == nil {
		return nil
	}
	step := int64(epoch)
	var val []string
	for _, k := range sortedKeys(logs) {
		if name, ok := strings.CutPrefix(k, "val_"); ok {
			vw, err := c.valWriter()
			if err != nil {
				return err
			}
			val = append(val, k)
			vw.WriteSummary(step, tfevent.Scalar("epoch_"+name, logs[k]))
			continue
		}
		c.train.WriteSummary(step, tfevent.Scalar("epoch_"+k, logs[k]))
	}
	c.train.WriteSummary(step, tfevent.Scalar("epoch_learning_rate", c.model.LearningRate()))
	if c.WriteStepsPerSecond {
		c.train.WriteSummary(step, tfevent.Scalar("epoch_steps_per_second", float64(c.batch-c.epochStart)/(c.clock()-c.t0)))
	}
	// Keras's on_test_end after the validation of an epoch, at the
	// optimizer's iteration count.
	for _, k := range val {
		c.val.WriteSummary(c.batch, tfevent.Scalar("evaluation_"+strings.TrimPrefix(k, "val_")+"_vs_iterations", logs[k]))
	}
	if c.HistogramFreq > 0 && epoch%c.HistogramFreq == 0 {
		if err := c.logWeights(step); err != nil {
			return err
		}
	}
	if err := c.train.Flush(); err != nil {
		return fmt.Errorf("callbacks: TensorBoard: %w", err)
	}
	if c.val != nil {
		if err := c.val.Flush(); err != nil {
			return fmt.Errorf("callbacks: TensorBoard: %w", err)
		}
	}
	return nil
}

// logWeights writes each weight's histogram and, with WriteImages, image.
func (c *TensorBoard) logWeights(step int64) error {
	ws := c.model.Weights()
	var names []string
	if n, ok := c.model.(weightNamer); ok {
		names = n.WeightNames()
	}
	for i, w := range ws {
		name := fmt.Sprintf("weight_%d", i)
		if i < len(names) {
			name = strings.ReplaceAll(names[i], ":", "_")
		}
		c.train.WriteSummary(step, tfevent.Histogram(name+"/histogram", w.Data(), 0))
		if !c.WriteImages {
			continue
		}
		if imgs := weightImages(w); imgs != nil {
			v, err := tfevent.Images(name+"/image", imgs)
			if err != nil {
				return fmt.Errorf("callbacks: TensorBoard: %w", err)
			}
			c.train.WriteSummary(step, v)
		}
	}
	return nil
}

// maxImages is tf.summary.image's max_outputs.
const maxImages = 3

// weightImages draws a weight as Keras's _log_weight_as_image does: its
// size-1 axes dropped, a vector as a column (n, 1), a matrix with more
// rows than columns transposed, a rank-3 (h, w, c) kernel as c images of
// (h, w); other shapes are not drawn.
func weightImages(w *tensor.Tensor) []image.Image {
	var shape []int
	for _, d := range w.Shape() {
		if d != 1 {
			shape = append(shape, d)
		}
	}
	d := w.Data()
	pixel := func(v float32) uint8 {
		// tf.image.convert_image_dtype(float → uint8, saturate=True).
		f := float64(v) * 255.5
		switch {
		case math.IsNaN(f) || f <= 0:
			return 0
		case f >= 255:
			return 255
		}
		return uint8(f)
	}
	gray := func(h, wd int, at func(y, x int) float32) image.Image {
		img := image.NewGray(image.Rect(0, 0, wd, h))
		for y := range h {
			for x := range wd {
				img.SetGray(x, y, color.Gray{Y: pixel(at(y, x))})
			}
		}
		return img
	}
	switch len(shape) {
	case 1:
		return []image.Image{gray(shape[0], 1, func(y, _ int) float32 { return d[y] })}
	case 2:
		r, cols := shape[0], shape[1]
		if r > cols {
			return []image.Image{gray(cols, r, func(y, x int) float32 { return d[x*cols+y] })}
		}
		return []image.Image{gray(r, cols, func(y, x int) float32 { return d[y*cols+x] })}
	case 3:
		h, wd, ch := shape[0], shape[1], shape[2]
		var out []image.Image
		for k := range min(ch, maxImages) {
			out = append(out, gray(h, wd, func(y, x int) float32 { return d[(y*wd+x)*ch+k] }))
		}
		return out
	}
	return nil
}

// OnTrainEnd implements Callback: it closes the files.
func (c *TensorBoard) OnTrainEnd(Logs) error {
	return c.closeWriters()
}

func (c *TensorBoard) closeWriters() error {
	var errs []error
	for _, w := range []**tfevent.Writer{&c.train, &c.val} {
		if *w != nil {
			errs = append(errs, (*w).Close())
			*w = nil
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("callbacks: TensorBoard: %w", err)
	}
	return nil
}

// monotonicSeconds is the clock of the steps per second.
func monotonicSeconds() float64 { return float64(time.Since(processStart).Nanoseconds()) / 1e9 }

var processStart = time.Now()
