package dashboard

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/neuron-go/neuron/internal/safefile"
	"github.com/neuron-go/neuron/internal/strictjson"
)

// maxHistoryBytes bounds the history files OpenFile reads.
const maxHistoryBytes = 64 << 20

// OpenFile adds the finished run of a history file, named by its path:
// a .csv file as callbacks.CSVLogger (and Keras's CSVLogger) writes it, or
// JSON, either the history.json that "neuron train" writes (the values
// under "history", with "epoch") or Keras's json.dump(history.history).
func (s *Server) OpenFile(path string) (*Run, error) {
	data, err := safefile.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	if len(data) > maxHistoryBytes {
		return nil, fmt.Errorf("dashboard: %s: %d bytes is too large for a history (at most %d)", path, len(data), maxHistoryBytes)
	}
	h, epochs, err := parseHistory(data, strings.EqualFold(filepath.Ext(path), ".csv"))
	if err != nil {
		return nil, fmt.Errorf("dashboard: %s: %w", path, err)
	}
	return s.addFinished(path, path, h, epochs), nil
}

// parseHistory reads a history file's curves and, when it has them, its
// epoch numbers.
func parseHistory(data []byte, isCSV bool) (map[string][]float64, []int, error) {
	var h map[string][]float64
	var epochs []int
	var err error
	if isCSV {
		h, epochs, err = parseCSV(data)
	} else {
		h, epochs, err = parseJSON(data)
	}
	if err != nil {
		return nil, nil, err
	}
	if len(h) == 0 {
		return nil, nil, errors.New("has no curves")
	}
	return h, epochs, nil
}

// parseCSV reads a CSVLogger file: a header "epoch,key,…" then a row per
// epoch; "NA" and empty cells are missing values.
func parseCSV(data []byte) (map[string][]float64, []int, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, nil, fmt.Errorf("not a CSV history: %v", err)
	}
	if len(rows) == 0 {
		return nil, nil, errors.New("is empty")
	}
	header := rows[0]
	h := map[string][]float64{}
	var epochs []int
	for i, row := range rows[1:] {
		if len(row) != len(header) {
			return nil, nil, fmt.Errorf("line %d has %d fields, the header %d", i+2, len(row), len(header))
		}
		for j, k := range header {
			cell := strings.TrimSpace(row[j])
			if k == "epoch" {
				e, err := strconv.Atoi(cell)
				if err != nil || e < 0 {
					return nil, nil, fmt.Errorf("line %d: epoch %q is not a number of epochs", i+2, row[j])
				}
				epochs = append(epochs, e)
				continue
			}
			v, err := strconv.ParseFloat(cell, 64)
			if err != nil {
				if cell != "" && cell != "NA" {
					return nil, nil, fmt.Errorf("line %d: %s: %q is not a number", i+2, k, row[j])
				}
				v = math.NaN()
			}
			h[k] = append(h[k], v)
		}
	}
	for _, k := range header {
		if _, ok := h[k]; !ok && k != "epoch" {
			h[k] = nil
		}
	}
	return h, epochs, nil
}

// parseJSON reads a history in either JSON layout; null, and the NaN and
// Infinity Python writes, are missing values.
func parseJSON(data []byte) (map[string][]float64, []int, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(strictjson.PythonNonFinite(data), &top); err != nil {
		return nil, nil, fmt.Errorf("not a history (want a JSON object of lists of numbers): %v", err)
	}
	var epochs []int
	if raw, ok := top["history"]; ok {
		var inner map[string]json.RawMessage
		if err := json.Unmarshal(raw, &inner); err != nil {
			return nil, nil, fmt.Errorf(`"history" is not an object of lists: %v`, err)
		}
		if raw, ok := top["epoch"]; ok {
			if err := json.Unmarshal(raw, &epochs); err != nil {
				return nil, nil, fmt.Errorf(`"epoch" is not a list of integers: %v`, err)
			}
		}
		top = inner
	}
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := map[string][]float64{}
	for _, k := range keys {
		var vals []*float64
		if err := json.Unmarshal(top[k], &vals); err != nil {
			return nil, nil, fmt.Errorf("key %q is not a list of numbers", k)
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
	return h, epochs, nil
}
