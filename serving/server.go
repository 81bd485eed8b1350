package serving

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neuron-go/neuron/models"
	"github.com/prometheus/client_golang/prometheus"
)

// ModelConfig names a model to serve and says where it is.
type ModelConfig struct {
	// Name is the model's name in the URLs (/v1/models/NAME, …); empty:
	// the base name of Path without its extension.
	Name string
	// Path is a model file (served as version 1) or a directory in TF
	// Serving's layout: one subdirectory per version, named 1, 2, …, each
	// holding one model file.
	Path string
}

// Config holds a Server's settings; zero values are the defaults.
type Config struct {
	// Models lists the models to serve; at least one.
	Models []ModelConfig
	// MaxBatchSize turns on dynamic batching: concurrent requests for a
	// model version are merged into one Predictor call of at most this
	// many examples. 0 or 1: every request runs on its own.
	MaxBatchSize int
	// BatchTimeout is how long the first request of a batch waits for
	// others (TF Serving's batch_timeout_micros, Triton's
	// max_queue_delay_microseconds); default 1ms.
	BatchTimeout time.Duration
	// MaxBodyBytes bounds a request body; a larger one is refused with
	// 413 before it is read whole. Default 64 MiB.
	MaxBodyBytes int64
	// PollInterval, if positive, is how often the model paths are scanned
	// for new, changed and removed versions (TF Serving polls every
	// second). Reload scans them on demand.
	PollInterval time.Duration
	// Logger receives the server's structured logs; default slog.Default().
	Logger *slog.Logger
	// Registerer receives the Prometheus metrics, and Gatherer serves
	// them on /metrics; default a registry of the Server's own.
	Registerer prometheus.Registerer
	Gatherer   prometheus.Gatherer

	// The HTTP server's timeouts, for ListenAndServe and Serve: defaults
	// 10s to read a request's headers (slow clients are cut off), 60s to
	// read it whole, 60s to write the response and 120s for an idle
	// keep-alive connection.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

// Server serves models over HTTP with TensorFlow Serving's REST API
// (/v1/models/…) and the KServe / Triton v2 inference protocol (/v2/…),
// and its metrics on /metrics in Prometheus's format. It is an
// http.Handler, to mount in a program's own server, and runs its own
// with ListenAndServe or Serve.
type Server struct {
	cfg     Config
	log     *slog.Logger
	models  map[string]*model
	names   []string // sorted
	mux     *http.ServeMux
	metrics *metrics

	mu       sync.Mutex
	srv      *http.Server
	stopPoll chan struct{}
	pollDone chan struct{}
	closed   atomic.Bool
}

// model is one served model and its versions.
type model struct {
	name, base string
	reload     sync.Mutex // one reload at a time
	state      atomic.Pointer[modelState]
}

// modelState is a model's versions at one time; a reload makes a new one.
type modelState struct {
	loaded map[int64]*version
	order  []int64 // loaded versions, ascending
	failed map[int64]failure
}

// failure is a version that could not be loaded, with the file it was.
type failure struct {
	err   error
	path  string
	stamp stamp
}

// version is one loaded version of a model.
type version struct {
	num   int64
	path  string
	stamp stamp
	p     *models.Predictor
	b     *batcher // nil without dynamic batching
}

// latest returns the highest loaded version, or nil.
func (st *modelState) latest() *version {
	if len(st.order) == 0 {
		return nil
	}
	return st.loaded[st.order[len(st.order)-1]]
}

// New loads every version of every model in cfg and returns a Server for
// them. A model none of whose versions loads is an error; a version that
// fails while another loads is logged and reported in the model's status.
func New(cfg Config) (*Server, error) {
	if len(cfg.Models) == 0 {
		return nil, errors.New("serving: Config.Models is empty: name at least one model")
	}
	switch {
	case cfg.MaxBatchSize < 0:
		return nil, fmt.Errorf("serving: Config.MaxBatchSize must be >= 0, got %d", cfg.MaxBatchSize)
	case cfg.BatchTimeout < 0:
		return nil, fmt.Errorf("serving: Config.BatchTimeout must be >= 0, got %v", cfg.BatchTimeout)
	case cfg.MaxBodyBytes < 0:
		return nil, fmt.Errorf("serving: Config.MaxBodyBytes must be >= 0, got %d", cfg.MaxBodyBytes)
	case cfg.PollInterval < 0:
		return nil, fmt.Errorf("serving: Config.PollInterval must be >= 0, got %v", cfg.PollInterval)
	}
	if cfg.BatchTimeout == 0 {
		cfg.BatchTimeout = time.Millisecond
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = 64 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	defaults := []struct {
		d *time.Duration
		v time.Duration
	}{{&cfg.ReadHeaderTimeout, 10 * time.Second}, {&cfg.ReadTimeout, time.Minute}, {&cfg.WriteTimeout, time.Minute}, {&cfg.IdleTimeout, 2 * time.Minute}}
	for _, d := range defaults {
		if *d.d == 0 {
			*d.d = d.v
		}
	}
	if cfg.Registerer == nil && cfg.Gatherer == nil {
		reg := prometheus.NewRegistry()
		cfg.Registerer, cfg.Gatherer = reg, reg
	} else if cfg.Registerer == nil || cfg.Gatherer == nil {
		return nil, errors.New("serving: set both Config.Registerer and Config.Gatherer, or neither")
	}
	s := &Server{cfg: cfg, log: cfg.Logger, models: map[string]*model{}, mux: http.NewServeMux()}
	var err error
	if s.metrics, err = newMetrics(cfg.Registerer); err != nil {
		return nil, err
	}
	for i, mc := range cfg.Models {
		if mc.Path == "" {
			return nil, fmt.Errorf("serving: Config.Models[%d].Path is empty", i)
		}
		name := mc.Name
		if name == "" {
			name = defaultName(mc.Path)
		}
		if err := checkName(name); err != nil {
			return nil, fmt.Errorf("serving: Config.Models[%d].Name: %w", i, err)
		}
		if _, dup := s.models[name]; dup {
			return nil, fmt.Errorf("serving: two models are named %q (Config.Models[%d]); give each a Name", name, i)
		}
		m := &model{name: name, base: mc.Path}
		m.state.Store(&modelState{loaded: map[int64]*version{}, failed: map[int64]failure{}})
		// The models loaded so far are in s.models, for stopAll.
		s.models[name] = m
		if _, err := scan(m.base); err != nil {
			s.stopAll()
			return nil, fmt.Errorf("serving: model %s: %w", name, err)
		}
		// A version that fails is logged and reported by the status API;
		// the model needs one that loads.
		_ = s.reloadModel(m)
		if m.state.Load().latest() == nil {
			err := firstFailure(m.state.Load())
			s.stopAll()
			return nil, fmt.Errorf("serving: model %s: no version loads: %w", name, err)
		}
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)
	s.routes()
	if cfg.PollInterval > 0 {
		s.stopPoll, s.pollDone = make(chan struct{}), make(chan struct{})
		go s.poll(s.stopPoll)
	}
	return s, nil
}

// defaultName is a path's base name without its extension.
func defaultName(path string) string {
	base := filepath.Base(filepath.Clean(path))
	if ext := filepath.Ext(base); ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// checkName refuses names that cannot be a URL path segment as the
// protocols use it.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("%q is not a model name", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return fmt.Errorf("model name %q has %q; use letters, digits, '_', '-' and '.'", name, r)
		}
	}
	return nil
}

func firstFailure(st *modelState) error {
	var nums []int64
	for n := range st.failed {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	if len(nums) == 0 {
		return errors.New("no version found")
	}
	f := st.failed[nums[len(nums)-1]]
	return fmt.Errorf("version %d: %w", nums[len(nums)-1], f.err)
}

// Reload scans every model's path again: it loads new versions and
// versions whose file changed, and unloads versions that are gone, without
// dropping a request (a request holds the version it started with). A new
// version that fails to load is logged and the versions already loaded
// keep serving, the changed version's old copy included. It returns the
// load errors, joined.
func (s *Server) Reload() error {
	var errs []error
	for _, name := range s.names {
		if err := s.reloadModel(s.models[name]); err != nil {
			errs = append(errs, fmt.Errorf("model %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// reloadModel brings a model's versions in line with its path.
func (s *Server) reloadModel(m *model) error {
	m.reload.Lock()
	defer m.reload.Unlock()
	old := m.state.Load()
	dirs, err := scan(m.base)
	if err != nil {
		s.log.Error("model path unreadable; the loaded versions keep serving", "model", m.name, "error", err)
		return err
	}
	next := &modelState{loaded: map[int64]*version{}, failed: map[int64]failure{}}
	var errs []error
	found := map[int64]bool{}
	for _, d := range dirs {
		found[d.num] = true
		prev := old.loaded[d.num]
		if d.err != nil {
			s.keepOrFail(m, next, prev, d.num, d.path, stamp{}, d.err, &errs)
			continue
		}
		st, err := stampOf(d.path)
		if err != nil {
			s.keepOrFail(m, next, prev, d.num, d.path, stamp{}, unwrapPath(err), &errs)
			continue
		}
		if prev != nil && prev.path == d.path && prev.stamp == st {
			next.loaded[d.num] = prev
			continue
		}
		if f, ok := old.failed[d.num]; ok && f.path == d.path && f.stamp == st {
			s.keepOrFail(m, next, prev, d.num, d.path, st, f.err, nil) // tried already
			continue
		}
		p, err := Load(d.path)
		if err != nil {
			s.keepOrFail(m, next, prev, d.num, d.path, st, err, &errs)
			continue
		}
		v := &version{num: d.num, path: d.path, stamp: st, p: p}
		if s.cfg.MaxBatchSize > 1 {
			v.b = newBatcher(p, s.cfg.MaxBatchSize, s.cfg.BatchTimeout, s.metrics.batchObserver(m.name))
		}
		next.loaded[d.num] = v
		s.log.Info("model version loaded", "model", m.name, "version", d.num, "path", d.path, "inputs", p.InputNames(), "outputs", p.OutputNames())
	}
	for n := range next.loaded {
		next.order = append(next.order, n)
	}
	slices.Sort(next.order)
	m.state.Store(next)
	// Versions gone or replaced stop batching; requests that hold them
	// still finish (the batcher then runs them directly).
	for n, v := range old.loaded {
		if next.loaded[n] != v && v.b != nil {
			v.b.stop()
		}
		if !found[n] {
			s.log.Info("model version unloaded", "model", m.name, "version", n)
		}
	}
	return errors.Join(errs...)
}

// keepOrFail records a version that failed to load; the version's
// previous copy, if any, keeps serving.
func (s *Server) keepOrFail(m *model, next *modelState, prev *version, num int64, path string, st stamp, err error, errs *[]error) {
	next.failed[num] = failure{err: err, path: path, stamp: st}
	if prev != nil {
		next.loaded[num] = prev
	}
	if errs == nil {
		return
	}
	*errs = append(*errs, fmt.Errorf("version %d: %w", num, err))
	if prev != nil {
		s.log.Error("model version failed to load; its previous copy keeps serving", "model", m.name, "version", num, "path", path, "error", err)
	} else {
		s.log.Error("model version failed to load", "model", m.name, "version", num, "path", path, "error", err)
	}
}

// poll reloads the models every PollInterval until Shutdown.
func (s *Server) poll(stop <-chan struct{}) {
	defer close(s.pollDone)
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			_ = s.Reload() // logged by reloadModel
		}
	}
}

// Handle adds a handler to the server's routes, as http.ServeMux.Handle
// does (a demo page, a health check of a program's own). A pattern under
// the protocols' routes (/v1/, /v2) or /metrics, or one that conflicts
// with a pattern added before, is an error.
func (s *Server) Handle(pattern string, h http.Handler) (err error) {
	path := pattern
	if i := strings.IndexByte(path, '/'); i >= 0 {
		path = path[i:]
	}
	for _, p := range []string{"/v1/", "/v2", "/metrics"} {
		if strings.HasPrefix(path, p) || path == "/" || path == "/v1" {
			return fmt.Errorf("serving: Handle %q: the path is the server's own", pattern)
		}
	}
	defer func() {
		if r := recover(); r != nil { // ServeMux's conflicting patterns
			err = fmt.Errorf("serving: Handle %q: %v", pattern, r)
		}
	}()
	s.mux.Handle(pattern, h)
	return nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving a request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
			writeError(w, http.StatusInternalServerError, "internal error")
		}
	}()
	s.mux.ServeHTTP(w, r)
}

// ListenAndServe listens on addr (host:port; "127.0.0.1:8501" is TF
// Serving's REST port on this machine only) and serves until Shutdown,
// when it returns http.ErrServerClosed.
func (s *Server) ListenAndServe(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve serves on l until Shutdown, when it returns http.ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		l.Close()
		return http.ErrServerClosed
	}
	if s.srv == nil {
		s.srv = &http.Server{
			Handler:           s,
			ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
			ReadTimeout:       s.cfg.ReadTimeout,
			WriteTimeout:      s.cfg.WriteTimeout,
			IdleTimeout:       s.cfg.IdleTimeout,
			ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		}
	}
	srv := s.srv
	s.mu.Unlock()
	s.log.Info("serving", "address", l.Addr().String(), "models", s.names)
	return srv.Serve(l)
}

// Shutdown stops accepting connections, waits for the requests in flight
// to finish (or ctx to end), then stops polling and batching.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed.Store(true)
	srv := s.srv
	s.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Shutdown(ctx)
	}
	s.stopAll()
	return err
}

// stopAll stops the poller and every batcher.
func (s *Server) stopAll() {
	s.mu.Lock()
	stop := s.stopPoll
	s.stopPoll = nil
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-s.pollDone
	}
	for _, m := range s.models {
		m.reload.Lock()
		for _, v := range m.state.Load().loaded {
			if v.b != nil {
				v.b.stop()
			}
		}
		m.reload.Unlock()
	}
}

// predict runs a request's examples through a version, batched or not.
func (s *Server) predict(ctx context.Context, m *model, v *version, rows int, in [][]float32) ([][]float32, error) {
	out := make([][]float32, len(v.p.OutputShapes()))
	for i, sh := range v.p.OutputShapes() {
		out[i] = make([]float32, rows*prod(sh))
	}
	if v.b != nil {
		return out, v.b.predict(ctx, rows, in, out)
	}
	s.metrics.batchObserver(m.name)(rows)
	return out, v.p.PredictInto(ctx, rows, in, out)
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// readBody reads a request body of at most MaxBodyBytes: a larger one is
// a 413 as soon as its Content-Length or its first excess byte says so.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *httpError) {
	limit := s.cfg.MaxBodyBytes
	if r.ContentLength > limit {
		return nil, &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body of %d bytes is over the limit of %d bytes", r.ContentLength, limit)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &httpError{http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is over the limit of %d bytes", limit)}
		}
		return nil, &httpError{http.StatusBadRequest, "cannot read the request body: " + err.Error()}
	}
	return body, nil
}

// httpError is an error response: a status and the message of the body
// {"error": "..."}, which both protocols use.
type httpError struct {
	code int
	msg  string
}

func badRequest(format string, a ...any) *httpError {
	return &httpError{http.StatusBadRequest, fmt.Sprintf(format, a...)}
}

// writeError writes the protocols' error body.
func writeError(w http.ResponseWriter, code int, msg string) {
	b := appendJSONString([]byte(`{"error":`), msg)
	b = append(b, "}\n"...)
	writeJSON(w, code, b)
}

func writeJSON(w http.ResponseWriter, code int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}
