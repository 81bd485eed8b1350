package models

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	"math"
	"slices"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

// Resuming Fit
//
// Fit keeps a fitRun while it trains: what it was called with and where
// it is (the next step of the current epoch, the running loss). RunState
// reads it, from a callback, to describe the run (see TrainingState), and
// SetTrainingState, called from a callback's OnTrainBegin with a state
// that has a Run, gives it a resume point, from which Fit starts instead
// of InitialEpoch: at an epoch and a step within it, with the running loss
// and metrics of the steps already done, the history of the epochs already
// done and the state of the callbacks. The order of the batches needs no
// saving: Fit derives each epoch's shuffle from the seed and the epoch
// number.

// fitRun is the state of the current Fit call that callbacks may read.
type fitRun struct {
	cfg   FitConfig
	x, y  []Array // the training rows, after any validation split
	val   *valData
	h     *History
	steps int // steps per epoch
	seed  uint64

	// The position: the next step is step of epoch; loss is the running
	// loss of the steps of that epoch already done.
	epoch, step int
	loss        lossTracker

	// hook is the callback method running ("OnTrainBegin", "OnBatchEnd",
	// …) and cb the index of the callback it runs, so that RunState can
	// tell which callbacks have seen the current event.
	hook string
	cb   int

	ds     *datasetSource  // the training dataset, for FitDataset
	sw     []float32       // the training rows' sample weights, or nil
	fp     *RunFingerprint // computed on first use: it reads all the data
	resume *resumePoint
	done   bool
	err    error // what Fit ends with, set before OnTrainEnd
}

// resumePoint is where a resumed Fit starts.
type resumePoint struct {
	epoch, step int
	loss        lossTracker
	metrics     map[string][]byte
	history     History
	callbacks   []CallbackState
	dataset     *DatasetPosition
}

// beginRun starts the record of a Fit call; Fit calls it before
// OnTrainBegin.
func (e *engine) beginRun(cfg FitConfig, x, y []Array, val *valData, h *History, steps int) *fitRun {
	e.run = &fitRun{cfg: cfg, x: x, y: y, val: val, h: h, steps: steps, seed: e.seed, epoch: cfg.InitialEpoch}
	return e.run
}

// at records which callback method runs, for RunState.
func (r *fitRun) at(hook string, cb int) { r.hook, r.cb = hook, cb }

// start returns the epoch Fit starts with: initial, or the resume point's,
// whose history it puts into the History Fit returns and whose callback
// states it gives back to the callbacks (after their OnTrainBegin, which
// resets them).
func (r *fitRun) start(initial int, src batchSource) (int, error) {
	r.hook = ""
	rp := r.resume
	if rp == nil {
		return initial, nil
	}
	if ds, ok := src.(*datasetSource); ok && rp.dataset != nil {
		if err := ds.seek(rp.dataset.Pass, rp.dataset.Batch, rp.dataset.Ended, rp.step > 0); err != nil {
			return 0, err
		}
		if r.val != nil && r.val.ds != nil {
			for range rp.dataset.ValidationPasses {
				if err := r.val.ds.seekTo(r.val.ds.pass+1, 0); err != nil {
					return 0, err
				}
				for { // the whole pass, as validation reads it
					_, ok, err := r.val.ds.read()
					if err != nil {
						return 0, err
					}
					if !ok || (r.val.steps > 0 && r.val.ds.batch >= r.val.steps) {
						break
					}
				}
				r.val.ds.close()
			}
		}
	}
	for _, cs := range rp.callbacks {
		if err := r.cfg.Callbacks[cs.Index].(callbacks.Stateful).SetCallbackState(cs.State); err != nil {
			return 0, fmt.Errorf("models: fit: resuming callback %d (%s): %w", cs.Index, cs.Type, err)
		}
	}
	r.h.Epoch = append(slices.Clone(rp.history.Epoch), r.h.Epoch...)
	for k, v := range rp.history.History {
		r.h.History[k] = append(slices.Clone(v), r.h.History[k]...)
	}
	r.epoch, r.step = rp.epoch, 0
	return rp.epoch, nil
}

// firstStep returns the step an epoch starts at: 0, or for the resume
// point's epoch the number of steps already done, whose running loss and
// metrics it puts back (after Fit has reset them).
func (r *fitRun) firstStep(m *engine, epoch int, loss *lossTracker) int {
	rp := r.resume
	if rp == nil || epoch != rp.epoch {
		return 0
	}
	r.resume = nil
	if rp.step == 0 {
		return 0
	}
	*loss = rp.loss
	// The states were checked when the resume point was made.
	_ = m.eachMetric(func(key string, mt metrics.Metric) error {
		return mt.(encoding.BinaryUnmarshaler).UnmarshalBinary(rp.metrics[key])
	})
	for i := range m.heads {
		m.heads[i].tracker = m.heads[i].resume
	}
	r.epoch, r.step, r.loss = epoch, rp.step, rp.loss
	return rp.step
}

// stepDone records that a step has been applied.
func (r *fitRun) stepDone(epoch, step int, loss lossTracker) {
	r.epoch, r.step, r.loss = epoch, step+1, loss
}

// epochDone records that an epoch is over, its history included: what
// runs next is the first step of the next epoch.
func (r *fitRun) epochDone(epoch int) {
	r.epoch, r.step, r.loss = epoch+1, 0, lossTracker{}
}

// end records how Fit ends, before OnTrainEnd, and lets go of the data,
// which the model would otherwise keep alive.
func (r *fitRun) end(err error) {
	if r != nil {
		r.err = err
		r.done = true
		r.x, r.y, r.val, r.resume = nil, nil, nil, nil
	}
}

// hashed returns the training arrays the fingerprint covers: the inputs,
// the targets and the sample weights, if any.
func (r *fitRun) hashed() []Array {
	as := append(slices.Clone(r.x), r.y...)
	if r.sw != nil {
		as = append(as, tensor.FromSlice(r.sw, len(r.sw)))
	}
	return as
}

// fingerprint describes the run; the data is hashed once per Fit.
func (r *fitRun) fingerprint() RunFingerprint {
	if r.fp == nil && r.ds != nil {
		// A stream cannot be hashed without reading it: the run is
		// known by its steps and the model.
		fp := RunFingerprint{Data: "dataset", Seed: r.seed}
		if r.val != nil {
			fp.Validation = "dataset"
		}
		r.fp = &fp
	}
	if r.fp == nil {
		fp := RunFingerprint{
			Data: hashArrays(r.hashed()...),
			Rows: r.x[0].Dim(0), Seed: r.seed, BatchSize: r.cfg.BatchSize, Shuffle: !r.cfg.NoShuffle,
			ValidationSplit: r.cfg.ValidationSplit,
		}
		if r.val != nil {
			fp.Validation = hashArrays(append(slices.Clone(r.val.x), r.val.y...)...)
		}
		r.fp = &fp
	}
	return *r.fp
}

// RunFingerprint identifies a training run by what its computation
// depends on besides the model: resuming a run with other data or other
// Fit settings would not continue the same computation. The saving
// package adds the architecture and the compile settings, which it
// encodes.
type RunFingerprint struct {
	// Data and Validation are the SHA-256 (hexadecimal) of the training
	// and validation arrays: their shapes and float32 values, so that an
	// array and the tensor it converts to hash alike. Validation is empty
	// without validation data.
	Data, Validation string
	// Rows is the number of training rows, after any validation split.
	Rows int
	// Seed is the model's seed (SetSeed).
	Seed uint64
	// BatchSize, Shuffle and ValidationSplit are Fit's settings.
	BatchSize       int
	Shuffle         bool
	ValidationSplit float64
}

// Diff names the first field in which two fingerprints differ, as the
// backup a (the saved run) against this run b, or returns "".
func (a RunFingerprint) Diff(b RunFingerprint) string {
	switch {
	case a.Seed != b.Seed:
		return fmt.Sprintf("the backup was made with seed %d, this run uses %d", a.Seed, b.Seed)
	case a.Rows != b.Rows:
		return fmt.Sprintf("the backup was made with %d training rows, this run has %d", a.Rows, b.Rows)
	case a.Data != b.Data:
		return "the training data differs"
	case a.Validation != b.Validation:
		return "the validation data differs"
	case a.BatchSize != b.BatchSize:
		return fmt.Sprintf("the backup was made with batch size %d, this run uses %d", a.BatchSize, b.BatchSize)
	case a.Shuffle != b.Shuffle:
		return fmt.Sprintf("the backup was made with shuffling %v, this run %v", a.Shuffle, b.Shuffle)
	case math.Float64bits(a.ValidationSplit) != math.Float64bits(b.ValidationSplit):
		return fmt.Sprintf("the backup was made with validation split %v, this run uses %v", a.ValidationSplit, b.ValidationSplit)
	}
	return ""
}

// cloneHistory copies the epochs and values of a History.
func cloneHistory(h *History) History {
	c := History{Epoch: slices.Clone(h.Epoch), History: make(map[string][]float64, len(h.History))}
	if c.Epoch == nil {
		c.Epoch = []int{}
	}
	for k, v := range h.History {
		c.History[k] = slices.Clone(v)
	}
	c.Params = maps.Clone(h.Params)
	return c
}

// hashArrays returns the SHA-256 of the arrays' shapes and float32 values.
// An array that is not a tensor is hashed as the tensor it converts to, so
// that a backup made while training on a tensor is resumed when training
// on the uint8 array it came from, and the other way round.
func hashArrays(as ...Array) string {
	h := sha256.New()
	buf := make([]byte, 0, 64<<10)
	for _, a := range as {
		s := shapeOf(a)
		buf = binary.LittleEndian.AppendUint64(buf[:0], uint64(len(s)))
		for _, d := range s {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(d))
		}
		h.Write(buf)
		eachChunk(a, func(_ int, b *tensor.Tensor) bool {
			hashFloats(h, b.Data(), buf[:0])
			return true
		})
	}
	return hex.EncodeToString(h.Sum(nil))
}

func hashFloats(h hash.Hash, d []float32, buf []byte) {
	for _, v := range d {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		if len(buf) == cap(buf) {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
}
