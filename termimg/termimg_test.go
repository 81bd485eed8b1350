package termimg

import (
	"bytes"
	"flag"
	"image/color"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/plot/cmap"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// small is a 3×4 image: a ramp, a row of extremes, and an odd last row.
var small = []uint8{
	0, 85, 170, 255,
	255, 0, 255, 0,
	10, 100, 200, 250,
}

func mnist(t *testing.T) []uint8 {
	t.Helper()
	img, err := os.ReadFile("testdata/mnist_train_0.u8")
	if err != nil {
		t.Fatal(err)
	}
	if len(img) != 784 {
		t.Fatalf("fixture has %d bytes", len(img))
	}
	return img
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		img  []uint8
		h, w int
		mode Mode
		cm   *cmap.Colormap
	}{
		{"small_truecolor", small, 3, 4, TrueColor, nil},
		{"small_truecolor_viridis", small, 3, 4, TrueColor, cmap.Viridis},
		{"small_grey256", small, 3, 4, Grey256, nil},
		{"small_ascii", small, 3, 4, ASCII, nil},
		{"mnist0_truecolor_viridis", mnist(t), 28, 28, TrueColor, cmap.Viridis},
		{"mnist0_truecolor_gray", mnist(t), 28, 28, TrueColor, cmap.Gray},
		{"mnist0_grey256", mnist(t), 28, 28, Grey256, nil},
		{"mnist0_ascii", mnist(t), 28, 28, ASCII, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Render(&buf, c.img, c.h, c.w, c.mode, c.cm); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("output differs from %s:\n%q\nwant\n%q", path, buf.String(), want)
			}
		})
	}
}

var sgr = regexp.MustCompile(`^\x1b\[([0-9;]*)m`)

// decode reads block output back into the colours of each pixel: the
// foreground of each "▀" is the top pixel and the background the bottom
// one. Palette colours are returned as color.RGBA{A: index} with R=G=B=0
// for 256-colour mode, and a default background as the zero colour.
func decode(t *testing.T, s string) [][]color.RGBA {
	t.Helper()
	var rows [][]color.RGBA
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		var top, bottom []color.RGBA
		var fg, bg color.RGBA
		for len(line) > 0 {
			if m := sgr.FindStringSubmatch(line); m != nil {
				f := strings.Split(m[1], ";")
				for i := 0; i < len(f); i++ {
					n := func(k int) uint8 { v, _ := strconv.Atoi(f[i+k]); return uint8(v) }
					switch {
					case f[i] == "0":
						fg, bg = color.RGBA{}, color.RGBA{}
					case f[i] == "49":
						bg = color.RGBA{}
					case (f[i] == "38" || f[i] == "48") && f[i+1] == "2":
						c := color.RGBA{n(2), n(3), n(4), 255}
						if f[i] == "38" {
							fg = c
						} else {
							bg = c
						}
						i += 4
					case (f[i] == "38" || f[i] == "48") && f[i+1] == "5":
						c := color.RGBA{A: n(2)}
						if f[i] == "38" {
							fg = c
						} else {
							bg = c
						}
						i += 2
					default:
						t.Fatalf("unexpected escape %q", m[0])
					}
				}
				line = line[len(m[0]):]
				continue
			}
			if !strings.HasPrefix(line, "▀") {
				t.Fatalf("unexpected text %q", line)
			}
			top, bottom = append(top, fg), append(bottom, bg)
			line = line[len("▀"):]
		}
		rows = append(rows, top, bottom)
	}
	return rows
}

// TestTrueColorRoundTrip decodes the escapes and checks every pixel's
// colour, independently of the goldens.
func TestTrueColorRoundTrip(t *testing.T) {
	for _, cm := range []*cmap.Colormap{cmap.Gray, cmap.Viridis} {
		for _, tc := range []struct {
			img  []uint8
			h, w int
		}{{small, 3, 4}, {mnist(t), 28, 28}} {
			var buf bytes.Buffer
			if err := Render(&buf, tc.img, tc.h, tc.w, TrueColor, cm); err != nil {
				t.Fatal(err)
			}
			rows := decode(t, buf.String())
			if want := (tc.h + 1) / 2 * 2; len(rows) != want {
				t.Fatalf("%s: decoded %d rows, want %d", cm.Name(), len(rows), want)
			}
			for y := range rows {
				for x := range tc.w {
					want := color.RGBA{}
					if y < tc.h {
						want = cm.Index(int(tc.img[y*tc.w+x]))
					}
					if rows[y][x] != want {
						t.Fatalf("%s: pixel (%d, %d) is %v, want %v", cm.Name(), y, x, rows[y][x], want)
					}
				}
			}
		}
	}
	// The first MNIST pixel in viridis is matplotlib's #440154.
	var buf bytes.Buffer
	if err := Render(&buf, mnist(t), 28, 28, TrueColor, cmap.Viridis); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "\x1b[38;2;68;1;84;48;2;68;1;84m▀") {
		t.Errorf("output starts %q", buf.String()[:40])
	}
}

func TestGrey256(t *testing.T) {
	for _, tc := range []struct {
		grey uint8
		want int
	}{{0, 16}, {3, 16}, {5, 232}, {8, 232}, {13, 232}, {14, 233}, {128, 244}, {238, 255}, {246, 255}, {247, 231}, {255, 231}} {
		if got := Grey256Index(color.RGBA{tc.grey, tc.grey, tc.grey, 255}); got != tc.want {
			t.Errorf("Grey256Index(grey %d) = %d, want %d", tc.grey, got, tc.want)
		}
	}
	var buf bytes.Buffer
	if err := Render(&buf, small, 3, 4, Grey256, nil); err != nil {
		t.Fatal(err)
	}
	rows := decode(t, buf.String())
	for y := range 3 {
		for x := range 4 {
			v := small[y*4+x]
			if got, want := int(rows[y][x].A), Grey256Index(color.RGBA{v, v, v, 255}); got != want {
				t.Errorf("pixel (%d, %d) = colour %d, want %d", y, x, got, want)
			}
		}
	}
}

func TestASCII(t *testing.T) {
	var buf bytes.Buffer
	if err := Render(&buf, small, 3, 4, ASCII, nil); err != nil {
		t.Fatal(err)
	}
	// Row pairs are averaged, then scaled to the ramp's 10 characters:
	// (0+255)/2 = 127.5 → 4 '=', (85+0)/2 = 42.5 → 1 '.', (170+255)/2 =
	// 212.5 → 8 '%'. The odd last row stands alone: 10 → ' ', 100 → '-',
	// 200 → '#', 250 → '@'.
	if got, want := buf.String(), "=.%=\n -#@\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	buf.Reset()
	if err := Render(&buf, mnist(t), 28, 28, ASCII, cmap.Viridis); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b") {
		t.Error("ASCII output has escape sequences")
	}
	if lines := strings.Count(buf.String(), "\n"); lines != 14 {
		t.Errorf("%d lines, want 14", lines)
	}
}

func TestRenderErrors(t *testing.T) {
	var buf bytes.Buffer
	for _, tc := range []struct {
		img  []uint8
		h, w int
		mode Mode
		want string
	}{
		{make([]uint8, 5), 2, 3, ASCII, "img has 5 pixels"},
		{nil, 0, 3, ASCII, "not positive"},
		{make([]uint8, 6), 2, 3, Mode(7), "unknown mode"},
	} {
		err := Render(&buf, tc.img, tc.h, tc.w, tc.mode, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Render(%d pixels, %d×%d, %v) = %v, want an error with %q", len(tc.img), tc.h, tc.w, tc.mode, err, tc.want)
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestRenderWriteError(t *testing.T) {
	if err := Render(failWriter{}, small, 3, 4, TrueColor, nil); err == nil {
		t.Error("no error from a failing writer")
	}
}

func TestDetectModeFrom(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want Mode
	}{
		{map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor"}, TrueColor},
		{map[string]string{"TERM": "xterm-256color", "COLORTERM": "24bit"}, TrueColor},
		{map[string]string{"TERM": "xterm-256color"}, Grey256},
		{map[string]string{"TERM": "screen-256color"}, Grey256},
		{map[string]string{"TERM": "xterm-direct"}, TrueColor},
		{map[string]string{"TERM": "xterm"}, ASCII},
		{map[string]string{"TERM": "dumb", "COLORTERM": "truecolor"}, ASCII},
		{map[string]string{}, ASCII},
		{map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "1"}, ASCII},
	} {
		if got := DetectModeFrom(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("DetectModeFrom(%v) = %v, want %v", tc.env, got, tc.want)
		}
	}
}

func TestQuantize(t *testing.T) {
	// X_train[0] / 255.0 quantizes back to X_train[0].
	img := mnist(t)
	f := make([]float32, len(img))
	for i, v := range img {
		f[i] = float32(v) / 255
	}
	if got := Quantize(f, 0, 1); !bytes.Equal(got, img) {
		t.Errorf("Quantize(img/255) differs from img")
	}
	got := Quantize([]float64{-1, 0, 0.5, 1, 2}, 0, 1)
	if want := []uint8{0, 0, 128, 255, 255}; !bytes.Equal(got, want) {
		t.Errorf("Quantize = %v, want %v", got, want)
	}
}

func TestModeString(t *testing.T) {
	if TrueColor.String() != "TrueColor" || Grey256.String() != "Grey256" || ASCII.String() != "ASCII" || Mode(9).String() != "Mode(9)" {
		t.Error("Mode.String")
	}
}
