package models

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/neuron-go/neuron/internal/summary"
)

// kerasOrder returns the indices of the model's layers in the order of
// Keras's model.layers, which its summary and its saved config follow:
// Keras's map_graph sorts the operations by decreasing depth (the longest
// path to an output), ties broken by the order in which a depth-first walk
// from the outputs first meets them. It also tells whether the graph is
// "sequential-like" in the sense of Keras's print_summary: one node per
// depth, none with more than one input, and no shared layer.
func (m *Model) kerasOrder() (order []int, sequentialLike bool) {
	first := map[int]int{} // layer -> traversal index
	finished := map[*call]bool{}
	var post []*call
	var visit func(c *call)
	visit = func(c *call) {
		if finished[c] {
			return
		}
		li := m.layerIndex(c)
		if _, ok := first[li]; !ok {
			first[li] = len(first)
		}
		for _, x := range c.ins {
			visit(x.call)
		}
		finished[c] = true
		post = append(post, c)
	}
	for _, x := range m.outputs {
		visit(x.call)
	}
	nodeDepth := map[*call]int{}
	layerDepth := map[int]int{}
	for i := len(post) - 1; i >= 0; i-- {
		c := post[i]
		li := m.layerIndex(c)
		d := max(nodeDepth[c], layerDepth[li])
		layerDepth[li], nodeDepth[c] = d, d
		for _, x := range c.ins {
			nodeDepth[x.call] = max(nodeDepth[x.call], d+1)
		}
	}
	for li := range layerDepth {
		order = append(order, li)
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if layerDepth[a] != layerDepth[b] {
			return layerDepth[a] > layerDepth[b]
		}
		return first[a] < first[b]
	})
	sequentialLike = true
	perDepth := map[int]int{}
	for c, d := range nodeDepth {
		perDepth[d]++
		if perDepth[d] > 1 || len(c.ins) > 1 {
			sequentialLike = false
		}
	}
	for _, cs := range m.layerCalls {
		if len(cs) > 1 {
			sequentialLike = false
		}
	}
	return order, sequentialLike
}

// nodeIndex returns the position of call c among its layer's calls, Keras's
// node_index.
func (m *Model) nodeIndex(c *call) int {
	for _, cs := range m.layerCalls {
		for i, d := range cs {
			if d == c {
				return i
			}
		}
	}
	return -1
}

// Summary prints the Keras 3 summary table of a functional model to the
// model's output (Out, standard output by default): every layer, input
// layers included, in Keras's order; a graph that is not a chain gets
// Keras's "Connected to" column, naming for each layer the tensors it was
// applied to as layer[node_index][tensor_index].
func (m *Model) Summary() {
	m.writer = m.Out
	_ = m.SummaryTo(m.out(), 0)
}

// SummaryTo writes the summary to w, lineLength characters wide (Keras's
// line_length); 0 means Keras's choice: 76 unless w is a terminal, where it
// is 88, or 108 with the "Connected to" column.
func (m *Model) SummaryTo(w io.Writer, lineLength int) error {
	if err := checkLineLength(lineLength); err != nil {
		return err
	}
	name := m.Name
	if name == "" {
		name = "functional"
	}
	order, seqLike := m.kerasOrder()
	t := summary.Table{ModelName: name, Width: lineLength, Connected: !seqLike}
	if lineLength == 0 {
		t.Width = 76
		if f, ok := w.(*os.File); ok {
			t.Width = summary.AutoWidth(f)
			if t.Connected {
				t.Width = summary.AutoWidthConnected(f)
			}
		}
	}
	for _, li := range order {
		l, calls := m.layerList[li], m.layerCalls[li]
		row := summary.Row{Name: m.layerNames[li], Class: l.ClassName()}
		last := calls[len(calls)-1]
		if len(last.outs) == 1 {
			row.OutputShape = last.outs[0].shape
		} else {
			parts := make([]string, len(last.outs))
			for i, x := range last.outs {
				parts[i] = summary.FormatShape(x.shape)
			}
			row.OutputText = "[" + strings.Join(parts, ", ") + "]"
		}
		for _, wt := range l.Weights() {
			row.Params += wt.Value.Size()
			if wt.Trainable {
				t.Trainable += wt.Value.Size()
			} else {
				t.NonTrainable += wt.Value.Size()
			}
		}
		var conn []string
		for _, c := range calls {
			for _, x := range c.ins {
				conn = append(conn, fmt.Sprintf("%s[%d][%d]", m.layerNames[m.layerIndex(x.call)], m.nodeIndex(x.call), x.index))
			}
		}
		row.ConnectedTo = strings.Join(conn, ", ")
		t.Rows = append(t.Rows, row)
	}
	t.OptimizerParams = m.engine.optimizerParams()
	return summary.Write(w, t)
}
