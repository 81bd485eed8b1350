package digit

import (
	"strings"
	"testing"
)

// canvas is a black, opaque w×h RGBA picture.
type canvas struct {
	w, h int
	pix  []byte
}

func newCanvas(w, h int) *canvas {
	c := &canvas{w, h, make([]byte, 4*w*h)}
	for i := 3; i < len(c.pix); i += 4 {
		c.pix[i] = 255
	}
	return c
}

func (c *canvas) set(x, y int, r, g, b, a byte) {
	copy(c.pix[4*(y*c.w+x):], []byte{r, g, b, a})
}

func (c *canvas) rect(x0, y0, x1, y1 int, v byte) {
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			c.set(x, y, v, v, v, 255)
		}
	}
}

// want returns a 28×28 image that is v inside [x0,x1)×[y0,y1), 0 outside.
func want(x0, y0, x1, y1 int, v uint8) []uint8 {
	out := make([]uint8, Size*Size)
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			out[y*Size+x] = v
		}
	}
	return out
}

func check(t *testing.T, got, want []uint8) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d pixels, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("pixel (row %d, col %d) = %d, want %d\ngot:\n%s", i/Size, i%Size, got[i], want[i], show(got))
		}
	}
}

func show(p []uint8) string {
	var b strings.Builder
	for y := range Size {
		for x := range Size {
			switch v := p[y*Size+x]; {
			case v == 0:
				b.WriteByte('.')
			case v == 255:
				b.WriteByte('#')
			default:
				b.WriteByte('+')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// The expected images below are worked out by hand from MNIST's recipe:
// longer side scaled to 20, centre of mass moved to (14, 14).

func TestSquareFillsTheBoxAtTheCentre(t *testing.T) {
	c := newCanvas(280, 280)
	c.rect(50, 60, 150, 160, 255) // 100×100 → 20×20, centre of mass 10 → offset 4
	got, err := Preprocess(c.pix, c.w, c.h)
	if err != nil {
		t.Fatal(err)
	}
	check(t, got, want(4, 4, 24, 24, 255))
}

func TestAspectRatioIsKept(t *testing.T) {
	c := newCanvas(280, 200)
	c.rect(200, 10, 250, 110, 255) // 50×100 → 10×20, centre (5, 10) → offset (9, 4)
	got, err := Preprocess(c.pix, c.w, c.h)
	if err != nil {
		t.Fatal(err)
	}
	check(t, got, want(9, 4, 19, 24, 255))
}

func TestAreaAveraging(t *testing.T) {
	// 40×40 box of stripes: rows with y%4 in {0, 3} white, so each pair of
	// source rows a target row averages is one white and one black:
	// 127.5, rounded to 128. Sampling instead of averaging gives 0 or 255.
	c := newCanvas(100, 100)
	for y := range 40 {
		if y%4 == 0 || y%4 == 3 {
			c.rect(30, 30+y, 70, 31+y, 255)
		}
	}
	got, err := Preprocess(c.pix, c.w, c.h)
	if err != nil {
		t.Fatal(err)
	}
	check(t, got, want(4, 4, 24, 24, 128))
}

func TestGreyLevels(t *testing.T) {
	c := newCanvas(20, 20)
	c.rect(0, 0, 20, 20, 100) // luminance 100 · (0.299+0.587+0.114) = 100
	got, err := Preprocess(c.pix, c.w, c.h)
	if err != nil {
		t.Fatal(err)
	}
	check(t, got, want(4, 4, 24, 24, 100))

	c = newCanvas(20, 20)
	for y := range 20 {
		for x := range 20 {
			c.set(x, y, 255, 0, 0, 255) // pure red: 0.299 · 255 = 76.245 → 76
		}
	}
	if got, _ = Preprocess(c.pix, c.w, c.h); got[14*Size+14] != 76 {
		t.Errorf("red pixel = %d, want 76", got[14*Size+14])
	}
	for y := range 20 {
		for x := range 20 {
			c.set(x, y, 255, 255, 255, 128) // white at alpha 128 over black: 128
		}
	}
	if got, _ = Preprocess(c.pix, c.w, c.h); got[14*Size+14] != 128 {
		t.Errorf("half-transparent white pixel = %d, want 128", got[14*Size+14])
	}
}

func TestOffCentreMassIsShiftedAndClipped(t *testing.T) {
	// An L of 1-pixel lines in a 20×20 box (no scaling): the column x=0,
	// y=0..19 and the row y=19, x=1..19; 39 pixels. Centre of mass:
	// x = (20·0.5 + Σ_{x=1}^{19}(x+0.5))/39 = 209.5/39 = 5.372 → offset
	// round(14-5.372) = 9; y = (Σ_{y=0}^{19}(y+0.5) + 19·19.5)/39 =
	// 570.5/39 = 14.628 → offset -1. So the column lands at x=9, rows -1..18
	// (row -1 falls off), and the row at y=18, x=10..28 (x=28 falls off).
	c := newCanvas(100, 100)
	c.rect(30, 30, 31, 50, 255)
	c.rect(31, 49, 50, 50, 255)
	got, err := Preprocess(c.pix, c.w, c.h)
	if err != nil {
		t.Fatal(err)
	}
	exp := want(9, 0, 10, 19, 255)
	for x := 10; x < 28; x++ {
		exp[18*Size+x] = 255
	}
	check(t, got, exp)
}

func TestEmptyDrawingIsBlack(t *testing.T) {
	c := newCanvas(50, 30)
	got, err := Preprocess(c.pix, c.w, c.h)
	if err != nil {
		t.Fatal(err)
	}
	check(t, got, make([]uint8, Size*Size))
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		n, w, h int
		msg     string
	}{
		{0, 0, 10, "width and height must be positive, got 0×10"},
		{40, 10, -1, "got 10×-1"},
		{399, 10, 10, "rgba has 399 bytes, a 10×10 RGBA picture has 400"},
		{4, 1 << 15, 1, "larger than 16384×16384"},
	} {
		_, err := Preprocess(make([]byte, tc.n), tc.w, tc.h)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Preprocess(%d bytes, %d, %d) = %v, want an error containing %q", tc.n, tc.w, tc.h, err, tc.msg)
		}
	}
}
