package main

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"

	"github.com/neuron-go/neuron/internal/tfevent"
)

// writeTensorBoardImages adds the pictures train drew of the test set
// (predictions.png, mistakes.png, confusion_matrix.png from dir) to the
// TensorBoard logs in logDir/validation as images at step, the last
// epoch, so that TensorBoard's Images tab shows them.
func writeTensorBoardImages(logDir, dir string, step int64) error {
	w, err := tfevent.Create(filepath.Join(logDir, "validation"))
	if err != nil {
		return writeError("-tensorboard", logDir, err)
	}
	for _, name := range []string{"predictions", "mistakes", "confusion_matrix"} {
		f, err := os.Open(filepath.Join(dir, name+".png"))
		if err != nil {
			continue // mistakes.png is not written when there is none
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			w.Close()
			return fmt.Errorf("-tensorboard: reading %s.png: %w", name, err)
		}
		v, err := tfevent.Images(name, []image.Image{img})
		if err != nil {
			w.Close()
			return err
		}
		w.WriteSummary(step, v)
	}
	if err := w.Close(); err != nil {
		return writeError("-tensorboard", logDir, err)
	}
	return nil
}
