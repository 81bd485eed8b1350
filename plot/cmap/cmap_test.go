package cmap

import (
	"image/color"
	"math"
	"testing"
)

func TestViridisEnds(t *testing.T) {
	// matplotlib paints viridis(0) as #440154 and viridis(1.0) as
	// #fde724.
	if got := Viridis.At(0); got != (color.RGBA{0x44, 0x01, 0x54, 0xff}) {
		t.Errorf("viridis(0) = %v", got)
	}
	if got := Viridis.At(1); got != (color.RGBA{0xfd, 0xe7, 0x24, 0xff}) {
		t.Errorf("viridis(1) = %v", got)
	}
	// Entry 128, checked against matplotlib: cm.viridis(128, bytes=True).
	if got := Viridis.Index(128); got != (color.RGBA{32, 144, 140, 255}) {
		t.Errorf("viridis[128] = %v", got)
	}
}

func TestAtIndexing(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want int
	}{{-0.5, 0}, {0, 0}, {0.5 / 256, 0}, {1.0 / 256, 1}, {0.5, 128}, {255.5 / 256, 255}, {1, 255}, {7, 255}} {
		if got := Gray.At(tc.x); got.R != uint8(tc.want) {
			t.Errorf("gray(%g) = %d, want %d", tc.x, got.R, tc.want)
		}
	}
	if got := Viridis.At(math.NaN()); got != (color.RGBA{}) {
		t.Errorf("viridis(NaN) = %v, want transparent", got)
	}
	if Gray.Index(-3) != Gray.Index(0) || Gray.Index(300) != Gray.Index(255) {
		t.Error("Index does not clamp")
	}
}

func TestGrayAndBlues(t *testing.T) {
	// Entries equal their index or, where matplotlib's truncation bites,
	// one less (32 for 33).
	for i := range 256 {
		c := Gray.Index(i)
		if c.R != c.G || c.G != c.B || (c.R != uint8(i) && c.R != uint8(i-1)) {
			t.Fatalf("gray[%d] = %v", i, c)
		}
	}
	if Gray.Index(33).R != 32 || Gray.Index(255).R != 255 {
		t.Errorf("gray[33] = %v, gray[255] = %v; want 32 and 255 as matplotlib paints", Gray.Index(33), Gray.Index(255))
	}
	if Blues.Index(0) != (color.RGBA{247, 251, 255, 255}) || Blues.Index(255) != (color.RGBA{8, 48, 107, 255}) {
		t.Errorf("Blues ends %v, %v", Blues.Index(0), Blues.Index(255))
	}
}

func TestByName(t *testing.T) {
	if ByName("viridis") != Viridis || ByName("gray") != Gray || ByName("Blues") != Blues || ByName("jet") != nil {
		t.Error("ByName")
	}
	if Viridis.Name() != "viridis" {
		t.Error("Name")
	}
}
