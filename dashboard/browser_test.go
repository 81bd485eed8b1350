package dashboard

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/neuron-go/neuron/internal/chromiumtest"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/losses"
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
)

// browser starts headless Chromium, or skips the test when it is absent
// (and fails instead when NEURON_REQUIRE_CHROMIUM=1, as in CI).
func browser(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(chromiumtest.Start(t, context.Background(), 1280, 1800), 90*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// artifactDir is where the test keeps its screenshot: NEURON_TEST_ARTIFACTS
// if set, a temporary directory otherwise.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("NEURON_TEST_ARTIFACTS"); d != "" {
		d = filepath.Join(d, "dashboard")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// gate holds Fit at the end of an epoch until the test lets it go.
type gate struct {
	callbacks.Base
	at      int
	reached chan struct{}
	release chan struct{}
}

func (g *gate) OnEpochEnd(epoch int, _ callbacks.Logs) error {
	if epoch == g.at {
		close(g.reached)
		<-g.release
	}
	return nil
}

// pageState describes the page, for a failure's message.
func pageState(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[document.getElementById('conn').textContent, window.lastError || '', document.querySelector('main').innerText.slice(0, 3000)].join('\n')`))
	if err != nil {
		return err.Error()
	}
	return s
}

// waitJS polls a JavaScript condition for at most 30 seconds.
func waitJS(ctx context.Context, cond string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", cond, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func TestBrowser(t *testing.T) {
	ctx := browser(t)
	s := newServer(t, Config{})

	// A finished run from a file, and a live one whose layer and metric
	// names are markup: they must show as text.
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "earlier.csv")
	if err := os.WriteFile(csvPath, []byte("epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.5,1.25,0.5,1.5\r\n1,0.625,1.0,0.5625,1.25\r\n2,0.75,0.75,0.625,1.0\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenFile(csvPath); err != nil {
		t.Fatal(err)
	}
	const evil = `<script>window.pwned=1</script><img src=x onerror="window.pwned=2">`
	const evilLayer = `<img src=x onerror="window.pwned=3"><script>window.pwned=4<\script>` // layer names hold no '/'
	in := models.Input([]int{8, 8}, "pixels")
	hid := models.Apply(&layers.Flatten{}, in)
	hid = models.ApplyNamed(evilLayer, &layers.Dense{Units: 16, Activation: activations.ReLU}, hid)
	out := models.Apply(&layers.Dense{Units: 3, Activation: activations.Softmax}, hid)
	m, err := models.NewModel([]*models.Node{in}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	m.SetSeed(5)
	acc := renamed{metrics.NewAccuracy(), evil}
	if err := m.Compile(models.CompileConfig{Optimizer: optimizers.NewAdam(), Loss: losses.SparseCategoricalCrossentropy{}, Metrics: []metrics.Metric{acc}}); err != nil {
		t.Fatal(err)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL()), chromedp.WaitVisible(chromedp.CSS("#runs li"))); err != nil {
		t.Fatal(err)
	}

	x, y := toyData(240, 4)
	run := s.NewRun(evil)
	run.Classification = &Classification{X: x, Y: y, ClassNames: []string{"row", "column", "<b>diagonal</b>"}}
	g := &gate{at: 1, reached: make(chan struct{}), release: make(chan struct{})}
	type fitResult struct {
		h   *models.History
		err error
	}
	done := make(chan fitResult, 1)
	go func() {
		h, err := m.Fit([]models.Array{x}, []models.Array{y}, models.FitConfig{
			Epochs: 4, BatchSize: 16, ValidationSplit: 0.25, Verbose: models.Silent,
			Callbacks: []callbacks.Callback{run, g},
		})
		done <- fitResult{h, err}
	}()
	<-g.reached
	// Fit waits at the end of its second epoch: the page must show it.
	second := fmt.Sprintf(`(() => { const c = document.querySelector('[data-chart="epoch:loss"]'); return !!c && c.getAttribute('data-points') === '3' && document.querySelectorAll('#epochs tr[data-run="%d"]').length === 2; })()`, 1)
	if err := waitJS(ctx, second); err != nil {
		t.Fatalf("the page never showed the second epoch: %v\n%s", err, pageState(ctx))
	}
	progress, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#progress div[data-run="1"]').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	close(g.release)
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	if want := "epoch 2/4 · step 12/12"; !strings.Contains(progress, want) || !strings.Contains(progress, "loss: ") {
		t.Errorf("progress %q, want %q and the loss", progress, want)
	}

	// The end: every epoch, the confusion matrix and the samples.
	if err := waitJS(ctx, `document.querySelectorAll('#epochs tr[data-run="1"]').length === 4 && !!document.querySelector('#results .result[data-run="1"] .sample img')`); err != nil {
		t.Fatal(err)
	}
	h := res.h
	for epoch := range 4 {
		for _, k := range h.Keys() {
			js := fmt.Sprintf(`(() => { const td = [...document.querySelectorAll('#epochs tr[data-run="1"][data-epoch="%d"] td')].find(td => td.getAttribute('data-key') === %s); return td ? {value: td.getAttribute('data-value'), text: td.textContent} : null; })()`, epoch, strconv.Quote(k))
			cell, err := chromedp.Run(ctx, chromedp.Evaluate[cellText](js))
			if err != nil {
				t.Fatal(err)
			}
			want := h.History[k][epoch]
			got, err := strconv.ParseFloat(cell.Value, 64)
			if err != nil || got != want {
				t.Errorf("epoch %d %s: the page holds %q, the history %v", epoch, k, cell.Value, want)
			}
			shown, err := strconv.ParseFloat(cell.Text, 64)
			if err != nil || math.Abs(shown-want) > 0.5e-4 {
				t.Errorf("epoch %d %s: the page shows %q, the history %v", epoch, k, cell.Text, want)
			}
		}
	}
	type page struct {
		Pwned   any    `json:"pwned"`
		Scripts int    `json:"scripts"`
		Images  int    `json:"images"`
		Run     string `json:"run"`
		Summary string `json:"summary"`
		Header  string `json:"header"`
		Class   string `json:"class"`
		Cells   int    `json:"cells"`
		Total   int    `json:"total"`
	}
	js := `(() => ({
		pwned: window.pwned === undefined ? null : window.pwned,
		scripts: document.scripts.length,
		images: document.querySelectorAll('img:not(.sample img)').length,
		run: document.querySelector('#runs li[data-run="1"] label').textContent,
		summary: document.querySelector('#summaries pre').textContent,
		header: [...document.querySelectorAll('#epochs th')].map(th => th.textContent).join('|'),
		class: document.querySelector('#results .confusion tr').textContent,
		cells: document.querySelectorAll('#results .confusion td').length,
		total: [...document.querySelectorAll('#results .confusion td')].reduce((a, td) => a + Number(td.textContent), 0),
	}))()`
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[page](js))
	if err != nil {
		t.Fatal(err)
	}
	if shown.Pwned != nil || shown.Scripts != 2 || shown.Images != 0 {
		t.Errorf("markup in names ran: window.pwned=%v, %d scripts, %d images outside the samples", shown.Pwned, shown.Scripts, shown.Images)
	}
	// The summary wraps the long layer name over three lines of its cell.
	for what, text := range map[string]string{"run name": shown.Run, "layer name": shown.Summary, "table header": shown.Header} {
		want := evil
		if what == "layer name" {
			want = `│ <img src=x ` + strings.Repeat(" ", 21) + `│ (None, 16)`
		}
		if !strings.Contains(text, want) {
			t.Errorf("the %s does not show the name as text: %q", what, text)
		}
	}
	if !strings.Contains(shown.Class, "<b>diagonal</b>") || shown.Cells != 9 || shown.Total != 240 {
		t.Errorf("confusion matrix: header %q, %d cells adding to %d (want 9 and 240)", shown.Class, shown.Cells, shown.Total)
	}

	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(artifactDir(t), "dashboard.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
}

// cellText is a cell of the page's table of epochs.
type cellText struct {
	Value string `json:"value"`
	Text  string `json:"text"`
}

// renamed is a metric under another name.
type renamed struct {
	metrics.Metric
	name string
}

func (r renamed) Name() string { return r.name }
