package main

import (
	"bytes"
	"testing"
)

// TestSmallFile runs the measurement on a 2 MiB file: the streamed epoch
// sees every row, learns (the loss falls below log 2, chance level), and
// the array epoch runs on the first rows.
func TestSmallFile(t *testing.T) {
	var out bytes.Buffer
	r, err := measure(&out, 2<<20, 1<<20, t.TempDir(), false, 64)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if r.Rows < 5000 || r.MemRows < r.Rows/3 || r.MemRows > r.Rows*2/3 {
		t.Errorf("rows %d streamed, %d in memory\n%s", r.Rows, r.MemRows, out.String())
	}
	if !(r.StreamLoss < 0.69) || !(r.MemLoss < 0.69) {
		t.Errorf("losses %v (stream), %v (arrays)\n%s", r.StreamLoss, r.MemLoss, out.String())
	}
	t.Log(out.String())
}
