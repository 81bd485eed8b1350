package demo

import (
	"context"
	"encoding/base64"
	"math"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/neuron-go/neuron/internal/chromiumtest"
	"github.com/neuron-go/neuron/serving/demo/digit"
)

// pageResult is window.lastResult: what the page fed the model and what
// the model answered.
type pageResult struct {
	Pixels []float64 `json:"pixels"`
	Probs  []float64 `json:"probs"`
	MS     float64   `json:"ms"`
	Ups    int       `json:"ups"`
}

// TestChromiumDrawnDigit draws a stroke on the demo page in headless
// Chromium with mouse events and checks that the page's 28×28 pixels are
// what digit.Preprocess makes of the canvas, and its probabilities what
// native Predict gives for those pixels.
func TestChromiumDrawnDigit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo and starts Chromium; skipped with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	site, err := Build(ctx, Options{Source: root})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(site.Handler())
	defer srv.Close()

	bctx := chromiumtest.Start(t, ctx, 900, 700)

	if err := chromedp.Do(bctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	state, err := chromedp.Run(bctx, chromedp.Poll[string](`window.demoReady ? "ready" : (window.demoError ? "error: " + window.demoError : false)`,
		chromedp.WithPollingTimeout(90*time.Second)))
	if err != nil {
		t.Fatalf("waiting for the page: %v", err)
	}
	if state != "ready" {
		t.Fatalf("the page did not start: %s", state)
	}

	type point struct{ X, Y float64 }
	box, err := chromedp.Run(bctx, chromedp.Evaluate[point](`(() => { const b = document.getElementById("pad").getBoundingClientRect(); return {X: b.left, Y: b.top}; })()`))
	if err != nil {
		t.Fatal(err)
	}
	// A "7": the top bar left to right, then the diagonal down to the
	// left, in canvas pixels (the canvas is 280×280 shown at that size).
	var path []point
	for i := 0; i <= 12; i++ {
		path = append(path, point{70 + 12*float64(i), 60})
	}
	for i := 1; i <= 16; i++ {
		path = append(path, point{214 - 7*float64(i), 60 + 11*float64(i)})
	}
	held := func(p *input.DispatchMouseEventParams) { p.Buttons = 1 }
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, box.X+path[0].X, box.Y+path[0].Y, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for _, p := range path[1:] {
		steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, box.X+p.X, box.Y+p.Y, chromedp.ButtonLeft, held), chromedp.Sleep(15*time.Millisecond))
	}
	last := path[len(path)-1]
	steps = append(steps, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, box.X+last.X, box.Y+last.Y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if err := chromedp.Do(bctx, steps...); err != nil {
		t.Fatalf("drawing: %v", err)
	}
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](`window.lastResult && window.lastResult.ups === 1`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		t.Fatalf("waiting for the prediction of the finished stroke: %v", err)
	}
	// Predictions were made while drawing, not only at the end.
	predictions, err := chromedp.Run(bctx, chromedp.Evaluate[int](`window.predictions`))
	if err != nil {
		t.Fatal(err)
	}
	if predictions < 2 {
		t.Errorf("the page predicted %d times during a %d-point stroke, want updates while drawing", predictions, len(path))
	}

	res, err := chromedp.Run(bctx, chromedp.Evaluate[pageResult](`window.lastResult`))
	if err != nil {
		t.Fatal(err)
	}
	canvas64, err := chromedp.Run(bctx, chromedp.Evaluate[string](`(() => {
		const c = document.getElementById("pad");
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		let s = "";
		for (let i = 0; i < d.length; i += 8192) s += String.fromCharCode.apply(null, d.subarray(i, i + 8192));
		return btoa(s);
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	rgba, err := base64.StdEncoding.DecodeString(canvas64)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pixels) != 784 || len(res.Probs) != 10 {
		t.Fatalf("the page gave %d pixels and %d probabilities, want 784 and 10", len(res.Pixels), len(res.Probs))
	}
	// The wasm program's preprocessing equals the native one on the same
	// canvas bytes.
	img, err := digit.Preprocess(rgba, 280, 280)
	if err != nil {
		t.Fatal(err)
	}
	ink := 0
	x := make([]float32, 784)
	for i, v := range res.Pixels {
		if float64(img[i]) != v {
			t.Fatalf("pixel %d: page %v, native Preprocess of the page's canvas %d", i, v, img[i])
		}
		if v > 0 {
			ink++
		}
		x[i] = float32(v)
	}
	if ink < 40 {
		t.Fatalf("only %d of the 784 pixels have ink: the stroke was not drawn", ink)
	}
	want := nativePredict(t, x)
	worst, best := 0.0, 0
	for i, w := range want {
		d := math.Abs(res.Probs[i] - float64(w))
		worst = max(worst, d)
		if d > tolerance {
			t.Errorf("probability of %d: page %v, native Predict %v", i, res.Probs[i], w)
		}
		if w > want[best] {
			best = i
		}
	}
	wasmMS, err := chromedp.Run(bctx, chromedp.Evaluate[float64](`neuron.bench(200)`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("drew a 7: %d inked pixels, class %d at %.4f; page and native agree to %.2g", ink, best, want[best], worst)
	np, npr := nativeLatency(t, x, 200)
	t.Logf("one example, mean of 200: Predictor in the page (wasm) %.3f ms, natively %.3f ms; the model's Predict natively %.3f ms", wasmMS, npr, np)
}
