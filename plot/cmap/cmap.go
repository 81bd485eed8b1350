// Package cmap holds matplotlib's colour maps as the 256 colours that
// matplotlib paints for each (cmap(range(256), bytes=True), which is what
// reaches a PNG), for packages that draw images in
// matplotlib's look (the plot package and the terminal renderer termimg).
//
// The tables are generated from matplotlib by testdata/gen.py.
package cmap

import (
	"image/color"
	"math"
)

// Colormap maps numbers in [0, 1], or indices 0…255, to colours, as a
// matplotlib colour map with 256 entries does.
type Colormap struct {
	name  string
	table *[256][3]uint8
}

// The colour maps, with exactly the colours matplotlib paints.
var (
	// Viridis is matplotlib's default colour map, from dark purple
	// (#440154) through blue and green to yellow (#fde724 as painted; its
	// published value, #fde725, is the rounded float).
	Viridis = &Colormap{"viridis", &viridisTable}
	// Gray runs from black to white (imshow(..., cmap="gray")). As
	// matplotlib truncates rather than rounds when it converts colours
	// to bytes, a few entries are one below their index (entry 33 is 32).
	Gray = &Colormap{"gray", &grayTable}
	// Blues runs from white to dark blue, as the confusion matrices of
	// many tutorials use it.
	Blues = &Colormap{"Blues", &bluesTable}
)

// ByName returns the colour map with matplotlib's name ("viridis",
// "gray" or "Blues"), or nil.
func ByName(name string) *Colormap {
	for _, m := range []*Colormap{Viridis, Gray, Blues} {
		if m.name == name {
			return m
		}
	}
	return nil
}

// Name returns matplotlib's name for the colour map.
func (m *Colormap) Name() string { return m.name }

// At returns the colour of x in [0, 1] as matplotlib does: entry
// floor(256·x) of the table, values below 0 taking the first colour and
// values from 1 up the last. NaN is transparent.
func (m *Colormap) At(x float64) color.RGBA {
	if math.IsNaN(x) {
		return color.RGBA{}
	}
	return m.Index(int(math.Floor(math.Max(-1, math.Min(x*256, 256)))))
}

// Index returns entry i of the table, i clamped to 0…255.
func (m *Colormap) Index(i int) color.RGBA {
	i = min(max(i, 0), 255)
	c := m.table[i]
	return color.RGBA{c[0], c[1], c[2], 255}
}
