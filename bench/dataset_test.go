package bench

import (
	"bytes"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
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

// BenchmarkJPEGMapScaling decodes 256 JPEG images of 256×256 pixels into
// float tensors through data.Dataset.Map with one worker and with two,
// alternately, b.N passes each, and reports the two-worker speed-up
// (measured in the same run): what a parallel image pipeline gains from
// the second core.
func BenchmarkJPEGMapScaling(b *testing.B) {
	const n, side = 256, 256
	rng := rand.New(rand.NewPCG(3, 3))
	blobs := make([][]byte, n)
	for i := range blobs {
		img := image.NewRGBA(image.Rect(0, 0, side, side))
		for p := range img.Pix {
			img.Pix[p] = uint8(rng.IntN(64) + p%191) // texture, so the JPEG is not trivial
		}
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
		blobs[i] = buf.Bytes()
	}
	idx := tensor.Zeros(n)
	for i := range idx.Data() {
		idx.Data()[i] = float32(i)
	}
	src, err := data.FromArrays(idx, nil)
	if err != nil {
		b.Fatal(err)
	}
	decode := func(e data.Element) (data.Element, error) {
		img, err := jpeg.Decode(bytes.NewReader(blobs[int(e.X.Item())]))
		if err != nil {
			return e, err
		}
		r := img.Bounds()
		out := tensor.Zeros(r.Dy(), r.Dx(), 3)
		d := out.Data()
		k := 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				cr, cg, cb, _ := img.At(x, y).RGBA()
				d[k], d[k+1], d[k+2] = float32(cr>>8)/255, float32(cg>>8)/255, float32(cb>>8)/255
				k += 3
			}
		}
		return data.Element{X: out}, nil
	}
	pipes := make([]*data.Dataset, 3)
	for _, w := range []int{1, 2} {
		if pipes[w], err = src.Map(decode, w); err != nil {
			b.Fatal(err)
		}
	}
	var took [3]time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, w := range []int{1, 2} {
			t0 := time.Now()
			count := 0
			for _, err := range pipes[w].All() {
				if err != nil {
					b.Fatal(err)
				}
				count++
			}
			took[w] += time.Since(t0)
			if count != n {
				b.Fatalf("%d images, want %d", count, n)
			}
		}
	}
	b.ReportMetric(float64(n*b.N)/took[1].Seconds(), "images/s-1worker")
	b.ReportMetric(float64(n*b.N)/took[2].Seconds(), "images/s-2workers")
	b.ReportMetric(took[1].Seconds()/took[2].Seconds(), "speedup")
}
