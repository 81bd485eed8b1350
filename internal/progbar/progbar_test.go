package progbar

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// clock is a fake time source that tests move by hand.
type clock struct{ t time.Time }

func newClock() *clock                   { return &clock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)} }
func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

// run feeds a bar one update per step, each taking step after a slower
// first step, then the final update after tail more time.
func run(b *Bar, c *clock, target int, first, step, tail time.Duration, vals func(i int) []Value, final []Value) {
	for i := 1; i <= target; i++ {
		if i == 1 {
			c.advance(first)
		} else {
			c.advance(step)
		}
		b.Update(i, vals(i), false)
	}
	c.advance(tail)
	b.Update(target, final, true)
}

func mnistValues(int) []Value {
	return []Value{{"loss", 0.3}, {"accuracy", 0.9}}
}

func TestPlainFinalLine(t *testing.T) {
	// Not a terminal: nothing mid-epoch, then one line without escape codes.
	var buf bytes.Buffer
	c := newClock()
	b := newBar(&buf, 1875, 1, false, c.now)
	run(b, c, 1875, 500*time.Millisecond, time.Millisecond, 526*time.Millisecond, mnistValues,
		[]Value{{"loss", 0.22054}, {"accuracy", 0.93491}})
	want := "1875/1875 ━━━━━━━━━━━━━━━━━━━━ 3s 1ms/step - accuracy: 0.9349 - loss: 0.2205\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestPlainWithValidation(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	b := newBar(&buf, 1875, 1, false, c.now)
	run(b, c, 1875, 200*time.Millisecond, 2*time.Millisecond, 100*time.Millisecond, mnistValues,
		[]Value{{"val_loss", 0.1425}, {"loss", 0.2952}, {"val_accuracy", 0.9571}, {"accuracy", 0.9147}})
	want := "1875/1875 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - accuracy: 0.9147 - loss: 0.2952 - val_accuracy: 0.9571 - val_loss: 0.1425\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestVerbose2(t *testing.T) {
	// Mid-epoch updates are ignored, so the step time averages in step 1.
	var buf bytes.Buffer
	c := newClock()
	b := newBar(&buf, 1875, 2, true, c.now)
	run(b, c, 1875, 250*time.Millisecond, 2*time.Millisecond, 2*time.Millisecond, mnistValues,
		[]Value{{"loss", 0.2952}, {"accuracy", 0.9147}, {"val_loss", -0.5}})
	want := "1875/1875 - 4s - 2ms/step - accuracy: 0.9147 - loss: 0.2952 - val_loss: -5.0000e-01\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestSilentLevels(t *testing.T) {
	for _, verbose := range []int{0, 3, -1} {
		var buf bytes.Buffer
		c := newClock()
		b := newBar(&buf, 10, verbose, true, c.now)
		run(b, c, 10, time.Second, time.Second, 0, mnistValues, mnistValues(0))
		if buf.Len() != 0 {
			t.Errorf("verbose %d wrote %q", verbose, buf.String())
		}
	}
}

func TestPredictLines(t *testing.T) {
	none := func(int) []Value { return nil }
	for _, tt := range []struct {
		verbose int
		dynamic bool
		want    string
	}{
		{1, false, "313/313 ━━━━━━━━━━━━━━━━━━━━ 0s 700us/step\n"},
		{2, false, "313/313 - 0s - 700us/step\n"},
		{2, true, "313/313 - 0s - 700us/step\n"},
	} {
		var buf bytes.Buffer
		c := newClock()
		b := newBar(&buf, 313, tt.verbose, tt.dynamic, c.now)
		run(b, c, 313, 700*time.Microsecond, 700*time.Microsecond, 0, none, nil)
		if got := buf.String(); got != tt.want {
			t.Errorf("verbose %d: got %q, want %q", tt.verbose, got, tt.want)
		}
	}
}

func TestDynamicGolden(t *testing.T) {
	// Redraws in place with colours, throttled to one per 0.05 s; the line
	// shrinks at step 5, so the redraw pads it with spaces.
	var buf bytes.Buffer
	c := newClock()
	b := newBar(&buf, 10, 1, true, c.now)
	vals := func(i int) []Value {
		loss := 0.5
		if i < 5 {
			loss = 1234.5678
		}
		return []Value{{"loss", loss}, {"accuracy", float64(i-1) / 100}}
	}
	run(b, c, 10, 800*time.Millisecond, 30*time.Millisecond, 450*time.Millisecond, vals,
		[]Value{{"loss", 0.25}, {"accuracy", 0.875}, {"val_loss", 0.3}})
	golden(t, "dynamic.golden", buf.Bytes())

	// The visible text of the last redraw is the plain final line.
	lines := strings.Split(buf.String(), "\r")
	last := stripANSI(lines[len(lines)-1])
	if want := "10/10 ━━━━━━━━━━━━━━━━━━━━ 2s 80ms/step - accuracy: 0.8750 - loss: 0.2500 - val_loss: 0.3000\n"; last != want {
		t.Errorf("last redraw %q, want %q", last, want)
	}
	if n := len(lines) - 1; n != 6 {
		t.Errorf("%d redraws, want 6 (steps 1, 3, 5, 7, 9 and the final one)", n)
	}
}

func TestDynamicUnknownTarget(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	b := newBar(&buf, 0, 1, true, c.now)
	c.advance(time.Second)
	b.Update(1, []Value{{"loss", 1}}, false)
	c.advance(100 * time.Millisecond)
	b.Update(2, []Value{{"loss", 0.5}}, false)
	c.advance(100 * time.Millisecond)
	b.Update(2, []Value{{"loss", 0.5}}, true)
	want := "\r      1/Unknown \x1b[1m1s\x1b[0m 1s/step - loss: 1.0000" +
		"\r      2/Unknown \x1b[1m1s\x1b[0m 100ms/step - loss: 0.5000" +
		"\r\x1b[1m2/2\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m1s\x1b[0m 200ms/step - loss: 0.5000\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestKeyOrder(t *testing.T) {
	// Sorted, but keys first seen at the end go after the existing ones.
	var buf bytes.Buffer
	c := newClock()
	b := newBar(&buf, 2, 1, false, c.now)
	b.Update(1, []Value{{"zeta", 1}, {"loss", 2}}, false)
	b.Update(2, []Value{{"val_loss", 3}, {"loss", 4}, {"learning_rate", 0.001}}, true)
	want := "2/2 ━━━━━━━━━━━━━━━━━━━━ 0s 0s/step - loss: 4.0000 - zeta: 1.0000 - learning_rate: 1.0000e-03 - val_loss: 3.0000\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

func TestFormatValue(t *testing.T) {
	for _, tt := range []struct {
		v         float64
		bar, line string // verbose 1 and verbose 2 forms
	}{
		{0, "0.0000e+00", "0.0000e+00"},
		{math.Copysign(0, -1), "-0.0000e+00", "-0.0000e+00"},
		{1.23456e-4, "1.2346e-04", "1.2346e-04"},
		{0.22054, "0.2205", "0.2205"},
		{1e-3, "1.0000e-03", "1.0000e-03"},
		{0.0010001, "0.0010", "0.0010"},
		{1234.56789, "1234.5679", "1234.5679"},
		{1e-100, "1.0000e-100", "1.0000e-100"},
		{-0.5, "-0.5000", "-5.0000e-01"},
		{-2e-5, "-2.0000e-05", "-2.0000e-05"},
		{math.NaN(), "nan", "nan"},
		{math.Inf(1), "inf", "inf"},
		{math.Inf(-1), "-inf", "-inf"},
	} {
		if got := formatValue(tt.v); got != tt.bar {
			t.Errorf("formatValue(%v) = %q, want %q", tt.v, got, tt.bar)
		}
		var buf bytes.Buffer
		c := newClock()
		b := newBar(&buf, 1, 2, false, c.now)
		b.Update(1, []Value{{"m", tt.v}}, true)
		if got, want := buf.String(), "1/1 - 0s - 0s/step - m: "+tt.line+"\n"; got != want {
			t.Errorf("verbose 2 with %v: got %q, want %q", tt.v, got, want)
		}
	}
}

func TestFormatStepTime(t *testing.T) {
	for sec, want := range map[float64]string{
		0:         " 0s/step",
		1:         " 1s/step",
		2.5:       " 2s/step", // Python rounds half to even
		12.7:      " 13s/step",
		0.999:     " 999ms/step",
		0.0021:    " 2ms/step",
		0.001:     " 1ms/step",
		0.0007:    " 700us/step",
		0.0009996: " 1000us/step",
		3e-7:      " 0us/step",
	} {
		if got := formatStepTime(sec); got != want {
			t.Errorf("formatStepTime(%v) = %q, want %q", sec, got, want)
		}
	}
}

func TestFormatETA(t *testing.T) {
	for _, tt := range []struct {
		sec  float64
		want string
	}{
		{0, "0s"},
		{0.9, "0s"},
		{45.7, "45s"},
		{60, "60s"},
		{60.5, "1:00"},
		{65.9, "1:05"},
		{3599.9, "59:59"},
		{3600, "60:00"},
		{3600.5, "1:00:00"},
		{3725, "1:02:05"},
		{7200 - 1e-9, "1:59:59"},
		{90061, "25:01:01"},
	} {
		if got := formatETA(tt.sec); got != tt.want {
			t.Errorf("formatETA(%v) = %q, want %q", tt.sec, got, tt.want)
		}
	}
}

func TestStepTimeSkipsFirstStep(t *testing.T) {
	var buf bytes.Buffer
	c := newClock()
	b := newBar(&buf, 100, 1, true, c.now)
	c.advance(5 * time.Second) // slow first step
	b.Update(1, nil, false)
	if !strings.Contains(buf.String(), "\x1b[1m8:15\x1b[0m 5s/step") {
		t.Errorf("after step 1: %q", buf.String())
	}
	buf.Reset()
	c.advance(20 * time.Millisecond)
	b.Update(2, nil, false)
	c.advance(80 * time.Millisecond)
	b.Update(3, nil, false) // (0.02 + 0.08) / 2 steps
	if !strings.Contains(buf.String(), "\x1b[1m4s\x1b[0m 50ms/step") {
		t.Errorf("after step 3: %q", buf.String())
	}
}

func TestEpochHeader(t *testing.T) {
	var buf bytes.Buffer
	EpochHeader(&buf, 1, 1)
	EpochHeader(&buf, 1, 5)
	EpochHeader(&buf, 5, 5)
	if got, want := buf.String(), "Epoch 1/5\nEpoch 5/5\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(nil) {
		t.Error("IsTerminal(nil) = true")
	}
	f, err := os.CreateTemp(t.TempDir(), "progbar")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("IsTerminal(regular file) = true")
	}
	if dev, err := os.OpenFile("/dev/null", os.O_WRONLY, 0); err == nil {
		defer dev.Close()
		if !IsTerminal(dev) {
			t.Error("IsTerminal(/dev/null) = false; want true for a character device")
		}
	}
}

func TestNewUsesWallClock(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, 3, 1, false)
	b.Update(1, nil, false)
	b.Update(3, []Value{{"loss", 1}}, true)
	if got := buf.String(); !strings.HasPrefix(got, "3/3 ━━━━━━━━━━━━━━━━━━━━ 0s ") || !strings.HasSuffix(got, "/step - loss: 1.0000\n") {
		t.Errorf("got %q", got)
	}
}

func stripANSI(s string) string {
	for _, code := range []string{bold, green, white, reset} {
		s = strings.ReplaceAll(s, code, "")
	}
	return s
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s mismatch\n got  %q\n want %q", name, got, want)
	}
}
