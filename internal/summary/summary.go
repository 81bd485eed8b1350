// Package summary renders a model summary table in the Keras 3 layout.
//
// The output matches what Keras 3 prints through the rich library with
// colour disabled: a box table whose three columns sit at 45%, 80% and 100%
// of the table width, a row separator between every pair of layers, and the
// parameter totals with their float32 memory size underneath.
package summary

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Row is one layer of a model summary.
type Row struct {
	// Name is the layer name, e.g. "dense_1".
	Name string
	// Class is the layer type, e.g. "Dense".
	Class string
	// OutputShape is the output shape of one example, without the batch
	// axis; it is rendered with a leading None, e.g. (None, 26, 26, 32).
	// A negative dimension is unknown and is rendered as None too.
	OutputShape []int
	// Params is the number of weights the layer owns.
	Params int
	// Unbuilt marks a layer whose weights do not exist yet: its shape is
	// shown as "?" and its count as "0 (unbuilt)".
	Unbuilt bool
	// OutputText, if set, is shown instead of OutputShape: a layer with
	// several outputs lists them, "[(None, 4), (None, 2)]".
	OutputText string
	// ConnectedTo is the "Connected to" cell of a functional model's
	// table: "dense[0][0], dense_1[0][0]", or "-" for an input layer.
	ConnectedTo string
}

// Table is a whole model summary.
type Table struct {
	// ModelName goes into the title line: Model: "sequential".
	ModelName string
	// Rows holds one entry per layer, in order.
	Rows []Row
	// Trainable and NonTrainable are the model's weight counts.
	Trainable, NonTrainable int
	// OptimizerParams counts the optimizer's variables. When it is positive
	// an "Optimizer params" line is printed and the total includes it, as
	// Keras does once the optimizer is built; 0 omits the line.
	OptimizerParams int
	// Width is the table width in columns; 0 picks it automatically (see
	// AutoWidth), which gives 76 unless the writer is a terminal.
	Width int
	// Connected selects the layout of Keras's functional models that are
	// not a chain: a fourth column "Connected to", columns at 30%, 56%,
	// 74% and 100%, and 108 columns on a terminal.
	Connected bool
}

const (
	// terminalWidth is Keras's default width for sequential-like models.
	terminalWidth = 88
	// plainWidth is what Keras ends up with off a terminal: Python's
	// terminal size falls back to 80 columns, minus Keras's margin of 4.
	plainWidth = 76
	// minWidth keeps every cell at least one character wide. Keras raises
	// an error on very narrow consoles instead; a summary should not fail.
	minWidth = 24
	// bytesPerParam is the size of a float32 weight.
	bytesPerParam = 4
)

// layout is the columns of a table: their right edges as fractions of the
// width, their headers and which are justified to the right.
type layout struct {
	positions    []float64
	headers      []string
	rightAligned []bool
}

var (
	plainLayout = layout{
		positions:    []float64{0.45, 0.80, 1.0},
		headers:      []string{"Layer (type)", "Output Shape", "Param #"},
		rightAligned: []bool{false, false, true},
	}
	connectedLayout = layout{
		positions:    []float64{0.3, 0.56, 0.74, 1.0},
		headers:      []string{"Layer (type)", "Output Shape", "Param #", "Connected to"},
		rightAligned: []bool{false, false, true, false},
	}
)

// connectedTerminalWidth is Keras's default width for the functional
// layout.
const connectedTerminalWidth = 108

// AutoWidth returns the table width Keras would choose for output sent to f:
// 88 on a terminal, reduced to $COLUMNS-4 when COLUMNS is set and smaller,
// and 76 when f is not a terminal (a pipe, a file, or nil).
func AutoWidth(f *os.File) int { return autoWidth(f, terminalWidth) }

// AutoWidthConnected is AutoWidth for the functional layout (see
// Table.Connected): 108 on a terminal, 76 otherwise.
func AutoWidthConnected(f *os.File) int { return autoWidth(f, connectedTerminalWidth) }

func autoWidth(f *os.File, w int) int {
	if f == nil {
		return plainWidth
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return plainWidth
	}
	if c, err := strconv.Atoi(strings.TrimSpace(os.Getenv("COLUMNS"))); err == nil && c > 0 && c-4 < w {
		w = c - 4
	}
	return max(w, minWidth)
}

// Write prints the summary t to w.
func Write(w io.Writer, t Table) error {
	lay := plainLayout
	if t.Connected {
		lay = connectedLayout
	}
	width := t.Width
	if width == 0 {
		f, _ := w.(*os.File)
		width = AutoWidth(f)
		if t.Connected {
			width = AutoWidthConnected(f)
		}
	}
	width = max(width, minWidth)
	cells := cellWidthsAt(width, lay.positions)

	bw := bufio.NewWriter(w)
	// Keras prints the name verbatim, without escaping quotes.
	bw.WriteString("Model: \"" + t.ModelName + "\"\n")
	bw.WriteString(rule(cells, "┏", "━", "┳", "┓"))
	writeRow(bw, cells, lay.headers, lay.rightAligned, "┃", true)
	bw.WriteString(rule(cells, "┡", "━", "╇", "┩"))
	for i, r := range t.Rows {
		if i > 0 {
			bw.WriteString(rule(cells, "├", "─", "┼", "┤"))
		}
		writeRow(bw, cells, rowFields(r, t.Connected), lay.rightAligned, "│", false)
	}
	bw.WriteString(rule(cells, "└", "─", "┴", "┘"))

	total := t.Trainable + t.NonTrainable + t.OptimizerParams
	writeCount(bw, "Total params", total)
	writeCount(bw, "Trainable params", t.Trainable)
	writeCount(bw, "Non-trainable params", t.NonTrainable)
	if t.OptimizerParams > 0 {
		writeCount(bw, "Optimizer params", t.OptimizerParams)
	}
	return bw.Flush()
}

// cellWidths returns the width of each cell between the borders, padding
// included, following rich's layout: the Keras column widths are cut at
// the positions, each gains one space of padding per side, and the excess
// over the room left by the 4 border characters is taken back evenly.
// At 88 this gives 38/29/17 and at 76 it gives 33/24/15.
func cellWidths(width int) [3]int {
	return [3]int(cellWidthsAt(width, plainLayout.positions))
}

// cellWidthsAt is cellWidths for columns at the given positions.
func cellWidthsAt(width int, positions []float64) []int {
	cells := make([]int, len(positions))
	cur, total := 0, 0
	for i, p := range positions {
		w := int(p*float64(width)) - cur
		cur += w
		cells[i] = w + 2
		total += cells[i]
	}
	if avail := width - len(cells) - 1; total > avail {
		cells = ratioReduce(total-avail, cells)
	}
	return cells
}

// ratioReduce is rich's even reduction: each column in turn gives up its
// share of what is still to be removed, rounded half to even as Python's
// round does.
func ratioReduce(excess int, values []int) []int {
	remaining, ratios := excess, len(values)
	for i, v := range values {
		d := int(math.RoundToEven(float64(remaining) / float64(ratios)))
		d = min(d, v)
		values[i] = v - d
		remaining -= d
		ratios--
	}
	return values
}

// rule draws a horizontal border line.
func rule(cells []int, left, fill, mid, right string) string {
	var b strings.Builder
	b.WriteString(left)
	for i, c := range cells {
		if i > 0 {
			b.WriteString(mid)
		}
		b.WriteString(strings.Repeat(fill, c))
	}
	b.WriteString(right)
	b.WriteByte('\n')
	return b.String()
}

// rowFields returns the cell texts of a layer row.
func rowFields(r Row, connected bool) []string {
	name := r.Name + " (" + r.Class + ")"
	var f []string
	switch {
	case r.Unbuilt:
		f = []string{name, "?", "0 (unbuilt)"}
	case r.OutputText != "":
		f = []string{name, r.OutputText, commas(r.Params)}
	default:
		f = []string{name, formatShape(r.OutputShape), commas(r.Params)}
	}
	if connected {
		c := r.ConnectedTo
		if c == "" {
			c = "-"
		}
		f = append(f, c)
	}
	return f
}

// FormatShape renders a per-example shape as Keras prints the batched
// tuple: (None, 26, 26, 32).
func FormatShape(shape []int) string { return formatShape(shape) }

// writeRow renders one table row, which spans as many lines as its
// tallest wrapped cell. Shorter cells get blank lines below their text, or
// above it for the header (rich aligns header cells to the bottom).
func writeRow(bw *bufio.Writer, cells []int, fields []string, rightAligned []bool, bar string, bottom bool) {
	lines := make([][]string, len(fields))
	height := 0
	for i, f := range fields {
		lines[i] = wrap(f, cells[i]-2)
		height = max(height, len(lines[i]))
	}
	for l := range height {
		bw.WriteString(bar)
		for i, c := range cells {
			k := l
			if bottom {
				k -= height - len(lines[i])
			}
			text := ""
			if k >= 0 && k < len(lines[i]) {
				text = lines[i][k]
			}
			pad := strings.Repeat(" ", c-2-utf8.RuneCountInString(text))
			bw.WriteByte(' ')
			if rightAligned[i] {
				bw.WriteString(pad + text)
			} else {
				bw.WriteString(text + pad)
			}
			bw.WriteByte(' ')
			bw.WriteString(bar)
		}
		bw.WriteByte('\n')
	}
}

// wrap splits s into lines of at most width characters the way rich does:
// a line breaks before a word that does not fit, and a word longer than a
// whole line is cut into width-sized pieces rather than truncated.
// Trailing spaces are dropped from every line.
func wrap(s string, width int) []string {
	r := []rune(s)
	width = max(width, 1)
	var lines []string
	lineStart, pos := 0, 0
	emit := func(end int) {
		lines = append(lines, strings.TrimRightFunc(string(r[lineStart:end]), unicode.IsSpace))
		lineStart = end
	}
	for i := 0; i < len(r); {
		start := i
		for i < len(r) && unicode.IsSpace(r[i]) {
			i++
		}
		if i == len(r) {
			break // only whitespace is left
		}
		for i < len(r) && !unicode.IsSpace(r[i]) {
			i++
		}
		wordEnd := i
		for i < len(r) && unicode.IsSpace(r[i]) {
			i++
		}
		wordLen := wordEnd - start
		switch {
		case pos+wordLen <= width:
			pos += i - start
		case wordLen > width:
			if start > lineStart {
				emit(start)
			}
			for wordEnd-lineStart > width {
				emit(lineStart + width)
			}
			pos = i - lineStart
		default: // pos > 0 here, since the word fits a line of its own
			emit(start)
			pos = i - start
		}
	}
	emit(len(r))
	return lines
}

// formatShape renders a per-example shape as Keras prints the batched
// tuple: (None, 26, 26, 32). Keras joins the dimensions without Python's
// one-element trailing comma, so a scalar output prints as (None).
func formatShape(shape []int) string {
	parts := make([]string, 0, len(shape)+1)
	parts = append(parts, "None")
	for _, d := range shape {
		if d < 0 {
			parts = append(parts, "None")
		} else {
			parts = append(parts, strconv.Itoa(d))
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// writeCount prints one footer line such as
// " Total params: 203,530 (795.04 KB)".
func writeCount(bw *bufio.Writer, label string, n int) {
	fmt.Fprintf(bw, " %s: %s (%s)\n", label, commas(n), memorySize(float64(n)*bytesPerParam))
}

// memorySize formats a byte count with two decimals in 1024-based units,
// dividing step by step exactly as Keras does so the rounding agrees.
func memorySize(b float64) string {
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	for _, u := range units {
		if b/1024 < 1 {
			return fmt.Sprintf("%.2f %s", b, u)
		}
		b /= 1024
	}
	return fmt.Sprintf("%.2f %s", b, units[len(units)-1])
}

// commas formats n with thousands separators: 200960 -> "200,960".
func commas(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
