package dashboard

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

// Run is one training run shown by a Server. A Run from NewRun is the
// callback to give Fit (it implements callbacks.Callback,
// callbacks.ParamsSetter and callbacks.BatchBeginner); one from OpenFile
// or AddHistory is finished already. A Run is meant for one Fit call.
type Run struct {
	// Classification, set before Fit, makes the run predict these
	// examples when training ends and show the confusion matrix and sample
	// predictions, as for a classification model.
	Classification *Classification

	srv  *Server
	id   int
	name string

	mu         sync.Mutex
	status     string // "waiting", "running", "finished", "stopped" or "failed"
	source     string // "fit" or the file the run was read from
	summary    string
	params     map[string]int
	model      callbacks.Model
	start      time.Time
	epochStart time.Time
	epoch      int // the current epoch, from 0
	epochs     []epochRecord
	batchKeys  []string
	keysJSON   []byte // batchKeys as JSON, nil when it changed
	batches    []batchRecord
	result     *resultJSON
	errText    string
}

// Classification is the data a classification run is judged on at the
// end of training.
type Classification struct {
	// X holds the inputs, Y the true classes: integer labels, one per row,
	// or one-hot rows.
	X, Y models.Array
	// ClassNames names the classes (optional; the class numbers
	// otherwise).
	ClassNames []string
	// Samples is the number of sample predictions shown, the first
	// examples of X (16 by default; negative for none).
	Samples int
}

// Results are a classification model's predictions, for SetResults.
type Results struct {
	// Labels are the true classes and Predicted the predicted ones, one per
	// example, from 0.
	Labels, Predicted []int
	// Confidence is, optionally, the predicted class's probability for
	// each example.
	Confidence []float64
	// ClassNames names the classes (optional).
	ClassNames []string
	// Images are, optionally, pictures of the first examples, shown with
	// their predictions.
	Images []image.Image
}

// num is a number that JSON writes as null when it is not finite.
type num float64

// MarshalJSON implements json.Marshaler.
func (n num) MarshalJSON() ([]byte, error) { return n.appendJSON(nil), nil }

func (n num) appendJSON(b []byte) []byte {
	f := float64(n)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

// epochRecord is one epoch's logs.
type epochRecord struct {
	Epoch   int            `json:"epoch"`
	Logs    map[string]num `json:"logs"`
	LR      *num           `json:"lr,omitempty"`
	Seconds *num           `json:"seconds,omitempty"`
}

// batchRecord is one training step: the values of the run's batch keys,
// in their order, with the learning rate.
type batchRecord struct {
	epoch, step int
	lr          float64
	values      []float64
}

// MarshalJSON writes [epoch, step, lr, value...].
func (b batchRecord) MarshalJSON() ([]byte, error) {
	return b.appendJSON(make([]byte, 0, 16+12*len(b.values))), nil
}

func (b batchRecord) appendJSON(out []byte) []byte {
	out = append(out, '[')
	out = strconv.AppendInt(out, int64(b.epoch), 10)
	out = append(out, ',')
	out = strconv.AppendInt(out, int64(b.step), 10)
	out = append(out, ',')
	out = num(b.lr).appendJSON(out)
	for _, v := range b.values {
		out = append(out, ',')
		out = num(v).appendJSON(out)
	}
	return append(out, ']')
}

// resultJSON is a finished classification run's confusion matrix and
// samples.
type resultJSON struct {
	ClassNames []string    `json:"class_names"`
	Confusion  [][]int     `json:"confusion"`
	Samples    []sampleRec `json:"samples"`
	Accuracy   num         `json:"accuracy"`
}

type sampleRec struct {
	Index      int    `json:"index"`
	Label      int    `json:"label"`
	Predicted  int    `json:"predicted"`
	Confidence *num   `json:"confidence,omitempty"`
	Image      string `json:"image,omitempty"` // a data: URL of a PNG
}

// runJSON is a run's whole state, as the page receives it.
type runJSON struct {
	ID        int            `json:"id"`
	Name      string         `json:"name"`
	Status    string         `json:"status"`
	Source    string         `json:"source"`
	Summary   string         `json:"summary"`
	Params    map[string]int `json:"params"`
	Epoch     int            `json:"epoch"`
	Epochs    []epochRecord  `json:"epochs"`
	BatchKeys []string       `json:"batch_keys"`
	Batches   []batchRecord  `json:"batches"`
	Result    *resultJSON    `json:"result"`
	Error     string         `json:"error,omitempty"`
}

// Name returns the run's name.
func (r *Run) Name() string { return r.name }

func (r *Run) snapshotLocked() runJSON {
	// Empty lists rather than null, for the page.
	return runJSON{
		ID: r.id, Name: r.name, Status: r.status, Source: r.source, Summary: r.summary,
		Params: maps.Clone(r.params), Epoch: r.epoch, Epochs: append([]epochRecord{}, r.epochs...),
		BatchKeys: append([]string{}, r.batchKeys...), Batches: append([]batchRecord{}, r.batches...),
		Result: r.result, Error: r.errText,
	}
}

func (r *Run) snapshot() runJSON {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snapshotLocked()
}

// SetParams implements callbacks.ParamsSetter.
func (r *Run) SetParams(params map[string]int) {
	r.mu.Lock()
	r.params = params
	r.mu.Unlock()
}

// summarizer is a model that can print its summary.
type summarizer interface {
	SummaryTo(w io.Writer, lineLength int) error
}

// OnTrainBegin implements callbacks.Callback.
func (r *Run) OnTrainBegin(m callbacks.Model) error {
	if err := r.Classification.check(); err != nil {
		return err
	}
	var summary bytes.Buffer
	if s, ok := m.(summarizer); ok {
		if err := s.SummaryTo(&summary, 0); err != nil {
			summary.Reset()
		}
	}
	r.mu.Lock()
	if r.status != "waiting" {
		r.mu.Unlock()
		return fmt.Errorf("dashboard: run %q has already trained; make a new run with NewRun for each Fit", r.name)
	}
	r.model, r.summary, r.status, r.start = m, summary.String(), "running", time.Now()
	snap := r.snapshotLocked()
	r.mu.Unlock()
	r.srv.broadcast("run", snap)
	return nil
}

// OnEpochBegin implements callbacks.Callback.
func (r *Run) OnEpochBegin(epoch int) error {
	r.mu.Lock()
	r.epoch, r.epochStart = epoch, time.Now()
	r.mu.Unlock()
	return nil
}

// OnBatchBegin implements callbacks.BatchBeginner.
func (r *Run) OnBatchBegin(int) error { return nil }

// batchEvent is the update of one step; OnBatchEnd encodes it as
// {"run", "index", "keys", "batch", "steps", "eta"}.
type batchEvent struct {
	Run, Index, Steps int
	ETA               *num
}

// OnBatchEnd implements callbacks.Callback.
func (r *Run) OnBatchEnd(step int, logs callbacks.Logs) error {
	lr := math.NaN()
	if r.model != nil {
		lr = r.model.LearningRate()
	}
	r.mu.Lock()
	for k := range logs {
		if !slices.Contains(r.batchKeys, k) {
			// A new key: the earlier steps have no value for it.
			r.batchKeys = append(r.batchKeys, k)
			sort.Strings(r.batchKeys)
			r.keysJSON = nil
			for i := range r.batches {
				r.batches[i].values = r.valuesFor(r.batches[i].values, nil)
			}
		}
	}
	b := batchRecord{epoch: r.epoch, step: step, lr: lr, values: r.valuesFor(nil, logs)}
	r.batches = append(r.batches, b)
	ev := batchEvent{Run: r.id, Index: len(r.batches) - 1, Steps: r.params["steps"]}
	if ev.Steps > step+1 {
		// As Keras's progress bar: the mean time per step so far times
		// the steps left.
		eta := num(time.Since(r.epochStart).Seconds() / float64(step+1) * float64(ev.Steps-step-1))
		ev.ETA = &eta
	}
	if !r.srv.hasClients() {
		r.mu.Unlock()
		return nil
	}
	if r.keysJSON == nil {
		r.keysJSON = marshal(r.batchKeys)
	}
	// Encoded by hand: this runs at every step, and json.Marshal's
	// reflection would cost more than the rest of the callback.
	data := make([]byte, 0, 64+len(r.keysJSON)+12*len(b.values))
	data = append(data, `{"run":`...)
	data = strconv.AppendInt(data, int64(ev.Run), 10)
	data = append(data, `,"index":`...)
	data = strconv.AppendInt(data, int64(ev.Index), 10)
	data = append(data, `,"keys":`...)
	data = append(data, r.keysJSON...)
	data = append(data, `,"batch":`...)
	data = b.appendJSON(data)
	data = append(data, `,"steps":`...)
	data = strconv.AppendInt(data, int64(ev.Steps), 10)
	if ev.ETA != nil {
		data = append(data, `,"eta":`...)
		data = ev.ETA.appendJSON(data)
	}
	data = append(data, '}')
	r.mu.Unlock()
	r.srv.broadcastRaw("batch", data)
	return nil
}

// valuesFor returns logs's values in the order of r.batchKeys (NaN for
// a missing key), reusing dst; with logs nil it pads dst with NaN.
func (r *Run) valuesFor(dst []float64, logs callbacks.Logs) []float64 {
	if logs == nil {
		for len(dst) < len(r.batchKeys) {
			dst = append(dst, math.NaN())
		}
		return dst
	}
	dst = dst[:0]
	for _, k := range r.batchKeys {
		v, ok := logs[k]
		if !ok {
			v = math.NaN()
		}
		dst = append(dst, v)
	}
	return dst
}

// epochEvent is the update of one epoch.
type epochEvent struct {
	Run   int         `json:"run"`
	Index int         `json:"index"`
	Epoch epochRecord `json:"record"`
}

// OnEpochEnd implements callbacks.Callback.
func (r *Run) OnEpochEnd(epoch int, logs callbacks.Logs) error {
	rec := epochRecord{Epoch: epoch, Logs: make(map[string]num, len(logs))}
	for k, v := range logs {
		rec.Logs[k] = num(v)
	}
	if r.model != nil {
		lr := num(r.model.LearningRate())
		rec.LR = &lr
	}
	r.mu.Lock()
	if !r.epochStart.IsZero() {
		s := num(time.Since(r.epochStart).Seconds())
		rec.Seconds = &s
	}
	r.epochs = append(r.epochs, rec)
	ev := epochEvent{Run: r.id, Index: len(r.epochs) - 1, Epoch: rec}
	r.mu.Unlock()
	r.srv.broadcast("epoch", ev)
	return nil
}

// OnTrainEnd implements callbacks.Callback: it predicts the
// Classification data, if any, and marks the run finished.
func (r *Run) OnTrainEnd(callbacks.Logs) error {
	var err error
	var res *resultJSON
	if r.Classification != nil {
		res, err = r.Classification.predict(r.model)
	}
	r.mu.Lock()
	defer func() {
		snap := r.snapshotLocked()
		r.mu.Unlock()
		r.srv.broadcast("run", snap)
	}()
	r.status = "finished"
	if n := r.params["epochs"]; n > 0 && len(r.epochs) > 0 && r.epochs[len(r.epochs)-1].Epoch+1 < n {
		r.status = "stopped"
	}
	if err != nil {
		r.errText = err.Error()
		return err
	}
	if res != nil {
		r.result = res
	}
	return nil
}

// SetResults shows a classification model's predictions with the run:
// the confusion matrix of res.Labels against res.Predicted, and the first
// examples with their images. It is for predictions made after Fit
// (Classification makes the run predict by itself).
func (r *Run) SetResults(res Results) error {
	out, err := res.build(16)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.result = out
	snap := r.snapshotLocked()
	r.mu.Unlock()
	r.srv.broadcast("run", snap)
	return nil
}

// maxClasses bounds the confusion matrix, which the page draws whole.
const maxClasses = 1000

// build checks res and makes the page's view of it, with at most n
// samples.
func (res Results) build(n int) (*resultJSON, error) {
	if len(res.Labels) != len(res.Predicted) {
		return nil, fmt.Errorf("dashboard: Results: %d Labels but %d Predicted", len(res.Labels), len(res.Predicted))
	}
	if res.Confidence != nil && len(res.Confidence) != len(res.Labels) {
		return nil, fmt.Errorf("dashboard: Results: %d Labels but %d Confidence values", len(res.Labels), len(res.Confidence))
	}
	classes := len(res.ClassNames)
	for i := range res.Labels {
		for _, c := range []int{res.Labels[i], res.Predicted[i]} {
			if c < 0 || c >= maxClasses {
				return nil, fmt.Errorf("dashboard: Results: class %d of example %d is outside [0, %d)", c, i, maxClasses)
			}
			if res.ClassNames != nil && c >= len(res.ClassNames) {
				return nil, fmt.Errorf("dashboard: Results: class %d of example %d has no name (%d ClassNames)", c, i, len(res.ClassNames))
			}
			classes = max(classes, c+1)
		}
	}
	out := &resultJSON{ClassNames: slices.Clone(res.ClassNames), Confusion: make([][]int, classes)}
	if out.ClassNames == nil {
		out.ClassNames = make([]string, classes)
		for i := range out.ClassNames {
			out.ClassNames[i] = strconv.Itoa(i)
		}
	}
	right := 0
	for i := range out.Confusion {
		out.Confusion[i] = make([]int, classes)
	}
	for i, l := range res.Labels {
		out.Confusion[l][res.Predicted[i]]++
		if l == res.Predicted[i] {
			right++
		}
	}
	out.Accuracy = num(float64(right) / float64(len(res.Labels)))
	out.Samples = []sampleRec{}
	for i := 0; i < min(n, len(res.Labels)); i++ {
		s := sampleRec{Index: i, Label: res.Labels[i], Predicted: res.Predicted[i]}
		if res.Confidence != nil {
			c := num(res.Confidence[i])
			s.Confidence = &c
		}
		if i < len(res.Images) && res.Images[i] != nil {
			var b bytes.Buffer
			if err := png.Encode(&b, res.Images[i]); err != nil {
				return nil, fmt.Errorf("dashboard: Results: image %d: %w", i, err)
			}
			s.Image = "data:image/png;base64," + base64Std(b.Bytes())
		}
		out.Samples = append(out.Samples, s)
	}
	return out, nil
}

func (c *Classification) check() error {
	if c == nil {
		return nil
	}
	if c.X == nil || c.Y == nil {
		return errors.New("dashboard: Classification needs both X and Y")
	}
	if c.X.Dim(0) != c.Y.Dim(0) {
		return fmt.Errorf("dashboard: Classification: X has %d examples but Y has %d", c.X.Dim(0), c.Y.Dim(0))
	}
	if c.Y.Rank() > 2 {
		return fmt.Errorf("dashboard: Classification: Y must hold labels or one-hot rows, got rank %d", c.Y.Rank())
	}
	return nil
}

func shapeOf(a models.Array) []int {
	s := make([]int, a.Rank())
	for i := range s {
		s[i] = a.Dim(i)
	}
	return s
}

func rows(a models.Array, n int) *tensor.Tensor {
	s := shapeOf(a)
	s[0] = n
	t := tensor.Zeros(s...)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	a.TakeRowsInto(t, idx)
	return t
}

// labels reads class labels: integers, one per row, or one-hot rows.
func labels(t *tensor.Tensor) []int {
	if s := t.Shape(); len(s) == 2 && s[1] > 1 {
		return t.ArgMax()
	}
	out := make([]int, 0, len(t.Data()))
	for _, v := range t.Data() {
		out = append(out, int(math.Round(float64(v))))
	}
	return out
}

// predict runs the model on c.X and builds the results.
func (c *Classification) predict(m callbacks.Model) (*resultJSON, error) {
	var pred *tensor.Tensor
	var err error
	switch m := m.(type) {
	case *models.Sequential:
		pred, err = m.Predict(c.X, models.PredictConfig{Verbose: models.Silent})
	case *models.Model:
		var outs []*tensor.Tensor
		outs, err = m.Predict([]models.Array{c.X}, models.PredictConfig{Verbose: models.Silent})
		if err == nil {
			pred = outs[0]
		}
	default:
		return nil, fmt.Errorf("dashboard: Classification: cannot predict with a %T", m)
	}
	if err != nil {
		return nil, fmt.Errorf("dashboard: Classification: %w", err)
	}
	n := c.X.Dim(0)
	if s := pred.Shape(); len(s) != 2 || s[0] != n {
		return nil, fmt.Errorf("dashboard: Classification: the model's output has shape %v, want (%d, classes)", s, n)
	}
	res := Results{Labels: labels(rows(c.Y, n)), ClassNames: c.ClassNames}
	classes := pred.Shape()[1]
	d := pred.Data()
	for i := range n {
		row := d[i*classes : (i+1)*classes]
		best := 0
		if classes == 1 { // a sigmoid output: class 1 above one half
			if row[0] > 0.5 {
				best = 1
			}
			res.Predicted = append(res.Predicted, best)
			res.Confidence = append(res.Confidence, math.Abs(float64(row[0])-float64(1-best)))
			continue
		}
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		res.Predicted = append(res.Predicted, best)
		res.Confidence = append(res.Confidence, float64(row[best]))
	}
	samples := c.Samples
	if samples == 0 {
		samples = 16
	}
	samples = max(0, min(samples, n))
	if samples > 0 {
		res.Images = images(rows(c.X, samples))
	}
	return res.build(samples)
}

// images draws each example of x as a picture if it is one: (h, w),
// (h, w, 1) or (h, w, 3), its values stretched to the full range of grey
// (or of each colour).
func images(x *tensor.Tensor) []image.Image {
	s := x.Shape()
	var h, w, ch int
	switch {
	case len(s) == 3:
		h, w, ch = s[1], s[2], 1
	case len(s) == 4 && (s[3] == 1 || s[3] == 3):
		h, w, ch = s[1], s[2], s[3]
	default:
		return nil
	}
	if h < 2 || w < 2 || h*w > 512*512 {
		return nil
	}
	per := h * w * ch
	var out []image.Image
	for i := range s[0] {
		px := x.Data()[i*per : (i+1)*per]
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, v := range px {
			if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
		scale := float32(0)
		if hi > lo {
			scale = 255 / (hi - lo)
		}
		at := func(j int) uint8 {
			v := px[j]
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return 0
			}
			return uint8(math.Round(float64((v - lo) * scale)))
		}
		if ch == 1 {
			img := image.NewGray(image.Rect(0, 0, w, h))
			for j := range h * w {
				img.Pix[j] = at(j)
			}
			out = append(out, img)
			continue
		}
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for j := range h * w {
			img.SetRGBA(j%w, j/w, color.RGBA{at(3 * j), at(3*j + 1), at(3*j + 2), 255})
		}
		out = append(out, img)
	}
	return out
}

// marshal encodes v; the run data has no values JSON cannot hold.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]string{"error": err.Error()})
	}
	return b
}
