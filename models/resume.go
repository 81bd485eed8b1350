package models

import (
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"slices"

	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/tensor"
)

// Resuming Fit
//
// Fit keeps a fitRun while it trains: what it was called with and where
// it is (the next step of the current epoch, the running loss). The
// checkpoint callbacks read it to save a backup, and BackupAndRestore
// gives it a resume point in OnTrainBegin, from which Fit starts instead
// of InitialEpoch: at an epoch and a step within it, with the running loss
// and metrics of the steps already done and the history of the epochs
// already done. The order of the batches needs no saving: Fit derives each
// epoch's shuffle from the seed and the epoch number.

// fitRun is the state of the current Fit call that callbacks may read.
type fitRun struct {
	cfg   FitConfig
	x, y  []Array // the training rows, after any validation split
	val   *valData
	h     *History
	steps int // steps per epoch

	// The position: the next step is step of epoch; loss is the running
	// loss of the steps of that epoch already done.
	epoch, step int
	loss        lossTracker

	resume *resumePoint
	err    error // what Fit ends with, set before OnTrainEnd
}

// resumePoint is where a resumed Fit starts.
type resumePoint struct {
	epoch, step int
	loss        lossTracker
	metrics     map[string][]byte
	history     savedHistory
}

// beginRun starts the record of a Fit call; Fit calls it before
// OnTrainBegin.
func (e *engine) beginRun(cfg FitConfig, x, y []Array, val *valData, h *History, steps int) *fitRun {
	e.run = &fitRun{cfg: cfg, x: x, y: y, val: val, h: h, steps: steps, epoch: cfg.InitialEpoch}
	return e.run
}

// start returns the epoch Fit starts with: initial, or the resume point's,
// whose history it puts into the History Fit returns.
func (r *fitRun) start(initial int) int {
	rp := r.resume
	if rp == nil {
		return initial
	}
	r.h.Epoch = append(slices.Clone(rp.history.Epochs), r.h.Epoch...)
	for k, v := range rp.history.Values {
		vals := make([]float64, len(v))
		for i, x := range v {
			vals[i] = float64(x)
		}
		r.h.History[k] = append(vals, r.h.History[k]...)
	}
	r.epoch, r.step = rp.epoch, 0
	return rp.epoch
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

// end records how Fit ends, before OnTrainEnd, and lets go of the data,
// which the model would otherwise keep alive.
func (r *fitRun) end(err error) {
	if r != nil {
		r.err = err
		r.x, r.y, r.val, r.resume = nil, nil, nil, nil
	}
}

// savedPosition is where a backup was taken, in training_state.
type savedPosition struct {
	// Epoch and Step say what runs next: step Step of epoch Epoch (from
	// 0); the steps before it are done.
	Epoch int `json:"epoch"`
	Step  int `json:"step"`
	// StepsPerEpoch is the number of steps of each epoch.
	StepsPerEpoch int `json:"steps_per_epoch"`
	// LossSum and LossCount are the running loss of the epoch's steps
	// done; Metrics the running states of the compiled metrics.
	LossSum   strictjson.Float  `json:"loss_sum"`
	LossCount strictjson.Float  `json:"loss_count"`
	Metrics   map[string][]byte `json:"metrics"`
	// OutputLosses holds, for a model with several losses, the running
	// sum and count of each output's loss ("dense_1_loss").
	OutputLosses map[string][2]strictjson.Float `json:"output_losses,omitempty"`
	// History holds the epochs done.
	History savedHistory `json:"history"`
	// Fingerprint describes the run, so that a backup is not resumed by
	// a different one.
	Fingerprint fingerprint `json:"fingerprint"`
}

// savedHistory is a History in a backup.
type savedHistory struct {
	Epochs []int                         `json:"epochs"`
	Values map[string][]strictjson.Float `json:"values"`
}

func historyOf(h *History) savedHistory {
	s := savedHistory{Epochs: slices.Clone(h.Epoch), Values: map[string][]strictjson.Float{}}
	if s.Epochs == nil {
		s.Epochs = []int{}
	}
	for k, v := range h.History {
		vals := make([]strictjson.Float, len(v))
		for i, x := range v {
			vals[i] = strictjson.Float(x)
		}
		s.Values[k] = vals
	}
	return s
}

// fingerprint identifies a training run: resuming a backup with another
// architecture, other compile settings, other data or other Fit settings
// would not continue the same computation.
type fingerprint struct {
	Model           string           `json:"model_sha256"`
	Compile         string           `json:"compile_sha256"`
	Data            string           `json:"data_sha256"`
	Validation      string           `json:"validation_sha256"`
	Rows            int              `json:"rows"`
	Seed            uint64           `json:"seed"`
	BatchSize       int              `json:"batch_size"`
	Shuffle         bool             `json:"shuffle"`
	ValidationSplit strictjson.Float `json:"validation_split"`
}

// fingerprintOf describes the current run.
func (m *engine) fingerprintOf(r *fitRun) (fingerprint, error) {
	mc, err := m.files.modelConfig()
	if err != nil {
		return fingerprint{}, err
	}
	cc, err := m.files.compileConfig()
	if err != nil {
		return fingerprint{}, err
	}
	fp := fingerprint{
		Model: sha(mc), Compile: sha(cc), Data: hashArrays(append(slices.Clone(r.x), r.y...)...),
		Rows: r.x[0].Dim(0), Seed: m.seed, BatchSize: r.cfg.BatchSize, Shuffle: !r.cfg.NoShuffle,
		ValidationSplit: strictjson.Float(r.cfg.ValidationSplit),
	}
	if r.val != nil {
		fp.Validation = hashArrays(append(slices.Clone(r.val.x), r.val.y...)...)
	}
	return fp, nil
}

// diff names the first field in which two fingerprints differ.
func (a fingerprint) diff(b fingerprint) string {
	switch {
	case a.Seed != b.Seed:
		return fmt.Sprintf("the backup was made with seed %d, this run uses %d", a.Seed, b.Seed)
	case a.Model != b.Model:
		return "the architecture differs"
	case a.Compile != b.Compile:
		return "the compile settings (optimizer, loss or metrics) differ"
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
	case math.Float64bits(float64(a.ValidationSplit)) != math.Float64bits(float64(b.ValidationSplit)):
		return fmt.Sprintf("the backup was made with validation split %v, this run uses %v", a.ValidationSplit, b.ValidationSplit)
	}
	return ""
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
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
