package plot

import "github.com/neuron-go/neuron/plot/cmap"

// Colormap maps numbers in [0, 1] to colours, as a matplotlib colour map
// with 256 entries does; see package cmap.
type Colormap = cmap.Colormap

// The colour maps, with exactly the colours matplotlib paints.
var (
	// Viridis is matplotlib's default colour map, used by Image unless
	// told otherwise.
	Viridis = cmap.Viridis
	// Gray runs from black to white (imshow(..., cmap="gray")).
	Gray = cmap.Gray
	// Blues runs from white to dark blue; ConfusionMatrix uses it.
	Blues = cmap.Blues
)

// norm maps v linearly from [lo, hi] to [0, 1] as matplotlib's Normalize
// does; when lo == hi every value maps to 0.
func norm(v, lo, hi float64) float64 {
	if hi == lo {
		return 0
	}
	return (v - lo) / (hi - lo)
}
