// Package termimg draws images in a terminal, so that a program can show
// an MNIST digit where a notebook would call plt.imshow.
//
// In colour, each character cell shows two pixels stacked: the Unicode
// upper half block "▀" in the colour of the top pixel (the foreground) on
// the colour of the bottom pixel (the background), so a 28×28 image takes
// 28 columns and 14 lines. TrueColor uses 24-bit colour escapes, Grey256
// the 26 grey levels of the 256-colour palette, and ASCII a ramp of
// characters from " " (dark) to "@" (bright), one character per column and
// pair of rows, for terminals without colour and for logs. DetectMode
// picks the richest mode the terminal announces.
package termimg

import (
	"bufio"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/neuron-go/neuron/plot/cmap"
)

// Mode is a way of drawing in the terminal.
type Mode int

// The modes, from the plainest. The zero value is ASCII.
const (
	// ASCII draws with the characters of Ramp, no escape sequences.
	ASCII Mode = iota
	// Grey256 draws half blocks in the grey levels of the 256-colour
	// palette (xterm colours 16, 232–255 and 231), by luminance.
	Grey256
	// TrueColor draws half blocks in 24-bit colour.
	TrueColor
)

// String returns the mode's name.
func (m Mode) String() string {
	switch m {
	case ASCII:
		return "ASCII"
	case Grey256:
		return "Grey256"
	case TrueColor:
		return "TrueColor"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Ramp is the characters of ASCII mode, from the darkest to the
// brightest.
const Ramp = " .:-=+*#%@"

// DetectMode returns the mode that the environment of this process
// announces; see DetectModeFrom.
func DetectMode() Mode { return DetectModeFrom(os.Getenv) }

// DetectModeFrom returns the mode that the environment variables read by
// getenv announce:
//
//   - ASCII if NO_COLOR is set to anything (https://no-color.org), or TERM
//     is empty or "dumb";
//   - TrueColor if COLORTERM is "truecolor" or "24bit", or TERM ends in
//     "-direct" or contains "truecolor";
//   - Grey256 if TERM contains "256color";
//   - ASCII otherwise (a terminal of 8 or 16 colours).
func DetectModeFrom(getenv func(string) string) Mode {
	term := strings.ToLower(getenv("TERM"))
	if getenv("NO_COLOR") != "" || term == "" || term == "dumb" {
		return ASCII
	}
	switch strings.ToLower(getenv("COLORTERM")) {
	case "truecolor", "24bit":
		return TrueColor
	}
	switch {
	case strings.HasSuffix(term, "-direct") || strings.Contains(term, "truecolor"):
		return TrueColor
	case strings.Contains(term, "256color"):
		return Grey256
	}
	return ASCII
}

// Render draws the h×w image img (row-major, one byte per pixel) to out
// in the given mode. Each pixel value v is shown as entry v of the colour
// map cm (cmap.Gray when cm is nil, so 0 is black and 255 white; pass
// cmap.Viridis for matplotlib's look); Grey256 and ASCII use the
// luminance of that colour. Every line of colour output ends by resetting
// the colours. An image with an odd number of rows leaves the background
// of its last line unset.
//
// Render returns an error if h or w is not positive or len(img) is not
// h·w, or the error of the first failed write.
func Render(out io.Writer, img []uint8, h, w int, mode Mode, cm *cmap.Colormap) error {
	if h <= 0 || w <= 0 {
		return fmt.Errorf("termimg: image size %d×%d is not positive", h, w)
	}
	if len(img) != h*w {
		return fmt.Errorf("termimg: img has %d pixels, want h·w = %d·%d = %d", len(img), h, w, h*w)
	}
	if cm == nil {
		cm = cmap.Gray
	}
	bw := bufio.NewWriter(out)
	switch mode {
	case TrueColor, Grey256:
		renderBlocks(bw, img, h, w, mode, cm)
	case ASCII:
		renderASCII(bw, img, h, w, cm)
	default:
		return fmt.Errorf("termimg: unknown mode %d", int(mode))
	}
	return bw.Flush()
}

// renderBlocks draws two rows per line with "▀", writing a colour escape
// only where the colour changes along the line.
func renderBlocks(bw *bufio.Writer, img []uint8, h, w int, mode Mode, cm *cmap.Colormap) {
	code := func(c color.RGBA, fg bool) string {
		layer := "48"
		if fg {
			layer = "38"
		}
		if mode == TrueColor {
			return layer + ";2;" + strconv.Itoa(int(c.R)) + ";" + strconv.Itoa(int(c.G)) + ";" + strconv.Itoa(int(c.B))
		}
		return layer + ";5;" + strconv.Itoa(Grey256Index(c))
	}
	for y := 0; y < h; y += 2 {
		prevFG, prevBG := "", ""
		for x := range w {
			fg := code(cm.Index(int(img[y*w+x])), true)
			bg := "49" // the terminal's default background
			if y+1 < h {
				bg = code(cm.Index(int(img[(y+1)*w+x])), false)
			}
			switch {
			case fg != prevFG && bg != prevBG:
				bw.WriteString("\x1b[" + fg + ";" + bg + "m")
			case fg != prevFG:
				bw.WriteString("\x1b[" + fg + "m")
			case bg != prevBG:
				bw.WriteString("\x1b[" + bg + "m")
			}
			prevFG, prevBG = fg, bg
			bw.WriteString("▀")
		}
		bw.WriteString("\x1b[0m\n")
	}
}

// renderASCII draws one character per column and pair of rows (terminal
// cells are about twice as high as wide), by their mean luminance.
func renderASCII(bw *bufio.Writer, img []uint8, h, w int, cm *cmap.Colormap) {
	for y := 0; y < h; y += 2 {
		for x := range w {
			l := luminance(cm.Index(int(img[y*w+x])))
			if y+1 < h {
				l = (l + luminance(cm.Index(int(img[(y+1)*w+x])))) / 2
			}
			bw.WriteByte(Ramp[min(int(l*float64(len(Ramp))/256), len(Ramp)-1)])
		}
		bw.WriteByte('\n')
	}
}

// luminance returns the Rec. 601 luma of c, from 0 to 255.
func luminance(c color.RGBA) float64 {
	return 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B)
}

// Grey256Index returns the grey of the 256-colour palette nearest to the
// luminance of c: 16 (black), 232–255 (the greys 8, 18, …, 238) or 231
// (white).
func Grey256Index(c color.RGBA) int {
	l := luminance(c)
	best, bestD := 16, l // black, level 0
	if d := math.Abs(255 - l); d < bestD {
		best, bestD = 231, d
	}
	for i := range 24 {
		if d := math.Abs(float64(8+10*i) - l); d < bestD {
			best, bestD = 232+i, d
		}
	}
	return best
}

// Quantize converts a float image, such as X_train[0] / 255.0, to bytes
// for Render: lo maps to 0 and hi to 255, values outside are clamped, and
// NaN maps to 0. With lo == hi every pixel maps to 0, as in matplotlib.
func Quantize[T ~float32 | ~float64](img []T, lo, hi float64) []uint8 {
	out := make([]uint8, len(img))
	for i, v := range img {
		f := float64(v)
		if hi == lo || math.IsNaN(f) {
			continue
		}
		out[i] = uint8(min(max(math.Floor((f-lo)/(hi-lo)*256), 0), 255))
	}
	return out
}
