package data

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/neuron-go/neuron/internal/safefile"
	"github.com/neuron-go/neuron/tensor"
)

// CSVOptions say how ReadCSV reads a file. The zero value reads every
// column of a comma-separated file with a header as numeric features,
// without a label.
type CSVOptions struct {
	// NoHeader says the first line is data, not column names.
	NoHeader bool
	// ColumnNames names the columns. With a header it replaces the
	// header's names (the line is still skipped); without one it is
	// required to refer to columns by name, else they are named "0",
	// "1", ...
	ColumnNames []string
	// Columns are the feature columns, in the order of x's values; by
	// default every column but the label, in file order.
	Columns []string
	// Label is the column of y, a scalar per row; "" for none.
	Label string
	// Categorical lists columns of strings that are read as integer ids
	// of their vocabulary.
	Categorical []string
	// Vocabulary gives the vocabulary of categorical columns: a value's
	// id is its index. A value outside it is an error. A categorical
	// column without one gets the sorted distinct values of the column,
	// found by reading the file once in ReadCSV.
	Vocabulary map[string][]string
	// Defaults gives the value of an empty cell per column. In a column
	// without a default, an empty cell is an error.
	Defaults map[string]float32
	// SkipRows skips that many lines at the start of the file, before the
	// header (pandas's skiprows): scikit-learn's CSV files start with a
	// line of counts and class names. Row numbers in errors stay the
	// file's line numbers.
	SkipRows int
	// Comma is the field delimiter; ',' if zero.
	Comma rune
	// MaxLineBytes bounds the length of a line, so that a file without
	// line breaks is an error instead of a record read whole into
	// memory; DefaultMaxLineBytes if zero.
	MaxLineBytes int
}

// DefaultMaxLineBytes is the longest line ReadCSV reads by default: 1 MiB.
const DefaultMaxLineBytes = 1 << 20

// CSV is a Dataset of the rows of a CSV file: x holds the feature
// columns as a vector, y the label as a scalar (nil without a label).
// Each iteration reads the file anew, row by row.
type CSV struct {
	*Dataset
	// Path is the file read.
	Path string
	// Features names the values of x, in order.
	Features []string
	// Vocabulary holds the vocabulary of each categorical column.
	Vocabulary map[string][]string
}

// csvColumn is how one used column is read.
type csvColumn struct {
	name   string
	index  int            // in the record
	vocab  map[string]int // nil for a numeric column
	def    float32        // value of an empty cell if hasDef
	hasDef bool
}

// ReadCSV returns a Dataset of the rows of the CSV file at path, checking
// the options against its header. Cells are checked as the rows are read:
// an error names the file, the row (the line number, the header being row
// 1) and the column.
func ReadCSV(path string, opts CSVOptions) (*CSV, error) {
	return readCSV(func() (io.ReadCloser, error) { return OpenRegular(path) }, path, opts)
}

// ReadCSVFS is ReadCSV for the file name of fsys, such as an embed.FS that
// ships a data set inside the program.
func ReadCSVFS(fsys fs.FS, name string, opts CSVOptions) (*CSV, error) {
	open := func() (io.ReadCloser, error) {
		f, err := fsys.Open(name)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
			f.Close()
			return nil, fmt.Errorf("data: %s: not a regular file", name)
		}
		return f, nil
	}
	return readCSV(open, name, opts)
}

// readCSV is ReadCSV over files that open opens, named path in errors.
func readCSV(open func() (io.ReadCloser, error), path string, opts CSVOptions) (*CSV, error) {
	if opts.SkipRows < 0 {
		return nil, fmt.Errorf("data: %s: SkipRows must be >= 0, got %d", path, opts.SkipRows)
	}
	f, r, err := openCSV(open, path, opts)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	first, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("data: %s: empty file", path)
	}
	if err != nil {
		return nil, csvError(path, err, opts.SkipRows)
	}
	names := opts.ColumnNames
	if names != nil && len(names) != len(first) {
		return nil, fmt.Errorf("data: %s: ColumnNames has %d names for %d columns", path, len(names), len(first))
	}
	if names == nil {
		if opts.NoHeader {
			for i := range first {
				names = append(names, strconv.Itoa(i))
			}
		} else {
			names = slices.Clone(first)
		}
	}
	index := map[string]int{}
	for i, n := range names {
		if _, dup := index[n]; dup {
			return nil, fmt.Errorf("data: %s: column %q appears twice", path, n)
		}
		index[n] = i
	}
	find := func(what, n string) (int, error) {
		i, ok := index[n]
		if !ok {
			return 0, fmt.Errorf("data: %s: %s column %q is not in the header %q", path, what, n, names)
		}
		return i, nil
	}
	features := opts.Columns
	if features == nil {
		for _, n := range names {
			if n != opts.Label {
				features = append(features, n)
			}
		}
	}
	cat := map[string]bool{}
	for _, n := range opts.Categorical {
		if _, err := find("categorical", n); err != nil {
			return nil, err
		}
		cat[n] = true
	}
	for n := range opts.Defaults {
		if _, err := find("Defaults", n); err != nil {
			return nil, err
		}
	}
	for n := range opts.Vocabulary {
		if !cat[n] {
			return nil, fmt.Errorf("data: %s: Vocabulary given for column %q, which is not in Categorical", path, n)
		}
	}
	used := slices.Clone(features)
	if opts.Label != "" {
		used = append(used, opts.Label)
	}
	cols := make([]csvColumn, len(used))
	for k, n := range used {
		what := "feature"
		if k == len(features) {
			what = "label"
		}
		i, err := find(what, n)
		if err != nil {
			return nil, err
		}
		c := csvColumn{name: n, index: i}
		c.def, c.hasDef = opts.Defaults[n]
		cols[k] = c
	}
	vocab, err := vocabularies(open, path, opts, first, cat, index)
	if err != nil {
		return nil, err
	}
	for k := range cols {
		if v, ok := vocab[cols[k].name]; ok {
			cols[k].vocab = make(map[string]int, len(v))
			for id, s := range v {
				cols[k].vocab[s] = id
			}
		}
	}
	nx := len(features)
	hasLabel := opts.Label != ""
	ds := New(func(yield func(Element) bool) error {
		f, r, err := openCSV(open, path, opts)
		if err != nil {
			return err
		}
		defer f.Close()
		if !opts.NoHeader {
			if _, err := r.Read(); err != nil {
				return csvError(path, err, opts.SkipRows)
			}
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return csvError(path, err, opts.SkipRows)
			}
			vals := make([]float32, len(cols))
			for k, c := range cols {
				v, err := c.parse(rec[c.index])
				if err != nil {
					line, _ := r.FieldPos(c.index)
					return fmt.Errorf("data: %s: row %d, column %q: %w", path, line+opts.SkipRows, c.name, err)
				}
				vals[k] = v
			}
			e := Element{X: tensor.FromSlice(vals[:nx:nx], nx)}
			if hasLabel {
				e.Y = tensor.Scalar(vals[nx])
			}
			if !yield(e) {
				return nil
			}
		}
	})
	return &CSV{Dataset: ds, Path: path, Features: features, Vocabulary: vocab}, nil
}

// parse reads one cell.
func (c *csvColumn) parse(s string) (float32, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		if c.hasDef {
			return c.def, nil
		}
		return 0, fmt.Errorf("empty cell and no default in Defaults")
	}
	if c.vocab != nil {
		id, ok := c.vocab[t]
		if !ok {
			return 0, fmt.Errorf("%q is not in the vocabulary", s)
		}
		return float32(id), nil
	}
	v, err := strconv.ParseFloat(t, 32)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite float32", s)
	}
	return float32(v), nil
}

// vocabularies returns the vocabulary of each categorical column: the
// given one, or the sorted distinct values of the column, read in one
// pass that keeps only those values.
func vocabularies(open func() (io.ReadCloser, error), path string, opts CSVOptions, first []string, cat map[string]bool, index map[string]int) (map[string][]string, error) {
	vocab := map[string][]string{}
	var build []string
	for _, n := range opts.Categorical {
		if v, ok := opts.Vocabulary[n]; ok {
			seen := map[string]bool{}
			for _, s := range v {
				if seen[s] {
					return nil, fmt.Errorf("data: %s: Vocabulary of column %q has %q twice", path, n, s)
				}
				seen[s] = true
			}
			vocab[n] = slices.Clone(v)
		} else {
			build = append(build, n)
		}
	}
	if len(build) == 0 {
		return vocab, nil
	}
	f, r, err := openCSV(open, path, opts)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sets := make([]map[string]bool, len(build))
	for i := range sets {
		sets[i] = map[string]bool{}
	}
	if !opts.NoHeader {
		if _, err := r.Read(); err != nil {
			return nil, csvError(path, err, opts.SkipRows)
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(path, err, opts.SkipRows)
		}
		for i, n := range build {
			if s := strings.TrimSpace(rec[index[n]]); s != "" {
				sets[i][s] = true
			}
		}
	}
	for i, n := range build {
		v := make([]string, 0, len(sets[i]))
		for s := range sets[i] {
			v = append(v, s)
		}
		slices.Sort(v)
		vocab[n] = v
	}
	return vocab, nil
}

// openCSV opens the file (a regular file, which open checks) as a
// csv.Reader that skips a UTF-8 byte order mark and requires every record
// to have the first's number of fields.
func openCSV(open func() (io.ReadCloser, error), path string, opts CSVOptions) (io.ReadCloser, *csv.Reader, error) {
	f, err := open()
	if err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(f, 1<<16)
	if b, err := br.Peek(3); err == nil && string(b) == "\uFEFF" {
		br.Discard(3)
	}
	limit := opts.MaxLineBytes
	if limit <= 0 {
		limit = DefaultMaxLineBytes
	}
	ll := &lineLimiter{r: br, max: limit, path: path, line: 1}
	if err := ll.skipLines(opts.SkipRows); err != nil {
		f.Close()
		return nil, nil, csvError(path, err, 0)
	}
	r := csv.NewReader(ll)
	if opts.Comma != 0 {
		r.Comma = opts.Comma
	}
	r.ReuseRecord = true
	return f, r, nil
}

// lineLimiter passes r through and fails once a line is longer than max
// bytes.
type lineLimiter struct {
	r    io.Reader
	max  int
	path string
	line int // of the byte read next
	n    int // bytes of that line so far
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	k, err := l.r.Read(p)
	for i, b := range p[:k] {
		if b == '\n' {
			l.line++
			l.n = 0
			continue
		}
		if l.n++; l.n > l.max {
			return i, &lineTooLong{line: l.line, max: l.max}
		}
	}
	return k, err
}

// skipLines reads and drops n lines, each bounded as the others.
func (l *lineLimiter) skipLines(n int) error {
	var b [1]byte
	for l.line <= n {
		if _, err := l.Read(b[:]); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
	return nil
}

// lineTooLong is the error of a lineLimiter.
type lineTooLong struct{ line, max int }

func (e *lineTooLong) Error() string {
	return fmt.Sprintf("row %d: line longer than %d bytes (CSVOptions.MaxLineBytes)", e.line, e.max)
}

// csvError names the file in an error of encoding/csv, which already
// names the line.
// skip is the number of lines skipped before the reader's first.
func csvError(path string, err error, skip int) error {
	var long *lineTooLong
	if errors.As(err, &long) {
		return fmt.Errorf("data: %s: %v", path, long)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			return fmt.Errorf("data: %s: row %d: wrong number of fields (the first row sets how many)", path, pe.StartLine+skip)
		}
		return fmt.Errorf("data: %s: row %d, column %d: %w", path, pe.StartLine+skip, pe.Column, pe.Err)
	}
	return fmt.Errorf("data: %s: %w", path, err)
}

// OpenRegular opens path for reading if it is a regular file, and returns
// an error otherwise: a FIFO, a device or a directory is refused instead
// of blocking or reading forever. The file is opened non-blocking and
// checked again after opening, so a FIFO put in its place in between is
// refused too.
func OpenRegular(path string) (*os.File, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return f, nil
}
