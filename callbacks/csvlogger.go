package callbacks

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/internal/safefile"
)

// CSVLogger writes each epoch's logs as a row of a CSV file, as Keras's
// CSVLogger(filename, separator, append) does, byte for byte: a header
// "epoch" followed by the sorted keys of the first epoch's logs (and the
// "val_" twin of each when there is none, filled with "NA"), then one row
// per epoch with the epoch counted from 0 and the values as Python prints
// floats, in the csv module's excel dialect (fields quoted only when they
// need it, lines ending in "\r\n").
//
// The file is replaced atomically after every epoch (written to a
// temporary file, synced and renamed), so a kill leaves the previous rows
// whole, never half a row. It implements Stateful: a backup keeps the rows
// written so far, so a resumed run's file is that of an uninterrupted run,
// with or without Append.
type CSVLogger struct {
	Base
	// Filename is the CSV file; it is required.
	Filename string
	// Separator separates the fields; one character, "," by default.
	Separator string
	// Append adds to an existing file rather than replacing it (the
	// header is written only if the file is empty).
	Append bool

	content []byte   // the file as it stands
	keys    []string // the columns after "epoch", fixed at the first row
	started bool     // whether keys is set
}

func (c *CSVLogger) sep() string {
	if c.Separator == "" {
		return ","
	}
	return c.Separator
}

// OnTrainBegin implements Callback: it checks the arguments, reads the
// file to append to and writes the file as it starts (empty without
// Append, as Keras opens it with mode "w").
func (c *CSVLogger) OnTrainBegin(Model) error {
	if c.Filename == "" {
		return errors.New("callbacks: CSVLogger: Filename is empty")
	}
	if s := c.sep(); utf8.RuneCountInString(s) != 1 || s == `"` || s == "\r" || s == "\n" {
		return fmt.Errorf("callbacks: CSVLogger: Separator must be one character other than a quote or a line break, got %q", c.Separator)
	}
	c.content, c.keys, c.started = nil, nil, false
	fi, err := os.Stat(c.Filename)
	switch {
	case err == nil:
		if err := safefile.Check(c.Filename, fi); err != nil {
			return fmt.Errorf("callbacks: CSVLogger: %w", err)
		}
		if c.Append {
			b, err := safefile.ReadFile(c.Filename)
			if err != nil {
				return fmt.Errorf("callbacks: CSVLogger: %w", err)
			}
			c.content = b
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("callbacks: CSVLogger: %w", err)
	}
	return c.write()
}

func (c *CSVLogger) write() error {
	if err := atomicfile.WriteBytes(c.Filename, c.content, 0o644); err != nil {
		return fmt.Errorf("callbacks: CSVLogger: %w", err)
	}
	return nil
}

// OnEpochEnd implements Callback.
func (c *CSVLogger) OnEpochEnd(epoch int, logs Logs) error {
	if !c.started {
		c.keys = make([]string, 0, len(logs))
		for k := range logs {
			c.keys = append(c.keys, k)
		}
		sort.Strings(c.keys)
		hasVal := false
		for _, k := range c.keys {
			hasVal = hasVal || strings.HasPrefix(k, "val_")
		}
		if !hasVal {
			for _, k := range c.keys {
				c.keys = append(c.keys, "val_"+k)
			}
		}
		c.started = true
		// Keras writes the header unless it appends to a file that is not
		// empty.
		if len(c.content) == 0 {
			c.content = c.row(c.content, append([]string{"epoch"}, c.keys...))
		}
	}
	fields := make([]string, 1, 1+len(c.keys))
	fields[0] = strconv.Itoa(epoch)
	for _, k := range c.keys {
		if v, ok := logs[k]; ok {
			fields = append(fields, PyRepr(v))
		} else {
			fields = append(fields, "NA")
		}
	}
	c.content = c.row(c.content, fields)
	return c.write()
}

// row appends one CSV line as Python's csv.writer with the excel dialect
// writes it: a field is quoted, its quotes doubled, when it holds the
// separator, a quote or a line break.
func (c *CSVLogger) row(b []byte, fields []string) []byte {
	sep := c.sep()
	for i, f := range fields {
		if i > 0 {
			b = append(b, sep...)
		}
		if strings.Contains(f, sep) || strings.ContainsAny(f, "\"\r\n") {
			b = append(b, '"')
			b = append(b, strings.ReplaceAll(f, `"`, `""`)...)
			b = append(b, '"')
		} else {
			b = append(b, f...)
		}
	}
	return append(b, '\r', '\n')
}

// csvStateVersion leads CSVLogger's state bytes.
const csvStateVersion = 1

// CallbackState implements Stateful: the columns, once fixed, and the
// file's contents.
func (c *CSVLogger) CallbackState() ([]byte, error) {
	b := []byte{csvStateVersion, 0}
	if c.started {
		b[1] = 1
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(c.keys)))
	for _, k := range c.keys {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(k)))
		b = append(b, k...)
	}
	b = binary.LittleEndian.AppendUint64(b, uint64(len(c.content)))
	return append(b, c.content...), nil
}

// SetCallbackState implements Stateful: it puts back the columns and
// rewrites the file as it was when the state was taken.
func (c *CSVLogger) SetCallbackState(b []byte) error {
	bad := func(what string) error {
		return fmt.Errorf("callbacks: CSVLogger: state of %d bytes: %s", len(b), what)
	}
	if len(b) < 6 || b[0] != csvStateVersion || b[1] > 1 {
		return bad("too short, or of an unknown version")
	}
	rest := b[2:]
	n := binary.LittleEndian.Uint32(rest)
	rest = rest[4:]
	if uint64(n) > uint64(len(rest))/4 {
		return bad(fmt.Sprintf("%d columns", n))
	}
	keys := make([]string, 0, n)
	for range n {
		if len(rest) < 4 || uint64(binary.LittleEndian.Uint32(rest)) > uint64(len(rest)-4) {
			return bad("a column name runs past the end")
		}
		l := binary.LittleEndian.Uint32(rest)
		keys = append(keys, string(rest[4:4+l]))
		rest = rest[4+l:]
	}
	if len(rest) < 8 || binary.LittleEndian.Uint64(rest) != uint64(len(rest)-8) {
		return bad("the contents do not have the length they claim")
	}
	c.started, c.keys = b[1] == 1, keys
	c.content = append([]byte(nil), rest[8:]...)
	return c.write()
}

var _ Stateful = (*CSVLogger)(nil)
