package plot

import (
	"image"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Confusion returns the n×n confusion matrix of the labels: entry [t][p]
// counts the examples of true class t predicted as class p. It returns an
// *ArgError if the label slices differ in length or a label is outside
// 0…n-1.
func Confusion(trueLabels, predLabels []int, n int) ([][]int, error) {
	if len(trueLabels) != len(predLabels) {
		return nil, argErr("predLabels", "has %d labels but trueLabels has %d", len(predLabels), len(trueLabels))
	}
	m := make([][]int, n)
	for i := range m {
		m[i] = make([]int, n)
	}
	for i, t := range trueLabels {
		p := predLabels[i]
		if t < 0 || t >= n {
			return nil, argErr("trueLabels", "label %d at index %d is outside 0…%d", t, i, n-1)
		}
		if p < 0 || p >= n {
			return nil, argErr("predLabels", "label %d at index %d is outside 0…%d", p, i, n-1)
		}
		m[t][p]++
	}
	return m, nil
}

// ConfusionMatrix writes the confusion matrix of the labels to path (PNG,
// SVG or PDF by the extension) as scikit-learn's ConfusionMatrixDisplay
// draws it: a heat map in the Blues colour map with the count in each
// cell (dark text on light cells, light text on dark ones), the predicted
// class along the x axis ("Predicted"), the true class down the y axis
// ("True"), the class names as tick labels and a colour bar.
//
// The number of classes is len(classNames), or, when classNames is nil,
// one more than the largest label. ConfusionMatrix returns an *ArgError
// naming the argument at fault if the labels are empty, differ in length
// or fall outside the classes, or the extension is not supported.
func ConfusionMatrix(path string, trueLabels, predLabels []int, classNames []string) error {
	if len(trueLabels) == 0 {
		return argErr("trueLabels", "is empty")
	}
	n := len(classNames)
	if classNames == nil {
		for _, v := range append(append([]int(nil), trueLabels...), predLabels...) {
			n = max(n, v+1)
		}
		for i := range n {
			classNames = append(classNames, strconv.Itoa(i))
		}
	}
	m, err := Confusion(trueLabels, predLabels, n)
	if err != nil {
		return err
	}
	if err := checkPath(path, "path"); err != nil {
		return err
	}
	lo, hi := m[0][0], m[0][0]
	for _, row := range m {
		for _, v := range row {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	for t, row := range m {
		for p, v := range row {
			img.SetRGBA(p, t, Blues.At(norm(float64(v), float64(lo), float64(hi))))
		}
	}
	p := newImageAxes(img, false)
	p.X.Label.Text = "Predicted"
	p.Y.Label.Text = "True"
	var xt, yt []gplot.Tick
	long := false
	for i, name := range classNames {
		xt = append(xt, gplot.Tick{Value: float64(i), Label: name})
		yt = append(yt, gplot.Tick{Value: float64(i), Label: name})
		long = long || len(name) > 3
	}
	p.X.Tick.Marker = gplot.ConstantTicks(xt)
	p.Y.Tick.Marker = gplot.ConstantTicks(yt)
	if long {
		// Long names would overlap: turn them 45°, ending at their tick.
		p.X.Tick.Label.Rotation = 0.7853981633974483
		p.X.Tick.Label.XAlign = draw.XRight
	}
	p.Add(&cellCounts{m: m, lo: lo, hi: hi})

	w, h := 6.4*vg.Inch, 4.8*vg.Inch
	if n > 5 || long {
		w, h = 8*vg.Inch, 7*vg.Inch
	}
	return writeFigure(path, "path", w, h, func(fig draw.Canvas) {
		r := subplotRects(w, h, 1, 1)[0][0]
		if long {
			r.Min.Y += 0.6 * vg.Inch // room for the turned names
			r.Min.X += 0.4 * vg.Inch
		}
		W := r.Size().X
		parent := r
		parent.Max.X = r.Min.X + 0.8*W
		placeAxes(fig, p, shrinkToAspect(parent, 1, 1, 0.5))
		bar := r
		bar.Min.X = r.Min.X + 0.85*W
		drawColorbar(fig, shrinkToAspect(bar, 1.0/20, 0, 0.5), Blues, float64(lo), float64(hi))
	})
}

// cellCounts writes each count in the middle of its cell, in the colour
// scikit-learn uses: the map's darkest colour on cells below the middle of
// the range, its lightest above.
type cellCounts struct {
	m      [][]int
	lo, hi int
}

// Plot implements gonum's plot.Plotter.
func (cc *cellCounts) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	thresh := float64(cc.lo+cc.hi) / 2
	n := len(cc.m)
	size := vg.Points(10)
	if n > 10 {
		size = vg.Points(max(5, 100/float64(n)))
	}
	for t, row := range cc.m {
		for pr, v := range row {
			col := Blues.Index(255)
			if float64(v) >= thresh {
				col = Blues.Index(0)
			}
			sty := textStyle(size, col, draw.XCenter, draw.YCenter)
			c.FillText(sty, vg.Point{X: trX(float64(pr)), Y: trY(float64(t))}, strconv.Itoa(v))
		}
	}
}
