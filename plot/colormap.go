package plot

import (
	"image/color"
	"math"

	"gonum.org/v1/plot/palette"
)

// Colormap maps numbers in [0, 1] to colours, as a matplotlib colour map
// with 256 entries does.
type Colormap struct {
	name  string
	table *[256][3]uint8
}

// The colour maps, with exactly the colours matplotlib paints.
var (
	// Viridis is matplotlib's default colour map, from dark purple
	// (#440154) through blue and green to yellow (#fde725).
	Viridis = &Colormap{"viridis", &viridisTable}
	// Gray runs from black to white (imshow(..., cmap="gray")).
	Gray = &Colormap{"gray", &grayTable}
	// Blues runs from white to dark blue, as the confusion matrices of
	// many tutorials use it.
	Blues = &Colormap{"Blues", &bluesTable}
)

// Name returns matplotlib's name for the colour map.
func (m *Colormap) Name() string { return m.name }

// At returns the colour of x in [0, 1], as matplotlib does: entry
// floor(256·x) of the table, values below 0 taking the first colour and
// above 1 the last. NaN is transparent.
func (m *Colormap) At(x float64) color.RGBA {
	if math.IsNaN(x) {
		return color.RGBA{}
	}
	return m.Index(int(math.Floor(math.Max(-1, math.Min(x*256, 256)))))
}

// Index returns entry i of the table, clamped to 0…255.
func (m *Colormap) Index(i int) color.RGBA {
	i = clampInt(i, 0, 255)
	c := m.table[i]
	return color.RGBA{c[0], c[1], c[2], 255}
}

// norm maps v linearly from [lo, hi] to [0, 1] as matplotlib's Normalize
// does; when lo == hi every value maps to 0.
func norm(v, lo, hi float64) float64 {
	if hi == lo {
		return 0
	}
	return (v - lo) / (hi - lo)
}

// colorMap adapts a Colormap over [min, max] to gonum's palette.ColorMap,
// for gonum's colour bars.
type colorMap struct {
	cm       *Colormap
	min, max float64
	alpha    float64
}

var _ palette.ColorMap = (*colorMap)(nil)

func (c *colorMap) At(v float64) (color.Color, error) {
	return c.cm.At(norm(v, c.min, c.max)), nil
}
func (c *colorMap) Max() float64           { return c.max }
func (c *colorMap) Min() float64           { return c.min }
func (c *colorMap) SetMax(v float64)       { c.max = v }
func (c *colorMap) SetMin(v float64)       { c.min = v }
func (c *colorMap) Alpha() float64         { return c.alpha }
func (c *colorMap) SetAlpha(a float64)     { c.alpha = a }
func (c *colorMap) Palette(n int) palette.Palette {
	cols := make([]color.Color, n)
	for i := range cols {
		cols[i] = c.cm.At(float64(i) / float64(max(n-1, 1)))
	}
	return palette.Palette(paletteColors(cols))
}

type paletteColors []color.Color

func (p paletteColors) Colors() []color.Color { return p }
