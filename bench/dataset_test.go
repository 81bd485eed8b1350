package bench

import (
	"testing"
	"time"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/models"
)

// BenchmarkMNISTDatasetEpoch trains the MNIST program one epoch on the
// arrays and one on data.FromArrays(x, y).Batch(32) of the same arrays,
// alternately, b.N times each, and reports the ratio of the dataset's
// epoch time to the arrays' (measured in the same run, as the machine's
// load varies). Both read the rows in order, so they do the same work
// and reach the same weights.
func BenchmarkMNISTDatasetEpoch(b *testing.B) {
	xTrain, yTrain, _, _, err := mnist.LoadData()
	if err != nil {
		b.Skip(err)
	}
	ds, err := data.FromArrays(xTrain, yTrain)
	if err != nil {
		b.Fatal(err)
	}
	if ds, err = ds.Batch(32, false); err != nil {
		b.Fatal(err)
	}
	ma, md := mnistModel(b), mnistModel(b)
	var ta, td time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := ma.Fit(xTrain, yTrain, models.FitConfig{Verbose: models.Silent, NoShuffle: true}); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := md.FitDataset(ds, models.FitConfig{Verbose: models.Silent}); err != nil {
			b.Fatal(err)
		}
		ta, td = ta+t1.Sub(t0), td+time.Since(t1)
	}
	b.ReportMetric(ta.Seconds()/float64(b.N), "s/array-epoch")
	b.ReportMetric(td.Seconds()/float64(b.N), "s/dataset-epoch")
	b.ReportMetric(td.Seconds()/ta.Seconds(), "dataset/array")
}
