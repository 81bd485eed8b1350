package metrics

import (
	"encoding/json"
	"fmt"

	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/tensor"
)

// MeanIoUConfig holds Keras's MeanIoU arguments; zero values are Keras's
// defaults, except NumClasses, which is required.
type MeanIoUConfig struct {
	// NumClasses is the number of classes (required, > 0).
	NumClasses int
	// Name is the log key (default "mean_io_u", Keras's).
	Name string
	// OneHotTrue says the targets are one-hot rows, read by argmax
	// (Keras's sparse_y_true=False); by default they are class indices.
	OneHotTrue bool
	// OneHotPred says the predictions are scores per class, read by argmax
	// (Keras's sparse_y_pred=False), as a softmax output is; by default
	// they are class indices.
	OneHotPred bool
}

// MeanIoU is Keras's MeanIoU: from the (weighted) confusion matrix of
// every batch since the last Reset, each class's intersection over union
// TP / (TP + FP + FN), averaged over the classes that occur in the targets
// or the predictions. Matrix returns the confusion matrix itself.
type MeanIoU struct {
	name       string
	classes    int
	oneHotTrue bool
	oneHotPred bool
	cm         []float64 // row = true class, column = predicted class
	want, pred []int
}

// NewMeanIoU returns a MeanIoU metric, or an error naming a bad setting.
func NewMeanIoU(cfg MeanIoUConfig) (*MeanIoU, error) {
	if cfg.NumClasses <= 0 {
		return nil, fmt.Errorf("metrics: MeanIoU: NumClasses must be > 0, got %d", cfg.NumClasses)
	}
	if cfg.Name == "" {
		cfg.Name = "mean_io_u"
	}
	return &MeanIoU{name: cfg.Name, classes: cfg.NumClasses, oneHotTrue: cfg.OneHotTrue, oneHotPred: cfg.OneHotPred,
		cm: make([]float64, cfg.NumClasses*cfg.NumClasses)}, nil
}

// Name implements Metric.
func (m *MeanIoU) Name() string { return m.name }

// Reset implements Metric.
func (m *MeanIoU) Reset() { clear(m.cm) }

// Update implements Metric.
func (m *MeanIoU) Update(yTrue, yPred *tensor.Tensor) { m.update(yTrue, yPred, nil) }

// UpdateWeighted implements WeightedMetric.
func (m *MeanIoU) UpdateWeighted(yTrue, yPred, sw *tensor.Tensor) { m.update(yTrue, yPred, sw) }

// indices reads class indices: the argmax of rows, or the values.
func indices(dst []int, t *tensor.Tensor, oneHot bool) []int {
	if oneHot {
		return t.ArgMaxInto(dst)
	}
	dst = dst[:0]
	for _, v := range t.Data() {
		dst = append(dst, int(v))
	}
	return dst
}

func (m *MeanIoU) update(yTrue, yPred, sw *tensor.Tensor) {
	m.want = indices(m.want, yTrue, m.oneHotTrue)
	m.pred = indices(m.pred, yPred, m.oneHotPred)
	if len(m.want) != len(m.pred) {
		panic(fmt.Sprintf("metrics: %s: %d targets %v for %d predictions %v", m.name, len(m.want), yTrue.Shape(), len(m.pred), yPred.Shape()))
	}
	var w []float32
	if sw != nil {
		w = weightsOf(m.name, sw, len(m.pred))
	}
	for i, p := range m.pred {
		t := m.want[i]
		if t < 0 || t >= m.classes || p < 0 || p >= m.classes {
			panic(fmt.Sprintf("metrics: %s: class %d or %d outside [0, %d)", m.name, t, p, m.classes))
		}
		wt := 1.0
		if w != nil {
			wt = float64(w[i])
		}
		m.cm[t*m.classes+p] += wt
	}
}

// Matrix returns the confusion matrix so far: Matrix()[i][j] is the
// (weighted) number of examples of class i predicted as class j, as
// Keras's total_cm and scikit-learn's confusion_matrix.
func (m *MeanIoU) Matrix() [][]float64 {
	out := make([][]float64, m.classes)
	for i := range out {
		out[i] = append([]float64(nil), m.cm[i*m.classes:(i+1)*m.classes]...)
	}
	return out
}

// Result implements Metric.
func (m *MeanIoU) Result() float64 {
	k := m.classes
	var sum float64
	valid := 0
	for i := range k {
		var row, col float64
		for j := range k {
			row += m.cm[i*k+j]
			col += m.cm[j*k+i]
		}
		tp := m.cm[i*k+i]
		den := row + col - tp
		if den != 0 {
			sum += tp / den
			valid++
		}
	}
	if valid == 0 {
		return 0
	}
	return sum / float64(valid)
}

// MarshalBinary implements encoding.BinaryMarshaler: the confusion matrix.
func (m *MeanIoU) MarshalBinary() ([]byte, error) { return json.Marshal(floats(m.cm)) }

// UnmarshalBinary implements encoding.BinaryUnmarshaler.
func (m *MeanIoU) UnmarshalBinary(b []byte) error {
	var s []strictjson.Float
	if err := strictjson.Decode(b, &s); err != nil {
		return fmt.Errorf("metrics: %s state: %w", m.name, err)
	}
	if len(s) != len(m.cm) {
		return fmt.Errorf("metrics: %s state: %d counts, want %d (NumClasses²)", m.name, len(s), len(m.cm))
	}
	for i, v := range s {
		m.cm[i] = float64(v)
	}
	return nil
}
