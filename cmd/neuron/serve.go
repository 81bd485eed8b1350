package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/neuron-go/neuron/serving"
)

const serveUsage = `Usage: neuron serve [-addr HOST:PORT] [-name NAME] MODEL_OR_DIR... [flags]

Serves saved models over HTTP with TensorFlow Serving's REST API
(/v1/models/NAME:predict, /v1/models/NAME/metadata) and the KServe /
Triton v2 inference protocol (/v2/models/NAME/infer, /v2/health/ready),
with Prometheus metrics on /metrics.

A MODEL is a model file (.safetensors as neuron saves them, Keras's .keras
or .h5, or .onnx), served as version 1, or a directory in TF Serving's layout,
one subdirectory per version (NAME/1, NAME/2, ...) holding one model file:
the latest version answers requests without a version. NAME defaults to
the file's or directory's base name without its extension. The model paths
are polled for new versions (-poll), and SIGHUP reloads them at once; a
version that fails to load is logged and the loaded ones keep serving.
SIGINT or SIGTERM stops the server after the requests in flight finish.

Examples:

	neuron train mnist -save mnist.safetensors
	neuron serve mnist.safetensors
	curl -s localhost:8501/v1/models/mnist
	neuron serve -addr 127.0.0.1:9000 -max-batch-size 32 models/mnist models/cnn
`

// serveOptions are neuron serve's flags.
type serveOptions struct {
	addr         string
	name         string
	maxBatch     int
	batchTimeout time.Duration
	poll         time.Duration
	maxBody      int64
	grace        time.Duration
	logJSON      bool
	logLevel     string
}

// serveExtensions let other files of this command add flags to neuron
// serve and routes to its server (a demo page, say): each is called with
// the flag set before the flags are parsed, and the function it returns,
// if not nil, with the Server before it starts listening.
var serveExtensions []func(fs *flag.FlagSet) func(s *serving.Server) error

func serveFlags() (*flag.FlagSet, *serveOptions) {
	o := &serveOptions{}
	fs := newFlagSet("serve", serveUsage)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8501", "listen on `HOST:PORT` (8501 is TF Serving's REST port; 127.0.0.1 keeps the server to this machine, :8501 opens it to the network)")
	fs.StringVar(&o.name, "name", "", "the model's `NAME` in the URLs (one MODEL only; default: its base name without extension)")
	fs.IntVar(&o.maxBatch, "max-batch-size", 0, "merge concurrent requests into batches of up to `N` examples (0: no dynamic batching)")
	fs.DurationVar(&o.batchTimeout, "batch-timeout", time.Millisecond, "how long a batch waits for more requests")
	fs.DurationVar(&o.poll, "poll", time.Second, "how often to look for new model versions (0: only on SIGHUP)")
	fs.Int64Var(&o.maxBody, "max-body-bytes", 64<<20, "refuse request bodies over `N` bytes with 413")
	fs.DurationVar(&o.grace, "shutdown-timeout", 30*time.Second, "how long SIGINT or SIGTERM waits for the requests in flight")
	fs.BoolVar(&o.logJSON, "log-json", false, "write the logs as JSON lines (default: key=value text)")
	fs.StringVar(&o.logLevel, "log-level", "info", "the least important logs written: debug (every request), info, warn or error")
	return fs, o
}

// runServe is "neuron serve MODEL_OR_DIR...".
func runServe(args []string, s streams) error {
	fs, o := serveFlags()
	var hooks []func(*serving.Server) error
	for _, ext := range serveExtensions {
		if h := ext(fs); h != nil {
			hooks = append(hooks, h)
		}
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usagef("missing MODEL_OR_DIR (e.g. neuron serve out/mnist/model.safetensors)")
	case o.name != "" && len(pos) > 1:
		return usagef("-name names one model, got %d MODEL_OR_DIR arguments", len(pos))
	case o.maxBatch < 0:
		return usagef("-max-batch-size must be >= 0, got %d", o.maxBatch)
	case o.batchTimeout <= 0:
		return usagef("-batch-timeout must be positive, got %v", o.batchTimeout)
	case o.poll < 0:
		return usagef("-poll must be >= 0, got %v", o.poll)
	case o.maxBody <= 0:
		return usagef("-max-body-bytes must be positive, got %d", o.maxBody)
	case o.grace <= 0:
		return usagef("-shutdown-timeout must be positive, got %v", o.grace)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		return usagef("-log-level must be debug, info, warn or error, got %q", o.logLevel)
	}
	hopts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(s.stderr, hopts)
	if o.logJSON {
		h = slog.NewJSONHandler(s.stderr, hopts)
	}
	log := slog.New(h)
	cfg := serving.Config{
		MaxBatchSize: o.maxBatch,
		BatchTimeout: o.batchTimeout,
		MaxBodyBytes: o.maxBody,
		PollInterval: o.poll,
		Logger:       log,
	}
	for _, p := range pos {
		cfg.Models = append(cfg.Models, serving.ModelConfig{Name: o.name, Path: p})
	}
	srv, err := serving.New(cfg)
	if err != nil {
		return err
	}
	for _, hook := range hooks {
		if err := hook(srv); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			log.Info("SIGHUP: reloading the models")
			_ = srv.Reload() // each failure is logged
		}
	}()
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe(o.addr) }()
	select {
	case err := <-served:
		return fmt.Errorf("-addr %s: %w", o.addr, err)
	case <-ctx.Done():
	}
	stop()
	log.Info("shutting down: finishing the requests in flight", "timeout", o.grace)
	sctx, cancel := context.WithTimeout(context.Background(), o.grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
