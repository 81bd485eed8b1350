package plot

import (
	"fmt"
	"image"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Pixel is the set of element types of the images this package draws:
// bytes as load_data returns them, or floats such as X_train / 255.0.
type Pixel interface {
	~uint8 | ~float32 | ~float64
}

// ImageOptions are the optional parts of an imshow figure.
type ImageOptions struct {
	// Cmap is the colour map (plt.imshow's cmap=); Viridis by default.
	Cmap *Colormap
	// Colorbar adds a colour bar on the right (plt.colorbar()).
	Colorbar bool
	// Title is drawn above the image (none by default).
	Title string
	// VMin and VMax are the values mapped to the ends of the colour map.
	// When both are zero, the image's minimum and maximum are used, as
	// matplotlib does.
	VMin, VMax float64
	// HideAxes leaves out the frame and ticks (plt.axis("off")).
	HideAxes bool
}

// Image writes plt.imshow(img) to path (PNG, SVG or PDF by the extension)
// in matplotlib's default figure size: img is an h×w image in row-major
// order, each pixel drawn as a square block of one colour (no smoothing),
// row 0 at the top, with ticks at 0, 5, 10, … on both axes, as the course
// shows X_train[0].
//
// Values are scaled linearly from the image's minimum (the first colour
// of the map) to its maximum (the last), unless opts sets VMin and VMax;
// an image whose pixels are all equal takes the first colour, as in
// matplotlib. NaN pixels are left transparent.
//
// Image returns an *ArgError naming the argument at fault if h or w is
// not positive, len(img) is not h·w, or the extension is not supported.
func Image[T Pixel](path string, img []T, h, w int, opts ImageOptions) error {
	if err := checkImage("img", len(img), h, w); err != nil {
		return err
	}
	if err := checkPath(path, "path"); err != nil {
		return err
	}
	cm := opts.Cmap
	if cm == nil {
		cm = Viridis
	}
	lo, hi := opts.VMin, opts.VMax
	if lo == 0 && hi == 0 {
		lo, hi = minMax(img)
	}
	p := newImageAxes(colorImage(img, h, w, cm, lo, hi), opts.HideAxes)
	p.Title.Text = opts.Title
	return writeFigure(path, "path", figWidth, figHeight, func(fig draw.Canvas) {
		r := subplotRects(figWidth, figHeight, 1, 1)[0][0]
		if !opts.Colorbar {
			placeAxes(fig, p, shrinkToAspect(r, float64(w)/float64(h), 0.5, 0.5))
			return
		}
		// plt.colorbar() takes 15% of the axes' width for the bar and 5%
		// for the gap, keeps the image at the right of the rest, and
		// makes the bar 20 times as high as it is wide.
		W := r.Size().X
		parent := r
		parent.Max.X = r.Min.X + 0.8*W
		placeAxes(fig, p, shrinkToAspect(parent, float64(w)/float64(h), 1, 0.5))
		bar := r
		bar.Min.X = r.Min.X + 0.85*W
		bar = shrinkToAspect(bar, 1.0/20, 0, 0.5)
		drawColorbar(fig, bar, cm, lo, hi)
	})
}

func checkImage(arg string, n, h, w int) error {
	if h <= 0 || w <= 0 {
		return argErr("h, w", "image size %d×%d is not positive", h, w)
	}
	if n != h*w {
		return argErr(arg, "has %d pixels, want h·w = %d·%d = %d", n, h, w, h*w)
	}
	return nil
}

// minMax returns the smallest and largest values of img, ignoring NaN.
func minMax[T Pixel](img []T) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range img {
		f := float64(v)
		if math.IsNaN(f) {
			continue
		}
		lo, hi = min(lo, f), max(hi, f)
	}
	if lo > hi { // all NaN
		return 0, 0
	}
	return lo, hi
}

// colorImage maps an h×w image through cm, scaling [lo, hi] to [0, 1].
func colorImage[T Pixel](img []T, h, w int, cm *Colormap, lo, hi float64) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			out.SetRGBA(x, y, cm.At(norm(float64(img[y*w+x]), lo, hi)))
		}
	}
	return out
}

// newImageAxes returns axes showing img as imshow does: pixel centres at
// integer coordinates, row 0 at the top.
func newImageAxes(img *image.RGBA, hideAxes bool) *gplot.Plot {
	p := newAxes()
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	p.X.Min, p.X.Max = -0.5, float64(w)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(h)-0.5
	p.Y.Scale = gplot.InvertedScale{Normalizer: gplot.LinearScale{}}
	p.Add(&imshow{img: img})
	if hideAxes {
		p.X.Tick.Marker = gplot.ConstantTicks(nil)
		p.Y.Tick.Marker = gplot.ConstantTicks(nil)
	} else {
		p.Add(frame{})
	}
	return p
}

// imshow draws an image over the data range [-0.5, w-0.5]×[-0.5, h-0.5].
type imshow struct {
	img *image.RGBA
}

// Plot implements gonum's plot.Plotter.
func (m *imshow) Plot(c draw.Canvas, p *gplot.Plot) {
	w, h := m.img.Bounds().Dx(), m.img.Bounds().Dy()
	trX, trY := p.Transforms(&c)
	x0, x1 := trX(-0.5), trX(float64(w)-0.5)
	y0, y1 := trY(-0.5), trY(float64(h)-0.5)
	r := vg.Rectangle{
		Min: vg.Point{X: min(x0, x1), Y: min(y0, y1)},
		Max: vg.Point{X: max(x0, x1), Y: max(y0, y1)},
	}
	if _, raster := c.Canvas.(*vgimg.Canvas); raster {
		// The PNG canvas interpolates with nearest neighbours.
		c.DrawImage(r, m.img)
		return
	}
	// SVG and PDF viewers smooth embedded images; enlarging each pixel to
	// a block first keeps the blocks sharp.
	c.DrawImage(r, enlarge(m.img, max(1, 512/max(w, h))))
}

// enlarge returns img with each pixel repeated k×k times.
func enlarge(img *image.RGBA, k int) *image.RGBA {
	if k == 1 {
		return img
	}
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx()*k, b.Dy()*k))
	for y := range b.Dy() * k {
		for x := range b.Dx() * k {
			out.SetRGBA(x, y, img.RGBAAt(b.Min.X+x/k, b.Min.Y+y/k))
		}
	}
	return out
}

// drawColorbar draws matplotlib's vertical colour bar in r: the colour
// map from lo (bottom) to hi (top), a frame, and ticks with labels on the
// right.
func drawColorbar(fig draw.Canvas, r vg.Rectangle, cm *Colormap, lo, hi float64) {
	// Eight columns rather than one: some SVG renderers draw a
	// one-pixel-wide image blank.
	grad := image.NewRGBA(image.Rect(0, 0, 8, 256))
	for i := range 256 {
		for x := range 8 {
			grad.SetRGBA(x, 255-i, cm.Index(i))
		}
	}
	fig.DrawImage(r, grad)
	if lo == hi { // matplotlib widens a singular range
		d := 0.1 * math.Abs(lo)
		if d == 0 {
			d = 0.1
		}
		lo, hi = lo-d, hi+d
	}
	sty := draw.LineStyle{Color: black, Width: tickWidth}
	fig.StrokeLines(sty, append(rectPoints(r), r.Min))
	loc := &locator{nbins: clampInt(int(math.Floor(r.Size().Y.Points()/(2*fontSize.Points()))), 1, 9)}
	lab := textStyle(fontSize, black, draw.XLeft, draw.YCenter)
	for _, t := range loc.Ticks(lo, hi) {
		y := r.Min.Y + vg.Length((t.Value-lo)/(hi-lo))*r.Size().Y
		fig.StrokeLine2(sty, r.Max.X, y, r.Max.X+tickLen, y)
		fig.FillText(lab, vg.Point{X: r.Max.X + tickLen + tickPad, Y: y}, t.Label)
	}
}

// Grid writes a grid of h×w images to path, cols to a row (5 if cols is
// not positive), each drawn as Image draws it with the colour map cmap
// (Viridis when nil) and titled with its labels: the true label alone, or
// with predLabels, "true: …" over "pred: …", in red where the prediction
// is wrong. Labels are shown as classNames[label] when classNames is
// given. trueLabels or predLabels may be nil.
//
// Grid returns an *ArgError naming the argument at fault if images is
// empty, an image does not have h·w pixels, the labels are not one per
// image, a label has no class name, or the extension is not supported.
func Grid[T Pixel](path string, images [][]T, h, w int, trueLabels, predLabels []int, classNames []string, cols int, cmap *Colormap) error {
	if len(images) == 0 {
		return argErr("images", "is empty")
	}
	for i, img := range images {
		if err := checkImage(fmt.Sprintf("images[%d]", i), len(img), h, w); err != nil {
			return err
		}
	}
	for _, l := range []struct {
		name   string
		labels []int
	}{{"trueLabels", trueLabels}, {"predLabels", predLabels}} {
		if l.labels == nil {
			continue
		}
		if len(l.labels) != len(images) {
			return argErr(l.name, "has %d labels for %d images", len(l.labels), len(images))
		}
		if classNames != nil {
			for i, v := range l.labels {
				if v < 0 || v >= len(classNames) {
					return argErr(l.name, "label %d of image %d has no class name (%d classNames)", v, i, len(classNames))
				}
			}
		}
	}
	if err := checkPath(path, "path"); err != nil {
		return err
	}
	if cmap == nil {
		cmap = Viridis
	}
	if cols <= 0 {
		cols = 5
	}
	cols = min(cols, len(images))
	rows := (len(images) + cols - 1) / cols
	name := func(v int) string {
		if classNames != nil {
			return classNames[v]
		}
		return fmt.Sprintf("%d", v)
	}

	// Each cell is 1.6 inches wide, its image as high as its aspect asks,
	// with room for a two-line title above.
	const margin = 0.2 * vg.Inch
	cellW := 1.6 * vg.Inch
	imgH := cellW * vg.Length(float64(h)/float64(w))
	titleH := 0.42 * vg.Inch
	gap := 0.15 * vg.Inch
	figW := 2*margin + vg.Length(cols)*cellW + vg.Length(cols-1)*gap
	figH := 2*margin + vg.Length(rows)*(imgH+titleH) + vg.Length(rows-1)*gap

	plots := make([]*gplot.Plot, len(images))
	for i, img := range images {
		lo, hi := minMax(img)
		p := newImageAxes(colorImage(img, h, w, cmap, lo, hi), false)
		p.X.Tick.Marker = gplot.ConstantTicks(nil)
		p.Y.Tick.Marker = gplot.ConstantTicks(nil)
		p.Title.TextStyle = textStyle(vg.Points(9), black, draw.XCenter, draw.YTop)
		p.Title.Padding = vg.Points(3)
		switch {
		case trueLabels != nil && predLabels != nil:
			p.Title.Text = "true: " + name(trueLabels[i]) + "\npred: " + name(predLabels[i])
			if trueLabels[i] != predLabels[i] {
				p.Title.TextStyle.Color = errorRed
			}
		case trueLabels != nil:
			p.Title.Text = name(trueLabels[i])
		case predLabels != nil:
			p.Title.Text = "pred: " + name(predLabels[i])
		}
		plots[i] = p
	}
	return writeFigure(path, "path", figW, figH, func(fig draw.Canvas) {
		for i, p := range plots {
			r, c := i/cols, i%cols
			x0 := margin + vg.Length(c)*(cellW+gap)
			y1 := figH - margin - titleH - vg.Length(r)*(imgH+titleH+gap)
			placeAxes(fig, p, vg.Rectangle{Min: vg.Point{X: x0, Y: y1 - imgH}, Max: vg.Point{X: x0 + cellW, Y: y1}})
		}
	})
}
