package serving

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	batch    *prometheus.HistogramVec

	mu        sync.Mutex
	observers map[string]func(int)
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "neuron_serving_requests_total",
			Help: "Requests answered, by model, protocol (tfserving or v2) and HTTP status code.",
		}, []string{"model", "protocol", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "neuron_serving_request_duration_seconds",
			Help:    "Time from a request's arrival to its response, by model and protocol.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16), // 100µs … 3.3s
		}, []string{"model", "protocol"}),
		batch: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "neuron_serving_batch_size",
			Help:    "Examples per Predictor call (a merged batch with dynamic batching), by model.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 11), // 1 … 1024
		}, []string{"model"}),
		observers: map[string]func(int){},
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.batch} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// batchObserver returns the function that records a model's batch sizes.
func (m *metrics) batchObserver(model string) func(int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f, ok := m.observers[model]; ok {
		return f
	}
	h := m.batch.WithLabelValues(model)
	f := func(n int) { h.Observe(float64(n)) }
	m.observers[model] = f
	return f
}

// record counts a response.
func (m *metrics) record(model, protocol string, code int, start time.Time) {
	m.requests.WithLabelValues(model, protocol, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(model, protocol).Observe(time.Since(start).Seconds())
}

// handler serves the metrics.
func metricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// recorder remembers a response's status code.
type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// finish records a response in the metrics and the log: every request at
// Debug level, server errors at Error level.
func (s *Server) finish(r *http.Request, model, protocol string, code int, start time.Time) {
	s.metrics.record(model, protocol, code, start)
	level := slog.LevelDebug
	if code >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "model", model, "protocol", protocol, "code", code, "duration", time.Since(start))
}
