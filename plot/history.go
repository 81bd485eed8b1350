package plot

import (
	"image/color"
	"math"
	"slices"
	"sort"
	"strings"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HistoryOptions are the optional parts of a history figure.
type HistoryOptions struct {
	// Title is drawn above the axes (none by default).
	Title string
	// Labels are the legend's labels, one per key (plt.plot's label=);
	// by default the keys themselves.
	Labels []string
	// XLabel labels the x axis ("epoch" by default).
	XLabel string
	// YLabel labels the y axis; by default the first key without its
	// "val_" prefix, e.g. "loss" for "loss" and "val_loss".
	YLabel string
}

// lineWidth is matplotlib's lines.linewidth.
var lineWidth = vg.Points(1.5)

// History returns the figure that, in matplotlib,
//
//	for key in keys:
//	    plt.plot(history[key], label=key)
//	plt.xlabel("epoch"); plt.ylabel(keys[0]); plt.legend()
//
// draws: one line per key against the epoch, counted from 0, in
// matplotlib's colour cycle (the first key blue, the second orange, …),
// with a legend. history is a Keras-style history, such as the History
// field of the *models.History that Fit returns.
//
// The returned plot can be changed and saved with SavePlot (which places
// the axes as matplotlib does) or gonum's own Save.
//
// History returns an *ArgError naming the argument at fault if history is
// empty, keys is empty, a key is missing or has no values, the keys'
// series differ in length, or opts.Labels does not have one label per key.
func History(history map[string][]float64, keys []string, opts HistoryOptions) (*gplot.Plot, error) {
	if err := checkHistory(history, keys); err != nil {
		return nil, err
	}
	if opts.Labels != nil && len(opts.Labels) != len(keys) {
		return nil, argErr("opts.Labels", "has %d labels for %d keys", len(opts.Labels), len(keys))
	}
	p := newAxes()
	p.Title.Text = opts.Title
	p.X.Label.Text = opts.XLabel
	if p.X.Label.Text == "" {
		p.X.Label.Text = "epoch"
	}
	p.Y.Label.Text = opts.YLabel
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = strings.TrimPrefix(keys[0], "val_")
	}
	p.X.Tick.Marker = &locator{nbins: 9, integer: true}

	leg := &legend{}
	ymin, ymax := math.Inf(1), math.Inf(-1)
	n := len(history[keys[0]])
	for i, k := range keys {
		// NaN and infinite values break the line, as in matplotlib.
		var all, seg plotter.XYs
		style := draw.LineStyle{Color: CycleColor(i), Width: lineWidth}
		flush := func() {
			if len(seg) > 0 {
				p.Add(&plotter.Line{XYs: seg, LineStyle: style})
			}
			seg = nil
		}
		for e, v := range history[k] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				flush()
				continue
			}
			xy := plotter.XY{X: float64(e), Y: v}
			seg, all = append(seg, xy), append(all, xy)
			ymin, ymax = min(ymin, v), max(ymax, v)
		}
		flush()
		label := k
		if opts.Labels != nil {
			label = opts.Labels[i]
		}
		leg.add(label, CycleColor(i), all)
	}
	if math.IsInf(ymin, 0) { // every value NaN or infinite
		ymin, ymax = 0, 1
	}
	p.X.Min, p.X.Max = margins(0, float64(n-1))
	p.Y.Min, p.Y.Max = margins(ymin, ymax)
	p.Add(frame{}, leg)
	return p, nil
}

// margins widens [lo, hi] by matplotlib's axes margins, 5% on each side,
// or, for a single value, as matplotlib's nonsingular does.
func margins(lo, hi float64) (float64, float64) {
	if hi == lo {
		d := 0.05 * math.Abs(lo)
		if d == 0 {
			d = 0.05
		}
		lo, hi = lo-d, hi+d
	}
	d := 0.05 * (hi - lo)
	return lo - d, hi + d
}

func checkHistory(history map[string][]float64, keys []string) error {
	if len(history) == 0 {
		return argErr("history", "is empty")
	}
	if len(keys) == 0 {
		return argErr("keys", "is empty")
	}
	n := -1
	for _, k := range keys {
		v, ok := history[k]
		if !ok {
			return argErr("keys", "history has no key %q (it has %s)", k, strings.Join(sortedKeys(history), ", "))
		}
		if len(v) == 0 {
			return argErr("history", "%q has no values", k)
		}
		if n >= 0 && len(v) != n {
			return argErr("history", "%q has %d values but %q has %d", k, len(v), keys[0], n)
		}
		n = len(v)
	}
	return nil
}

func sortedKeys(m map[string][]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// DefaultKeys returns the keys of a history in the order Keras creates
// them: "loss" first, then the other metrics in name order, each training
// metric followed by its "val_" counterpart when there is one.
func DefaultKeys(history map[string][]float64) []string {
	var train []string
	for _, k := range sortedKeys(history) {
		if _, hasTrain := history[strings.TrimPrefix(k, "val_")]; !strings.HasPrefix(k, "val_") || !hasTrain {
			train = append(train, k)
		}
	}
	slices.SortStableFunc(train, func(a, b string) int {
		switch {
		case a == "loss" && b != "loss":
			return -1
		case b == "loss" && a != "loss":
			return 1
		}
		return 0
	})
	var keys []string
	for _, k := range train {
		keys = append(keys, k)
		if _, ok := history["val_"+k]; ok {
			keys = append(keys, "val_"+k)
		}
	}
	return keys
}

// SaveHistory writes the History figure of the given keys (by default
// DefaultKeys(history)) to path, as PNG, SVG or PDF by the extension, in
// matplotlib's default size (640×480 pixels for PNG). For example, the
// course's
//
//	plt.plot(history.history['loss'], label='train')
//	plt.plot(history.history['val_loss'], label='val')
//
// is SaveHistory("loss.png", h.History, "loss", "val_loss").
func SaveHistory(path string, history map[string][]float64, keys ...string) error {
	if len(keys) == 0 {
		keys = DefaultKeys(history)
	}
	p, err := History(history, keys, HistoryOptions{})
	if err != nil {
		return err
	}
	return SavePlot(path, p)
}

// SavePlot writes a plot made by this package (or any gonum plot) to path
// in matplotlib's default figure size, with its axes where matplotlib puts
// them.
func SavePlot(path string, p *gplot.Plot) error {
	if p == nil {
		return argErr("p", "is nil")
	}
	return writeFigure(path, "path", figWidth, figHeight, func(fig draw.Canvas) {
		placeAxes(fig, p, subplotRects(figWidth, figHeight, 1, 1)[0][0])
	})
}

// SaveLossAccuracy writes the figure of many Keras tutorials: two panels
// side by side, the loss on the left and the accuracy on the right, each
// with its training curve (blue, "train") and, when the history has it,
// its validation curve (orange, "val"). The accuracy is the "accuracy"
// metric, or "acc", or else the first metric that is not a loss; without
// any, only the loss panel is drawn.
func SaveLossAccuracy(path string, history map[string][]float64) error {
	if len(history) == 0 {
		return argErr("history", "is empty")
	}
	if _, ok := history["loss"]; !ok {
		return argErr("history", "has no key \"loss\" (it has %s)", strings.Join(sortedKeys(history), ", "))
	}
	metric := ""
	for _, k := range append([]string{"accuracy", "acc"}, sortedKeys(history)...) {
		if _, ok := history[k]; ok && k != "loss" && !strings.HasPrefix(k, "val_") && !strings.HasSuffix(k, "loss") {
			metric = k
			break
		}
	}
	var plots []*gplot.Plot
	for _, m := range []string{"loss", metric} {
		if m == "" {
			continue
		}
		keys, labels := []string{m}, []string{"train"}
		if _, ok := history["val_"+m]; ok {
			keys, labels = append(keys, "val_"+m), append(labels, "val")
		}
		p, err := History(history, keys, HistoryOptions{Title: m, Labels: labels})
		if err != nil {
			return err
		}
		plots = append(plots, p)
	}
	w, h := figWidth*vg.Length(len(plots)), figHeight
	return writeFigure(path, "path", w, h, func(fig draw.Canvas) {
		rects := subplotRects(w, h, 1, len(plots))
		for i, p := range plots {
			placeAxes(fig, p, rects[0][i])
		}
	})
}

// legend is matplotlib's legend (loc="best"): line samples and labels in
// a white, grey-edged box, in the corner or side of the axes that covers
// the fewest data points and line segments.
type legend struct {
	labels []string
	colors []color.Color
	data   []plotter.XYs
}

func (l *legend) add(label string, c color.Color, xys plotter.XYs) {
	l.labels = append(l.labels, label)
	l.colors = append(l.colors, c)
	l.data = append(l.data, xys)
}

// Matplotlib's legend geometry, in units of the font size.
const (
	legendBorderPad  = 0.4
	legendLabelSpace = 0.5
	legendHandleLen  = 2.0
	legendHandlePad  = 0.8
	legendAxesPad    = 0.5
)

// Plot implements gonum's plot.Plotter.
func (l *legend) Plot(c draw.Canvas, p *gplot.Plot) {
	if len(l.labels) == 0 {
		return
	}
	sty := textStyle(fontSize, black, draw.XLeft, draw.YCenter)
	fs := fontSize
	rowH := sty.FontExtents().Height
	textW := vg.Length(0)
	for _, s := range l.labels {
		textW = max(textW, sty.Width(s))
	}
	n := vg.Length(len(l.labels))
	w := 2*legendBorderPad*fs + legendHandleLen*fs + legendHandlePad*fs + textW
	h := 2*legendBorderPad*fs + n*rowH + (n-1)*legendLabelSpace*fs
	box := l.best(c, p, w, h)

	// The frame: white at 80% opacity with a light grey edge, as
	// legend.framealpha and legend.edgecolor.
	c.FillPolygon(color.NRGBA{255, 255, 255, 204}, rectPoints(box))
	c.StrokeLines(draw.LineStyle{Color: color.Gray{0xcc}, Width: vg.Points(1)}, append(rectPoints(box), box.Min))

	y := box.Max.Y - legendBorderPad*fs - rowH/2
	for i, s := range l.labels {
		x := box.Min.X + legendBorderPad*fs
		c.StrokeLine2(draw.LineStyle{Color: l.colors[i], Width: lineWidth}, x, y, x+legendHandleLen*fs, y)
		c.FillText(sty, vg.Point{X: x + (legendHandleLen+legendHandlePad)*fs, Y: y}, s)
		y -= rowH + legendLabelSpace*fs
	}
}

func rectPoints(r vg.Rectangle) []vg.Point {
	return []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}}
}

// best returns the legend box of size w×h with the least badness, trying
// matplotlib's locations in its order: upper right, upper left, lower
// left, lower right, right, center left, center right, lower center, upper
// center, center.
func (l *legend) best(c draw.Canvas, p *gplot.Plot, w, h vg.Length) vg.Rectangle {
	pad := legendAxesPad * fontSize
	x0, x1 := c.Min.X+pad, c.Max.X-pad-w
	xc := (c.Min.X+c.Max.X)/2 - w/2
	y0, y1 := c.Min.Y+pad, c.Max.Y-pad-h
	yc := (c.Min.Y+c.Max.Y)/2 - h/2
	cands := []vg.Point{
		{X: x1, Y: y1}, {X: x0, Y: y1}, {X: x0, Y: y0}, {X: x1, Y: y0},
		{X: x1, Y: yc}, {X: x0, Y: yc}, {X: x1, Y: yc}, {X: xc, Y: y0},
		{X: xc, Y: y1}, {X: xc, Y: yc},
	}
	trX, trY := p.Transforms(&c)
	var lines [][]vg.Point
	for _, xys := range l.data {
		pts := make([]vg.Point, len(xys))
		for i, d := range xys {
			pts[i] = vg.Point{X: trX(d.X), Y: trY(d.Y)}
		}
		lines = append(lines, pts)
	}
	bestBad := -1
	var best vg.Rectangle
	for _, o := range cands {
		r := vg.Rectangle{Min: o, Max: vg.Point{X: o.X + w, Y: o.Y + h}}
		bad := 0
		for _, pts := range lines {
			for i, pt := range pts {
				if inRect(r, pt) {
					bad++
				}
				if i > 0 && segmentHitsRect(pts[i-1], pt, r) {
					bad++
				}
			}
		}
		if bestBad < 0 || bad < bestBad {
			bestBad, best = bad, r
		}
		if bad == 0 {
			break
		}
	}
	return best
}

func inRect(r vg.Rectangle, p vg.Point) bool {
	return p.X >= r.Min.X && p.X <= r.Max.X && p.Y >= r.Min.Y && p.Y <= r.Max.Y
}

// segmentHitsRect reports whether the segment a–b meets the rectangle.
func segmentHitsRect(a, b vg.Point, r vg.Rectangle) bool {
	if inRect(r, a) || inRect(r, b) {
		return true
	}
	// Liang–Barsky clipping.
	t0, t1 := 0.0, 1.0
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	clip := func(p, q float64) bool {
		if p == 0 {
			return q >= 0
		}
		t := q / p
		if p < 0 {
			if t > t1 {
				return false
			}
			t0 = max(t0, t)
		} else {
			if t < t0 {
				return false
			}
			t1 = min(t1, t)
		}
		return true
	}
	return clip(-dx, float64(a.X-r.Min.X)) && clip(dx, float64(r.Max.X-a.X)) &&
		clip(-dy, float64(a.Y-r.Min.Y)) && clip(dy, float64(r.Max.Y-a.Y)) && t0 <= t1
}
