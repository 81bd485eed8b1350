package dashboard

import (
	"bufio"
	"net/http"
	"testing"
	"time"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// BenchmarkEpoch times one epoch of the course's first model (Flatten,
// Dense(256, relu), Dense(10, softmax)) on 2048 random 28×28 pictures,
// without a dashboard and with one open in a browser that reads every
// update, in alternation so that both see the same load on a shared
// machine. It reports both times and the overhead, whose goal is 3%:
//
//	go test ./dashboard -run '^$' -bench Epoch -benchtime 20x
func BenchmarkEpoch(b *testing.B) {
	x, y := tensor.Zeros(2048, 28, 28), tensor.Zeros(2048)
	for i := range x.Data() {
		x.Data()[i] = float32(i*7919%255) / 255
	}
	for i := range y.Data() {
		y.Data()[i] = float32(i % 10)
	}
	m := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 256, Activation: activations.ReLU},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}, Metrics: []metrics.Metric{metrics.NewAccuracy()}}); err != nil {
		b.Fatal(err)
	}
	s, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	resp, err := http.Get(s.URL() + "api/events")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	go func() {
		r := bufio.NewReader(resp.Body)
		for {
			if _, err := r.ReadSlice('\n'); err != nil && err != bufio.ErrBufferFull {
				return
			}
		}
	}()
	epoch := func(cbs ...callbacks.Callback) time.Duration {
		start := time.Now()
		if _, err := m.Fit(x, y, models.FitConfig{Epochs: 1, Verbose: models.Silent, Callbacks: cbs}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	epoch() // warm up
	var without, with time.Duration
	b.ResetTimer()
	for i := range b.N {
		// Alternate which goes first, against drifts in the load.
		if i%2 == 0 {
			without += epoch()
			with += epoch(s.NewRun("bench"))
		} else {
			with += epoch(s.NewRun("bench"))
			without += epoch()
		}
	}
	b.ReportMetric(float64(without.Nanoseconds())/float64(b.N), "ns/epoch-without")
	b.ReportMetric(float64(with.Nanoseconds())/float64(b.N), "ns/epoch-with")
	b.ReportMetric(100*(float64(with)/float64(without)-1), "%overhead")
}
