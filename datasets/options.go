package datasets

import (
	"errors"
	"io"
	"net/http"
)

// Options says where a loader looks for its files and whether it may
// download them. The zero value gives the defaults: search the usual
// places, download into the user cache if needed, and print nothing.
type Options struct {
	// Dir, if set, is the only directory searched; files missing there
	// are an error. It takes precedence over the loader's environment
	// variable (NEURON_MNIST_DIR, NEURON_FASHION_MNIST_DIR).
	Dir string

	// CacheDir replaces the cache root, os.UserCacheDir()/neuron/datasets.
	// Each data set has its own subdirectory in it ("mnist",
	// "fashion-mnist"); downloads go there.
	CacheDir string

	// NoDownload forbids network access: no HTTP download and no
	// "go mod download". Use it on machines that must stay offline or in
	// tests that must not reach the network.
	NoDownload bool

	// BaseURL replaces the download folder Keras uses,
	// https://storage.googleapis.com/tensorflow/tf-keras-datasets/, for
	// example with a mirror. Downloads are still checked against the
	// pinned SHA-256 sums, so a mirror must serve identical files. Plain
	// http is accepted only for loopback hosts.
	BaseURL string

	// Client makes the download requests. Nil means a client with a
	// 10-minute timeout per file.
	Client *http.Client

	// Progress, if not nil, receives a line for each download and each
	// "go mod download", so that a long first run does not look hung.
	Progress io.Writer
}

// ErrNotFound is wrapped by a loader's error when no place holds the data
// set's files and none could be fetched, as opposed to a place holding
// broken files. Tests and programs can check it with errors.Is to skip or
// explain, while a corrupt copy still fails loudly.
var ErrNotFound = errors.New("datasets: files not found")
