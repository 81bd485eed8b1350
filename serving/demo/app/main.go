//go:build js && wasm

// Command app is the WebAssembly half of the digit demo: it loads a saved
// model from bytes the page fetched and predicts the digit drawn on the
// page's canvas, with the same code a Go program runs natively.
//
// It sets globalThis.neuron to an object with three functions, then waits
// for calls:
//
//	load(bytes: Uint8Array, scale: boolean) → "" or an error message;
//	        scale divides the pixels by 255 before predicting
//	predict(rgba: Uint8ClampedArray, width, height) →
//	        {pixels: number[784], probs: number[], ms: number} or {error}
//	bench(n) → milliseconds per prediction (a Predictor's PredictInto),
//	           the mean of n calls on the last
//	           drawing's pixels
//
// and calls globalThis.neuronReady() if the page defined it.
package main

import (
	"bytes"
	"context"
	"fmt"
	"syscall/js"
	"time"

	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/serving/demo/digit"
)

// app holds the loaded model and the last preprocessed drawing.
type app struct {
	model  *models.Predictor
	out    []float32
	scale  bool
	pixels []float32 // the model's input for the last drawing
}

func main() {
	a := &app{}
	obj := js.Global().Get("Object").New()
	obj.Set("load", js.FuncOf(a.load))
	obj.Set("predict", js.FuncOf(a.predict))
	obj.Set("bench", js.FuncOf(a.bench))
	js.Global().Set("neuron", obj)
	if ready := js.Global().Get("neuronReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {}
}

func (a *app) load(_ js.Value, args []js.Value) any {
	if len(args) != 2 {
		return "load takes the model file's bytes and whether to scale the pixels"
	}
	b := make([]byte, args[0].Get("length").Int())
	js.CopyBytesToGo(b, args[0])
	m, err := saving.Read(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err.Error()
	}
	in, out := m.InputShape(), m.OutputShape()
	if n := prod(in); n != digit.Size*digit.Size {
		return fmt.Sprintf("the model takes inputs of shape %v, not 28×28 images", in)
	}
	if len(out) != 1 {
		return fmt.Sprintf("the model's outputs have shape %v, not one probability per class", out)
	}
	// The Predictor checks the weights once here rather than on every call
	// as the model's own Predict does, and gives the same bits.
	p, err := m.NewPredictor(models.PredictorConfig{})
	if err != nil {
		return err.Error()
	}
	a.model, a.out, a.scale = p, make([]float32, out[0]), args[1].Truthy()
	return ""
}

func (a *app) predict(_ js.Value, args []js.Value) any {
	if a.model == nil {
		return errResult("no model loaded")
	}
	if len(args) != 3 {
		return errResult("predict takes the RGBA bytes, the width and the height")
	}
	rgba := make([]byte, args[0].Get("length").Int())
	js.CopyBytesToGo(rgba, args[0])
	img, err := digit.Preprocess(rgba, args[1].Int(), args[2].Int())
	if err != nil {
		return errResult(err.Error())
	}
	a.pixels = make([]float32, len(img))
	pix := make([]any, len(img))
	for i, v := range img {
		a.pixels[i], pix[i] = float32(v), int(v)
		if a.scale {
			a.pixels[i] /= 255
		}
	}
	start := time.Now()
	probs, err := a.run()
	ms := float64(time.Since(start).Nanoseconds()) / 1e6
	if err != nil {
		return errResult(err.Error())
	}
	ps := make([]any, len(probs))
	for i, p := range probs {
		ps[i] = float64(p)
	}
	return map[string]any{"pixels": pix, "probs": ps, "ms": ms}
}

// run predicts the last drawing's class probabilities.
func (a *app) run() ([]float32, error) {
	err := a.model.PredictInto(context.Background(), 1, [][]float32{a.pixels}, [][]float32{a.out})
	return a.out, err
}

func (a *app) bench(_ js.Value, args []js.Value) any {
	if a.model == nil || a.pixels == nil {
		return errResult("nothing drawn yet")
	}
	n := 100
	if len(args) > 0 && args[0].Int() > 0 {
		n = min(args[0].Int(), 100000)
	}
	start := time.Now()
	for range n {
		if _, err := a.run(); err != nil {
			return errResult(err.Error())
		}
	}
	return float64(time.Since(start).Nanoseconds()) / 1e6 / float64(n)
}

func errResult(msg string) map[string]any { return map[string]any{"error": msg} }

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}
