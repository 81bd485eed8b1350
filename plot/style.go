package plot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"git.sr.ht/~sbinet/gg"
	xdraw "golang.org/x/image/draw"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/neuron-go/neuron/internal/atomicfile"
)

// Tab10 is matplotlib's default colour cycle ("tab10"): the colours given
// to successive curves of a figure.
var Tab10 = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // tab:blue
	{0xff, 0x7f, 0x0e, 0xff}, // tab:orange
	{0x2c, 0xa0, 0x2c, 0xff}, // tab:green
	{0xd6, 0x27, 0x28, 0xff}, // tab:red
	{0x94, 0x67, 0xbd, 0xff}, // tab:purple
	{0x8c, 0x56, 0x4b, 0xff}, // tab:brown
	{0xe3, 0x77, 0xc2, 0xff}, // tab:pink
	{0x7f, 0x7f, 0x7f, 0xff}, // tab:gray
	{0xbc, 0xbd, 0x22, 0xff}, // tab:olive
	{0x17, 0xbe, 0xcf, 0xff}, // tab:cyan
}

// CycleColor returns the colour matplotlib gives the i-th curve of a
// figure (counting from 0).
func CycleColor(i int) color.RGBA { return Tab10[((i%len(Tab10))+len(Tab10))%len(Tab10)] }

// Matplotlib's default geometry, in inches and fractions of the figure.
const (
	// DPI is the resolution of PNG figures, matplotlib's figure.dpi.
	DPI = 100

	figWidth  = 6.4 * vg.Inch
	figHeight = 4.8 * vg.Inch

	subplotLeft   = 0.125
	subplotRight  = 0.9
	subplotBottom = 0.11
	subplotTop    = 0.88
	subplotWSpace = 0.2 // fraction of the average axes width between columns
	subplotHSpace = 0.2
)

var (
	black     = color.RGBA{0, 0, 0, 255}
	errorRed  = color.RGBA{0xd6, 0x27, 0x28, 255}
	sansFont  = font.Font{Typeface: "Liberation", Variant: "Sans"}
	tickWidth = vg.Points(0.8)
	tickLen   = vg.Points(3.5)
	tickPad   = vg.Points(3.5)
	labelPad  = vg.Points(4)
	titlePad  = vg.Points(6)
	fontSize  = vg.Points(10)
	titleSize = vg.Points(12)
)

// textStyle returns a Liberation Sans style of the given size.
func textStyle(size vg.Length, c color.Color, x draw.XAlignment, y draw.YAlignment) text.Style {
	return text.Style{
		Color:   c,
		Font:    font.From(sansFont, size),
		XAlign:  x,
		YAlign:  y,
		Handler: gplot.DefaultTextHandler,
	}
}

// newAxes returns a gonum plot styled as matplotlib's default axes: sans
// fonts, no gap between the axes and the data, a frame drawn by the frame
// plotter, ticks and labels as matplotlib places them, and no background
// (the figure's background shows through, so that panels can be close).
func newAxes() *gplot.Plot {
	p := gplot.New()
	p.BackgroundColor = nil
	p.Title.TextStyle = textStyle(titleSize, black, draw.XCenter, draw.YTop)
	p.Title.Padding = titlePad
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Padding = 0
		a.LineStyle.Width = 0
		a.Label.Padding = labelPad
		a.Label.TextStyle = textStyle(fontSize, black, draw.XCenter, draw.YBottom)
		// Gonum draws its tick marks between the labels and the axes:
		// transparent marks as long as matplotlib's tick plus its padding
		// put the labels where matplotlib puts them; the frame plotter
		// draws the visible ticks.
		a.Tick.LineStyle = draw.LineStyle{Color: color.Transparent, Width: tickWidth}
		a.Tick.Length = tickLen + tickPad
		a.Tick.Marker = &locator{nbins: 9}
	}
	p.X.Tick.Label = textStyle(fontSize, black, draw.XCenter, draw.YTop)
	p.Y.Tick.Label = textStyle(fontSize, black, draw.XRight, draw.YCenter)
	p.Legend.TextStyle = textStyle(fontSize, black, draw.XLeft, draw.YBottom)
	return p
}

// frame draws matplotlib's axes frame (the four spines) and the outward
// tick marks of the plot's axes. Add it after the data.
type frame struct{}

// Plot implements gonum's plot.Plotter.
func (frame) Plot(c draw.Canvas, p *gplot.Plot) {
	sty := draw.LineStyle{Color: black, Width: tickWidth}
	if t := p.X.Tick.Marker; t != nil {
		for _, tk := range t.Ticks(p.X.Min, p.X.Max) {
			x := c.X(p.X.Norm(tk.Value))
			if tk.IsMinor() || x < c.Min.X-0.01 || x > c.Max.X+0.01 {
				continue
			}
			c.StrokeLine2(sty, x, c.Min.Y, x, c.Min.Y-tickLen)
		}
	}
	if t := p.Y.Tick.Marker; t != nil {
		for _, tk := range t.Ticks(p.Y.Min, p.Y.Max) {
			y := c.Y(p.Y.Norm(tk.Value))
			if tk.IsMinor() || y < c.Min.Y-0.01 || y > c.Max.Y+0.01 {
				continue
			}
			c.StrokeLine2(sty, c.Min.X, y, c.Min.X-tickLen, y)
		}
	}
	// Butt line caps leave the corners notched; a closed path joins them.
	var path vg.Path
	path.Move(c.Min)
	path.Line(vg.Point{X: c.Max.X, Y: c.Min.Y})
	path.Line(c.Max)
	path.Line(vg.Point{X: c.Min.X, Y: c.Max.Y})
	path.Close()
	c.SetLineStyle(sty)
	c.Stroke(path)
}

// locator is matplotlib's MaxNLocator with its default steps (1, 2, 2.5,
// 5, 10), at most nbins intervals and at least two ticks in view, and
// its ScalarFormatter's labels (a common number of decimals, "−" for
// minus). With integer set, only whole-number steps are used, as
// MaxNLocator(integer=True).
type locator struct {
	nbins   int
	integer bool
}

// Ticks implements gonum's plot.Ticker.
func (l *locator) Ticks(lo, hi float64) []gplot.Tick {
	if lo > hi {
		lo, hi = hi, lo
	}
	if !(hi-lo > 0) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return nil
	}
	vals := maxNTicks(lo, hi, max(l.nbins, 1), l.integer)
	var in []float64
	for _, v := range vals {
		if v >= lo-1e-10*(hi-lo) && v <= hi+1e-10*(hi-lo) {
			in = append(in, v)
		}
	}
	labels := tickLabels(in, lo, hi)
	ticks := make([]gplot.Tick, len(in))
	for i, v := range in {
		ticks[i] = gplot.Tick{Value: v, Label: labels[i]}
	}
	return ticks
}

// maxNTicks is MaxNLocator._raw_ticks.
func maxNTicks(vmin, vmax float64, nbins int, integer bool) []float64 {
	dv := vmax - vmin
	meanv := (vmax + vmin) / 2
	offset := 0.0
	if math.Abs(meanv)/dv >= 100 {
		offset = math.Copysign(math.Pow(10, math.Floor(math.Log10(math.Abs(meanv)))), meanv)
	}
	scale := math.Pow(10, math.Floor(math.Log10(dv/float64(nbins))))
	vmin -= offset
	vmax -= offset
	rawStep := (vmax - vmin) / float64(nbins)
	var steps []float64
	for _, s := range []float64{0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20} {
		s *= scale
		if integer && s >= 1 && math.Abs(s-math.Round(s)) >= 0.001 {
			continue
		}
		steps = append(steps, s)
	}
	istep := len(steps) - 1
	for i, s := range steps {
		if s >= rawStep*(1-1e-12) {
			istep = i
			break
		}
	}
	var ticks []float64
	for ; istep < len(steps); istep++ {
		step := steps[istep]
		if integer && math.Floor(vmax)-math.Ceil(vmin) >= 1 {
			step = max(1, step)
		}
		best := math.Floor(vmin/step) * step
		tol := max(1e-10, math.Abs(offset)/step*1e-10)
		le := func(x float64) float64 {
			d := math.Floor(x / step)
			m := x/step - d
			if math.Abs(m-1) < tol {
				return d + 1
			}
			return d
		}
		ge := func(x float64) float64 {
			d := math.Floor(x / step)
			m := x/step - d
			if math.Abs(m) < tol {
				return d
			}
			return d + 1
		}
		low, high := le(vmin-best), ge(vmax-best)
		ticks = ticks[:0]
		n := 0
		for k := low; k <= high; k++ {
			t := k*step + best
			ticks = append(ticks, t+offset)
			if t <= vmax && t >= vmin {
				n++
			}
		}
		if n >= 2 {
			break
		}
	}
	return ticks
}

// tickLabels is matplotlib's ScalarFormatter for ticks without an offset:
// the fewest decimals that show every tick to within a thousandth of the
// range of the ticks.
func tickLabels(locs []float64, lo, hi float64) []string {
	r := locs
	if len(locs) < 2 {
		r = append(append([]float64(nil), locs...), lo, hi)
	}
	mn, mx := math.Inf(1), math.Inf(-1)
	for _, v := range r {
		mn, mx = min(mn, v), max(mx, v)
	}
	rng := mx - mn
	if rng == 0 {
		rng = max(math.Abs(mn), math.Abs(mx))
	}
	if rng == 0 {
		rng = 1
	}
	oom := int(math.Floor(math.Log10(rng)))
	sig := max(0, 3-oom)
	thresh := 1e-3 * math.Pow(10, float64(oom))
	for sig >= 0 {
		worst := 0.0
		p := math.Pow(10, float64(sig))
		for _, v := range locs {
			worst = max(worst, math.Abs(v-math.RoundToEven(v*p)/p))
		}
		if worst < thresh {
			sig--
		} else {
			break
		}
	}
	sig++
	out := make([]string, len(locs))
	for i, v := range locs {
		s := strconv.FormatFloat(v, 'f', sig, 64)
		if strings.Trim(s, "-0.") == "" {
			s = strings.TrimPrefix(s, "-") // no "−0.0"
		}
		out[i] = strings.Replace(s, "-", "\u2212", 1)
	}
	return out
}

// placeAxes draws p so that its data area (inside the frame) is exactly
// the rectangle data of the figure canvas fig, as matplotlib positions
// axes; the labels and title go outside it. It also sets the number of
// tick intervals from the size of the data area, as matplotlib does.
func placeAxes(fig draw.Canvas, p *gplot.Plot, data vg.Rectangle) {
	w, h := data.Size().X.Points(), data.Size().Y.Points()
	if l, ok := p.X.Tick.Marker.(*locator); ok {
		l.nbins = clampInt(int(math.Floor(w/(3*fontSize.Points()))), 1, 9)
	}
	if l, ok := p.Y.Tick.Marker.(*locator); ok {
		l.nbins = clampInt(int(math.Floor(h/(2*fontSize.Points()))), 1, 9)
	}
	c := fig
	c.Rectangle = data
	for range 3 {
		got := p.DataCanvas(c)
		c.Min.X += data.Min.X - got.Min.X
		c.Min.Y += data.Min.Y - got.Min.Y
		c.Max.X += data.Max.X - got.Max.X
		c.Max.Y += data.Max.Y - got.Max.Y
	}
	p.Draw(c)
}

func clampInt(v, lo, hi int) int { return min(max(v, lo), hi) }

// subplotRects returns the data rectangles of a rows×cols grid of axes in
// a figure of size w×h, as plt.subplots places them (row 0 at the top).
func subplotRects(w, h vg.Length, rows, cols int) [][]vg.Rectangle {
	left, right := subplotLeft*w, subplotRight*w
	bottom, top := subplotBottom*h, subplotTop*h
	cw := (right - left) / (vg.Length(cols) + subplotWSpace*vg.Length(cols-1))
	ch := (top - bottom) / (vg.Length(rows) + subplotHSpace*vg.Length(rows-1))
	out := make([][]vg.Rectangle, rows)
	for r := range rows {
		out[r] = make([]vg.Rectangle, cols)
		for c := range cols {
			x0 := left + vg.Length(c)*cw*(1+subplotWSpace)
			y1 := top - vg.Length(r)*ch*(1+subplotHSpace)
			out[r][c] = vg.Rectangle{Min: vg.Point{X: x0, Y: y1 - ch}, Max: vg.Point{X: x0 + cw, Y: y1}}
		}
	}
	return out
}

// shrinkToAspect returns the largest rectangle inside r whose width over
// height is aspect, anchored as matplotlib's anchor (ax, ay) in [0, 1]
// ("C" is 0.5, 0.5).
func shrinkToAspect(r vg.Rectangle, aspect float64, ax, ay float64) vg.Rectangle {
	w, h := r.Size().X, r.Size().Y
	if float64(w) > aspect*float64(h) {
		nw := vg.Length(aspect * float64(h))
		r.Min.X += vg.Length(ax) * (w - nw)
		r.Max.X = r.Min.X + nw
	} else {
		nh := vg.Length(float64(w) / aspect)
		r.Min.Y += vg.Length(ay) * (h - nh)
		r.Max.Y = r.Min.Y + nh
	}
	return r
}

// figureCanvas is a canvas for one output format.
type figureCanvas interface {
	vg.CanvasSizer
	io.WriterTo
}

// checkPath returns an *ArgError if path's extension is not that of a
// supported format: .png, .svg or .pdf, in any case.
func checkPath(path, arg string) error {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png", ".svg", ".pdf":
		return nil
	default:
		return &ArgError{Arg: arg, Msg: "file name " + strconv.Quote(path) + " has extension " + strconv.Quote(ext) + "; want .png, .svg or .pdf"}
	}
}

func newCanvas(path, arg string, w, h vg.Length) (figureCanvas, error) {
	if err := checkPath(path, arg); err != nil {
		return nil, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		pw := int(math.Ceil(float64(w/vg.Inch*DPI) - 1e-9))
		ph := int(math.Ceil(float64(h/vg.Inch*DPI) - 1e-9))
		img := image.NewRGBA(image.Rect(0, 0, pw, ph))
		ctx := gg.NewContextForRGBA(img)
		ctx.SetLineCapButt()
		ctx.InvertY()
		ctx.SetInterpolator(xdraw.NearestNeighbor)
		// Images are drawn with nearest-neighbour interpolation, so that
		// each pixel of an imshow is a sharp block.
		c := vgimg.NewWith(vgimg.UseImageWithContext(img, ctx), vgimg.UseDPI(DPI))
		return vgimg.PngCanvas{Canvas: c}, nil
	case ".svg":
		return svgCanvas{vgsvg.New(w, h)}, nil
	default:
		return vgpdf.New(w, h), nil
	}
}

// svgCanvas corrects the media type of the images that gonum embeds in
// SVG: they are PNG but declared "image/jpg", which strict renderers such
// as librsvg refuse to draw.
type svgCanvas struct {
	*vgsvg.Canvas
}

// WriteTo implements io.WriterTo.
func (c svgCanvas) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	if _, err := c.Canvas.WriteTo(&buf); err != nil {
		return 0, err
	}
	fixed := bytes.ReplaceAll(buf.Bytes(), []byte(`"data:image/jpg;base64,`), []byte(`"data:image/png;base64,`))
	n, err := w.Write(fixed)
	return int64(n), err
}

// writeFigure draws a w×h figure with paint and writes it to path
// atomically, in the format of path's extension. arg names the path
// argument in errors.
func writeFigure(path, arg string, w, h vg.Length, paint func(fig draw.Canvas)) error {
	c, err := newCanvas(path, arg, w, h)
	if err != nil {
		return err
	}
	paint(draw.New(c))
	return atomicfile.WriteFile(path, func(out io.Writer) error {
		_, err := c.WriteTo(out)
		return err
	}, 0o644)
}

// ArgError reports an invalid argument of a function of this package,
// naming it.
type ArgError struct {
	Arg string // the argument's name, as in the function's signature
	Msg string
}

// Error implements error.
func (e *ArgError) Error() string { return "plot: " + e.Arg + ": " + e.Msg }

func argErr(arg, format string, a ...any) error {
	return &ArgError{Arg: arg, Msg: fmt.Sprintf(format, a...)}
}
