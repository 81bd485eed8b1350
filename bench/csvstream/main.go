// Command csvstream measures training from a CSV file larger than memory
// should hold: it writes a CSV of the size asked (2 GiB by default) in a
// temporary directory, trains one epoch on it through data.ReadCSV →
// Batch → Prefetch → FitDataset, which streams the rows and keeps none,
// and reports the rows and bytes per second and the peak resident memory
// of the process. It then trains one epoch on in-memory arrays of the
// file's first rows (MEM bytes of CSV, 256 MiB by default) for the same
// network, to put the streaming throughput next to the array path's.
//
//	go run ./bench/csvstream [-size 2GiB] [-mem 256MiB] [-dir DIR] [-keep]
//
// The file has 32 numeric features, written with 6 decimals, and a binary
// label that is a function of them, so that the model learns as it reads.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

const features = 32

func main() {
	fs := flag.NewFlagSet("csvstream", flag.ExitOnError)
	size := fs.String("size", "2GiB", "size of the CSV file to train from (KiB, MiB, GiB suffixes)")
	mem := fs.String("mem", "256MiB", "bytes of CSV rows loaded into arrays for the in-memory comparison (0 skips it)")
	dir := fs.String("dir", "", "directory for the file (default: the system's temporary directory)")
	keep := fs.Bool("keep", false, "keep the file (and reuse it if it is there)")
	batch := fs.Int("batch-size", 256, "rows per training step")
	_ = fs.Parse(os.Args[1:])
	sz, err := parseSize(*size)
	if err == nil {
		var m int64
		if m, err = parseSize(*mem); err == nil {
			_, err = measure(os.Stdout, sz, m, *dir, *keep, *batch)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "csvstream:", err)
		os.Exit(1)
	}
}

// parseSize reads 2GiB, 300MiB, 64KiB or a number of bytes.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.m
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("size %q: want a number of bytes, or one with KiB, MiB or GiB", s)
	}
	return int64(v * float64(mult)), nil
}

// result is what run measured.
type result struct {
	Bytes, Rows             int64
	Write, Stream           time.Duration
	StreamPeakRSS           int64 // bytes, after the streaming epoch
	MemRows                 int64
	MemLoad, MemEpoch       time.Duration
	StreamLoss, MemLoss     float64
	StreamRowsPS, MemRowsPS float64
	StreamMBPS              float64
}

// measure writes the file, trains from it and from arrays, and prints
// and returns what it measured.
func measure(out io.Writer, size, mem int64, dir string, keep bool, batch int) (r result, err error) {
	if dir == "" {
		dir = os.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("neuron-csvstream-%d.csv", size))
	t0 := time.Now()
	if st, err := os.Stat(path); keep && err == nil && st.Size() >= size {
		r.Bytes = st.Size()
	} else {
		n, err := writeCSV(path, size)
		if err != nil {
			os.Remove(path)
			return r, err
		}
		r.Bytes = n
	}
	if !keep {
		defer os.Remove(path)
	}
	r.Write = time.Since(t0)
	fmt.Fprintf(out, "file: %s, %.2f GiB, written in %v\n", path, float64(r.Bytes)/(1<<30), r.Write.Round(time.Millisecond))

	csv, err := data.ReadCSV(path, data.CSVOptions{Label: "label"})
	if err != nil {
		return r, err
	}
	ds, err := csv.Batch(batch, false)
	if err != nil {
		return r, err
	}
	if ds, err = ds.Prefetch(4); err != nil {
		return r, err
	}
	m := model()
	t0 = time.Now()
	h, err := m.FitDataset(ds, models.FitConfig{Verbose: models.Silent})
	if err != nil {
		return r, err
	}
	r.Stream = time.Since(t0)
	r.StreamLoss = h.History["loss"][0]
	r.StreamPeakRSS = peakRSS()
	rows, err := countRows(path)
	if err != nil {
		return r, err
	}
	r.Rows = rows
	r.StreamRowsPS = float64(r.Rows) / r.Stream.Seconds()
	r.StreamMBPS = float64(r.Bytes) / (1 << 20) / r.Stream.Seconds()
	fmt.Fprintf(out, "streamed: %d rows in %v: %.0f rows/s, %.1f MiB/s of CSV, loss %.4f; peak RSS %.0f MiB\n",
		r.Rows, r.Stream.Round(time.Millisecond), r.StreamRowsPS, r.StreamMBPS, r.StreamLoss, float64(r.StreamPeakRSS)/(1<<20))

	if mem <= 0 {
		return r, nil
	}
	// The array path on the first rows: parse them once into memory (not
	// timed as training), then one epoch of Fit.
	t0 = time.Now()
	memRows := int64(float64(r.Rows) * float64(min(mem, r.Bytes)) / float64(r.Bytes))
	x, y, err := loadRows(csv, memRows)
	if err != nil {
		return r, err
	}
	r.MemRows, r.MemLoad = memRows, time.Since(t0)
	m = model()
	t0 = time.Now()
	h, err = m.Fit(x, y, models.FitConfig{BatchSize: batch, Verbose: models.Silent})
	if err != nil {
		return r, err
	}
	r.MemEpoch = time.Since(t0)
	r.MemLoss = h.History["loss"][0]
	r.MemRowsPS = float64(r.MemRows) / r.MemEpoch.Seconds()
	fmt.Fprintf(out, "arrays: %d rows (loaded in %v) trained in %v: %.0f rows/s, loss %.4f\n",
		r.MemRows, r.MemLoad.Round(time.Millisecond), r.MemEpoch.Round(time.Millisecond), r.MemRowsPS, r.MemLoss)
	fmt.Fprintf(out, "streaming / arrays throughput: %.2f; peak RSS while streaming %.0f MiB for a %.2f GiB file\n",
		r.StreamRowsPS/r.MemRowsPS, float64(r.StreamPeakRSS)/(1<<20), float64(r.Bytes)/(1<<30))
	return r, nil
}

// model is the network both runs train: 32 → 64 relu → 1 sigmoid.
func model() *models.Sequential {
	m := models.NewSequential(
		&layers.Dense{Units: 64, Activation: activations.ReLU, InputShape: []int{features}},
		&layers.Dense{Units: 1, Activation: activations.Sigmoid},
	)
	m.SetSeed(1)
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.BinaryCrossentropy{}}); err != nil {
		panic(err) // a fixed, valid configuration
	}
	return m
}

// writeCSV writes rows until the file reaches size bytes and returns its
// size. The label is 1 when the first four features sum above zero.
func writeCSV(path string, size int64) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var line []byte
	for i := range features {
		line = fmt.Appendf(line, "f%d,", i)
	}
	line = append(line, "label\n"...)
	n := int64(0)
	rng := rand.New(rand.NewPCG(7, 7))
	for n < size {
		if _, err := w.Write(line); err != nil {
			f.Close()
			return 0, err
		}
		n += int64(len(line))
		line = line[:0]
		var sum float64
		for i := range features {
			v := rng.NormFloat64()
			if i < 4 {
				sum += v
			}
			line = strconv.AppendFloat(line, v, 'f', 6, 32)
			line = append(line, ',')
		}
		if sum > 0 {
			line = append(line, "1\n"...)
		} else {
			line = append(line, "0\n"...)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return n, f.Close()
}

// countRows counts the data lines of the file (all but the header).
func countRows(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	n := int64(0)
	for {
		k, err := f.Read(buf)
		for _, b := range buf[:k] {
			if b == '\n' {
				n++
			}
		}
		if err != nil {
			break
		}
	}
	return n - 1, nil
}

// loadRows reads the first n rows of the CSV dataset into arrays.
func loadRows(csv *data.CSV, n int64) (x, y *tensor.Tensor, err error) {
	xs := make([]float32, 0, n*features)
	ys := make([]float32, 0, n)
	for e, err := range csv.Take(int(n)).All() {
		if err != nil {
			return nil, nil, err
		}
		xs = append(xs, e.X.Data()...)
		ys = append(ys, e.Y.Item())
	}
	rows := len(ys)
	return tensor.FromSlice(xs, rows, features), tensor.FromSlice(ys, rows, 1), nil
}
