package saving_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

// shuffledBatches is a pipeline built anew for each run, as a new
// process builds it: reshuffled each pass from the seed.
func shuffledBatches(t *testing.T, x, y *tensor.Tensor, seed uint64) *data.Dataset {
	t.Helper()
	ds, err := data.FromArrays(x, y)
	if err != nil {
		t.Fatal(err)
	}
	if ds, err = ds.Shuffle(1000, seed); err != nil {
		t.Fatal(err)
	}
	if ds, err = ds.Batch(16, false); err != nil {
		t.Fatal(err)
	}
	return ds
}

// A FitDataset run interrupted anywhere resumes from its backup to the
// weights and history of a run never interrupted, on a dataset and a
// validation dataset that reshuffle at each pass, with and without
// StepsPerEpoch (4 steps of a 7-batch dataset: epochs cross passes).
func TestBackupAndRestoreResumesDataset(t *testing.T) {
	x, y := images(8, 100, false)
	xv, yv := images(9, 30, false)
	for _, spe := range []int{0, 4} {
		fit := func(cbs ...callbacks.Callback) (*data.Dataset, models.FitConfig) {
			return shuffledBatches(t, x, y, 1), models.FitConfig{Epochs: 3, StepsPerEpoch: spe, Verbose: models.Silent, Callbacks: cbs,
				ValidationData: &models.Data{Dataset: shuffledBatches(t, xv, yv, 2)}}
		}
		ref := resumeModel(t)
		ds, cfg := fit()
		refH, err := ref.FitDataset(ds, cfg)
		if err != nil {
			t.Fatal(err)
		}
		want := weightsSHA256(ref)
		for _, saveEvery := range []int{0, 1} {
			for _, stops := range [][]int{{1}, {4}, {7}, {8}, {5, 5}, {2, 3, 4}} {
				t.Run(fmt.Sprintf("spe%d/every%d/stops%v", spe, saveEvery, stops), func(t *testing.T) {
					dir := t.TempDir()
					var log bytes.Buffer
					for _, after := range stops {
						m := resumeModel(t)
						ds, cfg := fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: saveEvery, Log: &log}, &interrupt{after: after})
						if _, err := m.FitDataset(ds, cfg); !errors.Is(err, errInterrupted) {
							t.Fatalf("interrupted run: %v", err)
						}
					}
					m := resumeModel(t)
					ds, cfg := fit(&saving.BackupAndRestore{Dir: dir, SaveEvery: saveEvery, Log: &log})
					h, err := m.FitDataset(ds, cfg)
					if err != nil {
						t.Fatal(err)
					}
					if got := weightsSHA256(m); got != want {
						t.Errorf("final weights differ from the uninterrupted run\n%s", log.String())
					}
					if !reflect.DeepEqual(h.History, refH.History) || !reflect.DeepEqual(h.Epoch, refH.Epoch) {
						t.Errorf("history differs:\n got %v %v\nwant %v %v", h.Epoch, h.History, refH.Epoch, refH.History)
					}
				})
			}
		}
	}
}
