package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/internal/safefile"
	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/models"
)

// historyFile is the layout of history.json: Keras's history.history
// under "history", with History.epoch and History.params beside it.
// Non-finite values (a loss that diverged) are written as null, since
// JSON has no NaN.
type historyFile struct {
	Epoch   []int             `json:"epoch"`
	History map[string]series `json:"history"`
	Params  map[string]int    `json:"params,omitempty"`
}

// series is one history key's values, one per epoch.
type series []float64

// MarshalJSON writes the values, NaN and infinities as null.
func (s series) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, v := range s {
		if i > 0 {
			b.WriteString(", ")
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b.WriteString("null")
			continue
		}
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	}
	b.WriteByte(']')
	return b.Bytes(), nil
}

// writeHistoryJSON writes h to path atomically as historyFile.
func writeHistoryJSON(path string, h *models.History) error {
	f := historyFile{Epoch: h.Epoch, History: map[string]series{}, Params: h.Params}
	if f.Epoch == nil {
		f.Epoch = []int{}
	}
	for k, v := range h.History {
		f.History[k] = v
	}
	data, err := marshalJSON(f)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, data, 0o644)
}

// flatArray matches an indented JSON array of numbers, strings, booleans
// or nulls.
var flatArray = regexp.MustCompile(`\[\n[^\[\]{}]*\n\s*\]`)

var indentSpace = regexp.MustCompile(`\n\s*`)

// marshalJSON indents v by two spaces, as Python's json.dump(indent=2)
// does, but keeps each list of numbers on one line, and ends with a
// newline.
func marshalJSON(v any) ([]byte, error) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	data = flatArray.ReplaceAllFunc(data, func(a []byte) []byte {
		a = indentSpace.ReplaceAll(a, []byte(" "))
		return bytes.Replace(bytes.Replace(a, []byte("[ "), []byte("["), 1), []byte(" ]"), []byte("]"), 1)
	})
	return append(data, '\n'), nil
}

// writeHistoryCSV writes h to path atomically as Keras's CSVLogger does:
// a header "epoch" followed by the sorted keys, then one row per epoch,
// the numbers as Python prints them.
func writeHistoryCSV(path string, h *models.History) error {
	keys := h.Keys()
	return atomicfile.WriteFile(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(append([]string{"epoch"}, keys...)); err != nil {
			return err
		}
		for i, e := range h.Epoch {
			row := []string{strconv.Itoa(e)}
			for _, k := range keys {
				v := math.NaN()
				if i < len(h.History[k]) {
					v = h.History[k][i]
				}
				row = append(row, pyFloat(v))
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}, 0o644)
}

// pyFloat formats v as Python's repr(float) does: the shortest digits
// that read back as v, in scientific notation below 1e-4 and from 1e16
// on, and with ".0" on whole numbers.
func pyFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	if v != 0 {
		if exp := math.Floor(math.Log10(math.Abs(v))); exp < -4 || exp >= 16 {
			// Log10 may be off by one near powers of ten; the 'e'
			// format tells the exponent exactly.
			s := strconv.FormatFloat(v, 'e', -1, 64)
			if e, err := strconv.Atoi(s[strings.IndexByte(s, 'e')+1:]); err == nil && (e < -4 || e >= 16) {
				return s
			}
		}
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// readHistory reads a saved history: a .csv file as Keras's CSVLogger
// writes it, or JSON, either as train writes it (the values under
// "history") or as Keras's json.dump(history.history) does (a flat object
// of lists, with NaN and Infinity as Python writes them).
func readHistory(path string) (map[string][]float64, error) {
	data, err := safefile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var h map[string][]float64
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		h, err = parseHistoryCSV(data)
	} else {
		h, err = parseHistoryJSON(data)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return h, nil
}

// parseHistoryJSON reads a history in either JSON layout.
func parseHistoryJSON(data []byte) (map[string][]float64, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(strictjson.PythonNonFinite(data), &top); err != nil {
		return nil, fmt.Errorf("not a history (want a JSON object of lists of numbers): %v", err)
	}
	if raw, ok := top["history"]; ok {
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(raw, &inner); err == nil {
			top = inner
		}
	}
	h := map[string][]float64{}
	for k, raw := range top {
		var vals []*float64
		if err := json.Unmarshal(raw, &vals); err != nil {
			return nil, fmt.Errorf("key %q is not a list of numbers", k)
		}
		s := make([]float64, len(vals))
		for i, v := range vals {
			s[i] = math.NaN()
			if v != nil {
				s[i] = *v
			}
		}
		h[k] = s
	}
	return h, checkHistory(h)
}

// parseHistoryCSV reads a history as Keras's CSVLogger writes it; the
// "epoch" column is skipped and "NA" or empty cells read as NaN.
func parseHistoryCSV(data []byte) (map[string][]float64, error) {
	rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("not a CSV history: %v", err)
	}
	if len(rows) == 0 {
		return nil, errors.New("is empty")
	}
	header := rows[0]
	h := map[string][]float64{}
	for j, k := range header {
		if k == "epoch" {
			continue
		}
		s := make([]float64, 0, len(rows)-1)
		for i, row := range rows[1:] {
			f, err := strconv.ParseFloat(strings.TrimSpace(row[j]), 64)
			if err != nil {
				if c := strings.TrimSpace(row[j]); c != "" && c != "NA" {
					return nil, fmt.Errorf("line %d: %s: %q is not a number", i+2, k, row[j])
				}
				f = math.NaN()
			}
			s = append(s, f)
		}
		h[k] = s
	}
	return h, checkHistory(h)
}

// checkHistory rejects a history without curves.
func checkHistory(h map[string][]float64) error {
	if len(h) == 0 {
		return errors.New("has no curves")
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if len(h[k]) == 0 {
			return fmt.Errorf("%q has no values", k)
		}
	}
	return nil
}
