package dashboard

import (
	"bufio"
	"net/http"
	"testing"

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
// update. The goal is an overhead within 3%:
//
//	go test ./dashboard -run '^$' -bench Epoch -count 6 | benchstat -col /dashboard -
func BenchmarkEpoch(b *testing.B) {
	for _, mode := range []string{"none", "open"} {
		b.Run("dashboard="+mode, func(b *testing.B) {
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
			var s *Server
			if mode == "open" {
				var err error
				if s, err = New(Config{}); err != nil {
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
			}
			b.ResetTimer()
			for range b.N {
				cfg := models.FitConfig{Epochs: 1, Verbose: models.Silent}
				if s != nil {
					cfg.Callbacks = []callbacks.Callback{s.NewRun("bench")}
				}
				if _, err := m.Fit(x, y, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
