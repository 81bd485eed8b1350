// Package progbar prints the Keras 3 progress line used by fit, evaluate and
// predict:
//
//	1875/1875 ━━━━━━━━━━━━━━━━━━━━ 3s 1ms/step - accuracy: 0.9349 - loss: 0.2205
//
// On a terminal the line is redrawn in place with Keras's colours and bold
// text. Anywhere else it prints one plain line per bar, at the end, so a log
// file gets one line per epoch instead of thousands of redraws.
package progbar

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

const (
	// barWidth is the number of ━ characters in the bar.
	barWidth = 20
	// interval is the shortest time between two redraws at verbose 1.
	interval = 50 * time.Millisecond
	// unitName is what the per-unit time is measured in.
	unitName = "step"
)

// ANSI codes Keras puts around the parts of the line.
const (
	bold  = "\x1b[1m"
	green = "\x1b[32m"
	white = "\x1b[37m"
	reset = "\x1b[0m"
)

// Value is one named metric value shown on the line, e.g. loss: 0.2205.
type Value struct {
	// Name is the metric name, e.g. "val_loss".
	Name string
	// Value is shown as given; callers pass running means over the epoch.
	Value float64
}

// Bar is the progress display of one epoch (or one evaluate or predict
// pass). Create a new Bar for every epoch: the elapsed time counts from New.
// A Bar is not safe for concurrent use.
type Bar struct {
	w       io.Writer
	target  int
	verbose int
	dynamic bool
	now     func() time.Time

	start      time.Time
	lastDraw   time.Time // zero until the first draw
	afterFirst time.Time // when step 1 was reported; zero if it never was
	prevWidth  int       // visible width of the last drawn line

	order  []string // metric names in display order
	values map[string]float64
	buf    []byte
}

// New returns a bar for target steps; a target of 0 or less means unknown,
// and the step count reached at the final update is then used as the target.
//
// verbose 0 prints nothing; 1 prints the bar; 2 prints one summary line at
// the end (other values print nothing). dynamic says that w is a terminal (see IsTerminal): the bar is
// then redrawn in place, at most every 0.05 s, with colours. When dynamic is
// false, verbose 1 prints nothing until the final update and then a single
// plain line without escape codes.
func New(w io.Writer, target int, verbose int, dynamic bool) *Bar {
	return newBar(w, target, verbose, dynamic, time.Now)
}

// newBar is New with an injectable clock, for tests.
func newBar(w io.Writer, target, verbose int, dynamic bool, now func() time.Time) *Bar {
	return &Bar{
		w:       w,
		target:  target,
		verbose: verbose,
		dynamic: dynamic,
		now:     now,
		start:   now(),
		values:  make(map[string]float64),
	}
}

// Update reports that current steps are done, with the metric values to
// show. Metrics are listed in alphabetical order; as in Keras, a name first
// seen in a later update (say val_loss at the end of an epoch) is appended
// after the ones already shown, and a name missing from an update keeps its
// last value. final marks the end of the epoch: the line then shows the
// elapsed time instead of the ETA and ends with a newline.
func (b *Bar) Update(current int, values []Value, final bool) {
	// Keras's fit only hands the end-of-epoch update to a verbose 2 bar, so
	// its per-step time is the plain average including the first step.
	// Verbosity levels other than 1 and 2 print nothing, as in Keras.
	if (b.verbose != 1 && b.verbose != 2) || (b.verbose == 2 && !final) {
		return
	}
	if final && b.target <= 0 {
		b.target = current
	}
	b.record(values)
	now := b.now()
	perStep := b.stepDuration(current, now)

	if b.verbose == 2 {
		b.writeSummary(current, now, perStep)
		return
	}
	if !final && (!b.dynamic || (!b.lastDraw.IsZero() && now.Sub(b.lastDraw) < interval)) {
		return
	}
	b.lastDraw = now
	b.writeBar(current, now, perStep, final)
}

// record stores the values and extends the display order. Keras sorts each
// update's keys and appends the unseen ones to the order it already has.
func (b *Bar) record(values []Value) {
	n := len(b.order)
	for _, v := range values {
		if _, seen := b.values[v.Name]; !seen {
			b.order = append(b.order, v.Name)
		}
		b.values[v.Name] = v.Value
	}
	slices.Sort(b.order[n:])
}

// stepDuration estimates the seconds per step. The first step usually
// includes one-off setup, so once it has been reported it is left out of
// the average.
func (b *Bar) stepDuration(current int, now time.Time) float64 {
	if current == 0 {
		return 0
	}
	var d float64
	if !b.afterFirst.IsZero() && current > 1 {
		d = now.Sub(b.afterFirst).Seconds() / float64(current-1)
	} else {
		d = now.Sub(b.start).Seconds() / float64(current)
	}
	if current == 1 {
		b.afterFirst = now
	}
	return d
}

// writeBar draws the verbose 1 line:
//
//	\r<bold>673/1875<reset> <green>━━━━━━<reset><white>━━━━━━━━━━━━━━<reset> <bold>1s<reset> 2ms/step - loss: 0.5522
//
// The escape codes are left out when the output is not dynamic. A redraw
// starts with \r and is padded with spaces over whatever the previous, longer
// line left behind, as Keras does. (Keras also writes a run of \b first; \r
// alone returns to the start of the line on every terminal, and spaces clear
// the tail without relying on terminal-specific erase codes.)
func (b *Bar) writeBar(current int, now time.Time, perStep float64, final bool) {
	b.buf = b.buf[:0]
	if b.dynamic {
		b.buf = append(b.buf, '\r')
	}
	width := 0
	text := func(s string) {
		b.buf = append(b.buf, s...)
		width += utf8.RuneCountInString(s)
	}
	code := func(c string) {
		if b.dynamic {
			b.buf = append(b.buf, c...)
		}
	}

	if b.target > 0 {
		code(bold)
		text(b.counter(current))
		code(reset)
		text(" ")
		done := int(barWidth * (float64(current) / float64(b.target)))
		if done > 0 {
			code(green)
			text(strings.Repeat("━", done))
			code(reset)
		}
		code(white)
		text(strings.Repeat("━", max(barWidth-done, 0)))
		code(reset)
	} else {
		text(fmt.Sprintf("%7d/Unknown", current))
	}

	text(" ")
	code(bold)
	if b.target > 0 && !final {
		text(formatETA(perStep * float64(b.target-current)))
	} else {
		text(formatElapsed(now.Sub(b.start)))
	}
	code(reset)
	text(formatStepTime(perStep))
	for _, name := range b.order {
		text(" - " + name + ": " + formatValue(b.values[name]))
	}

	if b.dynamic && width < b.prevWidth {
		b.buf = append(b.buf, strings.Repeat(" ", b.prevWidth-width)...)
	}
	b.prevWidth = width
	if final {
		b.buf = append(b.buf, '\n')
	}
	b.w.Write(b.buf) // a progress display has no use for write errors
}

// writeSummary prints the verbose 2 line:
//
//	1875/1875 - 4s - 2ms/step - accuracy: 0.9147 - loss: 0.2952
func (b *Bar) writeSummary(current int, now time.Time, perStep float64) {
	var s strings.Builder
	s.WriteString(b.counter(current))
	s.WriteString(" - " + formatElapsed(now.Sub(b.start)))
	s.WriteString(" -" + formatStepTime(perStep))
	for _, name := range b.order {
		v := b.values[name]
		// Keras tests v, not |v|, on this line only, so a negative value
		// prints in exponent form here but not on the verbose 1 bar.
		s.WriteString(" - " + name + ": ")
		if v > 1e-3 {
			s.WriteString(pyFloat(v, 'f'))
		} else {
			s.WriteString(pyFloat(v, 'e'))
		}
	}
	s.WriteByte('\n')
	io.WriteString(b.w, s.String())
}

// counter formats "current/target" with current right-aligned to the width
// of target, so the line does not shift as the count grows.
func (b *Bar) counter(current int) string {
	digits := len(strconv.Itoa(b.target))
	return fmt.Sprintf("%*d/%d", digits, current, b.target)
}

// formatValue formats a metric value for the verbose 1 bar: four decimals,
// or exponent notation for magnitudes of 1e-3 and below (0.0000e+00).
func formatValue(v float64) string {
	if math.Abs(v) > 1e-3 {
		return pyFloat(v, 'f')
	}
	return pyFloat(v, 'e')
}

// pyFloat formats v with 4 digits after the point as Python's {:.4f} and
// {:.4e} do. Go already writes at least two exponent digits (1.0000e-04);
// only the spelling of NaN and the infinities differs.
func pyFloat(v float64, format byte) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return strconv.FormatFloat(v, format, 4, 64)
}

// formatStepTime formats the time per step with its leading space:
// " 2s/step", " 2ms/step" or " 700us/step", rounded to whole units.
// Zero is shown in seconds, as Keras does before any step is done.
func formatStepTime(sec float64) string {
	switch {
	case sec >= 1 || sec == 0:
		return fmt.Sprintf(" %.0fs/%s", sec, unitName)
	case sec >= 1e-3:
		return fmt.Sprintf(" %.0fms/%s", sec*1e3, unitName)
	default:
		return fmt.Sprintf(" %.0fus/%s", sec*1e6, unitName)
	}
}

// formatETA formats the remaining time: "45s" up to a minute, "1:05" up to
// an hour and "2:03:04" beyond. Each field is truncated, not rounded.
func formatETA(sec float64) string {
	switch {
	case sec > 3600:
		h, rest := pyDivmod(sec, 3600)
		m, _ := pyDivmod(rest, 60)
		_, s := pyDivmod(sec, 60)
		return fmt.Sprintf("%d:%02d:%02d", int(h), int(m), int(s))
	case sec > 60:
		m, s := pyDivmod(sec, 60)
		return fmt.Sprintf("%d:%02d", int(m), int(s))
	default:
		return fmt.Sprintf("%ds", int(sec))
	}
}

// pyDivmod is Python's float divmod (// and %), which Keras uses for the
// ETA fields. It differs from math.Floor(a/b) when a/b rounds up to an
// integer, e.g. just under 7200 s must give 1 hour and 59 minutes, not 2.
func pyDivmod(a, b float64) (div, mod float64) {
	mod = math.Mod(a, b)
	q := (a - mod) / b
	if mod != 0 && (b < 0) != (mod < 0) {
		mod += b
		q--
	}
	if q == 0 {
		return 0, mod
	}
	div = math.Floor(q)
	if q-div > 0.5 {
		div++
	}
	return div, mod
}

// formatElapsed formats a duration as whole seconds, rounded: "4s".
func formatElapsed(d time.Duration) string {
	return fmt.Sprintf("%.0fs", d.Seconds())
}

// IsTerminal reports whether f is a character device, which is how the
// bar decides to redraw in place. It needs no system-specific calls.
func IsTerminal(f *os.File) bool {
	if f == nil {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// EpochHeader prints "Epoch 3/10" for the 1-based epoch number, but only
// when there is more than one epoch, as Keras does.
func EpochHeader(w io.Writer, epoch, epochs int) {
	if epochs > 1 {
		fmt.Fprintf(w, "Epoch %d/%d\n", epoch, epochs)
	}
}
