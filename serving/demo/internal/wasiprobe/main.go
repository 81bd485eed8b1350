//go:build wasip1

// Command wasiprobe predicts with a saved model under WASI (GOOS=wasip1),
// for the test that compares WebAssembly's predictions with native ones:
//
//	wasiprobe MODEL PIXELS [BENCH]
//
// PIXELS holds float32 little-endian inputs, one example after another.
// It writes each output value's float32 bits in hex, one per line, then,
// with BENCH > 0, "ms N" with the mean milliseconds of BENCH predictions
// of the first example.
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/tensor"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "wasiprobe:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) < 2 || len(args) > 3 {
		return fmt.Errorf("usage: wasiprobe MODEL PIXELS [BENCH]")
	}
	m, err := saving.Load(args[0])
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	per := 1
	for _, d := range m.InputShape() {
		per *= d
	}
	if len(raw) == 0 || len(raw)%(4*per) != 0 {
		return fmt.Errorf("%s: %d bytes is not a whole number of %d-value examples", args[1], len(raw), per)
	}
	x := make([]float32, len(raw)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
	}
	cfg := models.PredictConfig{Verbose: models.Silent}
	y, err := m.Predict(tensor.New(append([]int{len(x) / per}, m.InputShape()...), x), cfg)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for _, v := range y.Data() {
		fmt.Fprintf(w, "%08x\n", math.Float32bits(v))
	}
	if len(args) == 3 {
		n, err := strconv.Atoi(args[2])
		if err != nil || n <= 0 {
			return fmt.Errorf("BENCH: want a positive count, got %q", args[2])
		}
		one := tensor.New(append([]int{1}, m.InputShape()...), x[:per])
		start := time.Now()
		for range n {
			if _, err := m.Predict(one, cfg); err != nil {
				return err
			}
		}
		fmt.Fprintf(w, "ms %g\n", float64(time.Since(start).Nanoseconds())/1e6/float64(n))
	}
	return nil
}
