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
// update, in rotation with a server nobody watches and a callback that
// does nothing, so that all see the same load on a shared machine. It
// reports the times and the overhead of the open dashboard, whose goal is
// 3%:
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
	// A server nobody watches, to tell the cost of the callback from that
	// of the browser's updates.
	idle, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer idle.Close()
	epoch() // warm up
	var without, with, unwatched, noop time.Duration
	b.ResetTimer()
	for i := range b.N {
		// Rotate the order, against drifts in the load.
		runs := []func(){
			func() { without += epoch() },
			func() { with += epoch(s.NewRun("bench")) },
			func() { unwatched += epoch(idle.NewRun("bench")) },
			func() { noop += epoch(callbacks.Base{}) },
		}
		for j := range runs {
			runs[(i+j)%len(runs)]()
		}
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(per(without), "ns/epoch-without")
	b.ReportMetric(per(with), "ns/epoch-with")
	b.ReportMetric(per(unwatched), "ns/epoch-unwatched")
	b.ReportMetric(per(noop), "ns/epoch-noop-callback")
	b.ReportMetric(100*(float64(with)/float64(without)-1), "%overhead")
}
