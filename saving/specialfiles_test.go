package saving_test

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neuron-go/neuron/saving"
)

// TestSpecialFilesRefused checks that every reader of model files refuses
// a named pipe, a device and a directory at once, with an error that says
// what the path is (a FIFO would otherwise block open(2) forever).
func TestSpecialFilesRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "model.safetensors")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	m := dropoutModel()
	compileAdam(t, m, nil)
	readers := map[string]func(string) error{
		"Load":        func(p string) error { _, err := saving.Load(p); return err },
		"LoadModel":   func(p string) error { _, err := saving.LoadModel(p); return err },
		"LoadWeights": func(p string) error { return saving.LoadWeights(m, p) },
		"VerifyFile":  saving.VerifyFile,
	}
	for name, read := range readers {
		for _, c := range []struct{ path, kind string }{
			{fifo, "a named pipe (FIFO)"},
			{"/dev/zero", "a character device"},
			{dir, "a directory"},
		} {
			done := make(chan error, 1)
			go func() { done <- read(c.path) }()
			select {
			case err := <-done:
				if !errors.Is(err, saving.ErrInvalidFile) || !strings.Contains(err.Error(), c.kind+", not a regular file") || !strings.Contains(err.Error(), c.path) {
					t.Errorf("%s(%s): error %v, want an ErrInvalidFile naming the path and %q", name, c.path, err, c.kind)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s(%s) blocks", name, c.path)
			}
		}
	}
}
