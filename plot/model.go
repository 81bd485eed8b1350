package plot

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"image/color"
	"math"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
)

// ModelOptions are the arguments of Keras's keras.utils.plot_model and
// model_to_dot, with plot_model's defaults as zero values.
type ModelOptions struct {
	// ShowShapes shows each layer's input and output shapes.
	ShowShapes bool
	// ShowDtype shows each layer's output dtype.
	ShowDtype bool
	// ShowLayerNames shows the layers' names besides their classes.
	ShowLayerNames bool
	// Rankdir is Graphviz's rankdir: "TB" (the default, top to bottom),
	// "BT", "LR" or "RL".
	Rankdir string
	// ExpandNested draws the layers of a model used as a layer inside a
	// dashed cluster rather than as one box.
	ExpandNested bool
	// DPI is the resolution of PNG files (200 by default).
	DPI int
	// ShowLayerActivations shows the activation of the layers that have
	// one.
	ShowLayerActivations bool
	// ShowTrainable shows whether each layer with weights is trainable.
	ShowTrainable bool
	// Splines is how Graphviz draws the edges: "ortho" (the default),
	// "curved", "polyline", "spline" or "line".
	Splines string
}

// dotCommand is Graphviz's program; tests change it to test the
// fallback.
var dotCommand = "dot"

// layerNode is one box of the diagram.
type layerNode struct {
	id         string
	name       string
	class      string
	activation string // "" when the layer has none
	in, out    string // formatted shapes; in is "" for an InputLayer
	weights    bool
	trainable  bool
}

type modelGraph struct {
	name     string
	nodes    []layerNode
	clusters []*modelGraph
	edges    [][2]string
}

// shapeString formats per-example shapes as Keras prints layer.input's
// shape: (None, 8), or a list of them for several tensors.
func shapeString(shapes [][]int) string {
	if shapes == nil {
		return "?"
	}
	one := func(s []int) string {
		parts := []string{"None"}
		for _, d := range s {
			parts = append(parts, strconv.Itoa(d))
		}
		if len(parts) == 1 {
			return "(None,)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	if len(shapes) == 1 {
		return one(shapes[0])
	}
	var parts []string
	for _, s := range shapes {
		parts = append(parts, one(s))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// activationOf returns the name of a layer's Activation field, if any.
func activationOf(l any) string {
	v := reflect.ValueOf(l)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	f := v.FieldByName("Activation")
	if !f.IsValid() {
		return ""
	}
	if a, ok := f.Interface().(activations.Activation); ok {
		return a.Name()
	}
	return ""
}

func weightsInfo(ws []*layers.Weight) (has, trainable bool) {
	for _, w := range ws {
		has = true
		trainable = trainable || w.Trainable
	}
	return has, trainable
}

func sequentialGraph(m *models.Sequential, prefix string) (*modelGraph, error) {
	// A model whose first layer declares its input shape is built in
	// Keras from the start; here it is built on first use.
	if !m.Built() && m.Build() != nil {
		return nil, argErr("model", "the model has not yet been built; build it first (Build, or a layer with InputShape)")
	}
	g := &modelGraph{name: "sequential"}
	shapes := m.OutputShapes()
	in := m.InputShape()
	for i, l := range m.Layers() {
		n := layerNode{id: fmt.Sprintf("%s%d", prefix, i), name: m.LayerNames()[i], class: l.ClassName(), activation: activationOf(l)}
		n.in, n.out = shapeString([][]int{in}), shapeString([][]int{shapes[i]})
		n.weights, n.trainable = weightsInfo(l.Weights())
		in = shapes[i]
		g.nodes = append(g.nodes, n)
		if i > 0 {
			g.edges = append(g.edges, [2]string{g.nodes[i-1].id, n.id})
		}
	}
	return g, nil
}

// functionalGraph lays out a functional model as Keras's model_to_dot:
// every layer, its inputs included, and an edge from each layer to each
// that takes its output.
func functionalGraph(m *models.Model, prefix string, expand bool) (g *modelGraph, ins, outs []string) {
	gr := m.Graph()
	g = &modelGraph{name: "functional"}
	// The output shapes of each layer's first call, from the tensors
	// that use them.
	outShapes := map[string]map[int][]int{}
	note := func(r models.TensorRef) {
		if r.Node != 0 {
			return
		}
		if outShapes[r.Layer] == nil {
			outShapes[r.Layer] = map[int][]int{}
		}
		outShapes[r.Layer][r.Index] = r.Shape
	}
	for _, l := range gr.Layers {
		for _, c := range l.Calls {
			for _, r := range c.Inputs {
				note(r)
			}
		}
	}
	for _, r := range gr.Outputs {
		note(r)
	}
	ids := map[string]string{}
	nested := map[string]struct{ ins, outs []string }{}
	for i, l := range gr.Layers {
		id := fmt.Sprintf("%s%d", prefix, i)
		ids[l.Name] = id
		if l.Model != nil && expand {
			sub, sins, souts := functionalGraph(l.Model, id+"_", true)
			sub.name = l.Name
			g.clusters = append(g.clusters, sub)
			nested[l.Name] = struct{ ins, outs []string }{sins, souts}
			continue
		}
		n := layerNode{id: id, name: l.Name, class: l.Layer.ClassName(), activation: activationOf(l.Layer)}
		n.weights, n.trainable = weightsInfo(l.Layer.Weights())
		var outList [][]int
		for j := 0; j < len(outShapes[l.Name]); j++ {
			outList = append(outList, outShapes[l.Name][j])
		}
		switch {
		case len(l.Calls) == 0: // an input
			n.class = "InputLayer"
			n.out = shapeString(outList)
		case len(l.Calls) == 1:
			var inList [][]int
			for _, r := range l.Calls[0].Inputs {
				inList = append(inList, r.Shape)
			}
			n.in, n.out = shapeString(inList), shapeString(outList)
		default: // Keras's layer.input is ambiguous for a shared layer
			n.in, n.out = "?", "?"
		}
		g.nodes = append(g.nodes, n)
	}
	seen := map[[2]string]bool{}
	add := func(e [2]string) {
		if !seen[e] {
			seen[e] = true
			g.edges = append(g.edges, e)
		}
	}
	for _, l := range gr.Layers {
		for _, c := range l.Calls {
			for k, r := range c.Inputs {
				src := ids[r.Layer]
				if n, ok := nested[r.Layer]; ok {
					src = n.outs[min(r.Index, len(n.outs)-1)]
				}
				dst := ids[l.Name]
				if n, ok := nested[l.Name]; ok {
					dst = n.ins[min(k, len(n.ins)-1)]
				}
				add([2]string{src, dst})
			}
		}
	}
	for _, r := range gr.Inputs {
		ins = append(ins, ids[r.Layer])
	}
	for _, r := range gr.Outputs {
		id := ids[r.Layer]
		if n, ok := nested[r.Layer]; ok {
			id = n.outs[min(r.Index, len(n.outs)-1)]
		}
		outs = append(outs, id)
	}
	return g, ins, outs
}

func graphOf(model any, opts ModelOptions) (*modelGraph, error) {
	switch m := model.(type) {
	case *models.Sequential:
		if m == nil {
			return nil, argErr("model", "is nil")
		}
		return sequentialGraph(m, "n")
	case *models.Model:
		if m == nil {
			return nil, argErr("model", "is nil")
		}
		g, _, _ := functionalGraph(m, "n", opts.ExpandNested)
		return g, nil
	}
	return nil, argErr("model", "want a *models.Sequential or a *models.Model, got %T", model)
}

func (o ModelOptions) defaults() (ModelOptions, error) {
	if o.Rankdir == "" {
		o.Rankdir = "TB"
	}
	if o.DPI == 0 {
		o.DPI = 200
	}
	if o.Splines == "" {
		o.Splines = "ortho"
	}
	switch o.Rankdir {
	case "TB", "BT", "LR", "RL":
	default:
		return o, argErr("Rankdir", `want "TB", "BT", "LR" or "RL", got %q`, o.Rankdir)
	}
	switch o.Splines {
	case "ortho", "curved", "polyline", "spline", "line", "true", "false", "none":
	default:
		return o, argErr("Splines", `want "ortho", "curved", "polyline", "spline" or "line", got %q`, o.Splines)
	}
	if o.DPI < 0 || o.DPI > 2400 {
		return o, argErr("DPI", "want 1 to 2400, got %d", o.DPI)
	}
	return o, nil
}

// label is Keras's make_layer_label: an HTML-like Graphviz table, every
// name escaped.
func (n layerNode) label(o ModelOptions) string {
	var b strings.Builder
	b.WriteString(`<<table border="0" cellborder="1" bgcolor="black" cellpadding="10">`)
	colspanMax := 0
	if o.ShowDtype {
		colspanMax++
	}
	if o.ShowTrainable {
		colspanMax++
	}
	if o.ShowShapes {
		colspanMax += 2
	}
	colspan := max(1, colspanMax)
	esc := html.EscapeString
	if o.ShowLayerNames {
		fmt.Fprintf(&b, `<tr><td colspan="%d" bgcolor="black"><font point-size="16" color="white"><b>%s</b> (%s)</font></td></tr>`, colspan, esc(n.name), esc(n.class))
	} else {
		fmt.Fprintf(&b, `<tr><td colspan="%d" bgcolor="black"><font point-size="16" color="white"><b>%s</b></font></td></tr>`, colspan, esc(n.class))
	}
	if o.ShowLayerActivations && n.activation != "" {
		fmt.Fprintf(&b, `<tr><td bgcolor="white" colspan="%d"><font point-size="14">Activation: <b>%s</b></font></td></tr>`, colspan, esc(n.activation))
	}
	var cols []string
	for _, c := range n.cells(o) {
		cols = append(cols, fmt.Sprintf(`<td bgcolor="%s"><font point-size="14"%s>%s<b>%s</b></font></td>`, c.bg, c.fontColor, esc(c.label), esc(c.value)))
	}
	if len(cols) > 0 {
		b.WriteString("<tr>" + strings.Join(cols, "") + "</tr>")
	}
	b.WriteString("</table>>")
	return b.String()
}

type cell struct{ bg, fontColor, label, value string }

// cells are the bottom row of a box: shapes, dtype, trainable.
func (n layerNode) cells(o ModelOptions) []cell {
	var cs []cell
	if o.ShowShapes {
		if n.class != "InputLayer" {
			cs = append(cs, cell{"white", "", "Input shape: ", n.in})
		}
		cs = append(cs, cell{"white", "", "Output shape: ", n.out})
	}
	if o.ShowDtype {
		cs = append(cs, cell{"white", "", "Output dtype: ", "float32"})
	}
	if o.ShowTrainable && n.weights {
		if n.trainable {
			cs = append(cs, cell{"forestgreen", ` color="white"`, "", "Trainable"})
		} else {
			cs = append(cs, cell{"firebrick", ` color="white"`, "", "Non-trainable"})
		}
	}
	return cs
}

func (g *modelGraph) writeNodes(b *bytes.Buffer, o ModelOptions, indent string) {
	for _, n := range g.nodes {
		fmt.Fprintf(b, "%s%s [label=%s, fontname=Helvetica, border=0, margin=0];\n", indent, n.id, n.label(o))
	}
	for _, c := range g.clusters {
		fmt.Fprintf(b, "%ssubgraph cluster_%s {\n%s\tstyle=dashed;\n%s\tlabel=%s;\n%s\tlabeljust=l;\n", indent, c.nodes0(), indent, indent, strconv.Quote(c.name), indent)
		c.writeNodes(b, o, indent+"\t")
		fmt.Fprintf(b, "%s}\n", indent)
	}
}

// nodes0 names a cluster after its first node, unique in the graph.
func (g *modelGraph) nodes0() string {
	if len(g.nodes) > 0 {
		return g.nodes[0].id
	}
	return "empty"
}

func (g *modelGraph) allEdges() [][2]string {
	out := append([][2]string(nil), g.edges...)
	for _, c := range g.clusters {
		out = append(out, c.allEdges()...)
	}
	return out
}

// ModelToDot returns the Graphviz dot text of the model's layer graph,
// as Keras's keras.utils.model_to_dot lays it out: one box per layer (a
// Sequential's layers, or every layer of a functional model, its inputs
// included) and an edge from each layer to each layer that takes its
// output; the graph has Keras's attributes (rankdir, concentrate, dpi,
// splines, record nodes, edges of pen width 2). Node names are n0, n1, …
// in the order of the model's layers.
func ModelToDot(model any, opts ModelOptions) (string, error) {
	o, err := opts.defaults()
	if err != nil {
		return "", err
	}
	g, err := graphOf(model, o)
	if err != nil {
		return "", err
	}
	return g.dot(o), nil
}

func (g *modelGraph) dot(o ModelOptions) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "digraph G {\n\trankdir=%s;\n\tconcentrate=true;\n\tdpi=%d;\n\tsplines=%s;\n\tnode [shape=record];\n", o.Rankdir, o.DPI, o.Splines)
	g.writeNodes(&b, o, "\t")
	for _, e := range g.allEdges() {
		fmt.Fprintf(&b, "\t%s -> %s [penwidth=2];\n", e[0], e[1])
	}
	b.WriteString("}\n")
	return b.String()
}

// PlotModel draws the model's layer graph to toFile, as Keras's
// keras.utils.plot_model does: the dot text of ModelToDot rendered by
// Graphviz's dot program, in the format of the file's extension (.png,
// .svg, .pdf, or .dot for the text itself). Without Graphviz, a model
// whose layers form one chain is drawn by this package (.png, .svg or
// .pdf); a model with branches then is an error that says to install
// Graphviz. The file is written atomically.
func PlotModel(model any, toFile string, opts ModelOptions) error {
	o, err := opts.defaults()
	if err != nil {
		return err
	}
	g, err := graphOf(model, o)
	if err != nil {
		return err
	}
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(toFile), "."))
	switch ext {
	case "dot", "gv":
		return atomicfile.WriteBytes(toFile, []byte(g.dot(o)), 0o644)
	case "png", "svg", "pdf":
	default:
		return argErr("toFile", "file name %q has extension %q; want .png, .svg, .pdf or .dot", toFile, filepath.Ext(toFile))
	}
	if path, err := exec.LookPath(dotCommand); err == nil {
		cmd := exec.Command(path, "-T"+ext)
		cmd.Stdin = strings.NewReader(g.dot(o))
		var out, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("plot: PlotModel: Graphviz's dot failed: %v: %s", err, strings.TrimSpace(stderr.String()))
		}
		return atomicfile.WriteBytes(toFile, out.Bytes(), 0o644)
	}
	chain, ok := g.chain()
	if !ok {
		return errors.New("plot: PlotModel: the model has branches or nested models, and drawing them needs Graphviz's dot program, which is not on PATH (Debian: apt-get install graphviz); a .dot file can be written without it")
	}
	return drawChain(toFile, chain, o)
}

// chain returns the nodes in order if they form one path.
func (g *modelGraph) chain() ([]layerNode, bool) {
	if len(g.clusters) > 0 || len(g.edges) != len(g.nodes)-1 {
		return nil, false
	}
	next := map[string]string{}
	hasIn := map[string]bool{}
	for _, e := range g.edges {
		if _, dup := next[e[0]]; dup || hasIn[e[1]] {
			return nil, false
		}
		next[e[0]], hasIn[e[1]] = e[1], true
	}
	byID := map[string]layerNode{}
	start := ""
	for _, n := range g.nodes {
		byID[n.id] = n
		if !hasIn[n.id] {
			start = n.id
		}
	}
	var out []layerNode
	for id := start; id != ""; id = next[id] {
		out = append(out, byID[id])
		if len(out) > len(g.nodes) {
			return nil, false
		}
	}
	return out, len(out) == len(g.nodes)
}

// drawChain draws a chain of boxes in Keras's style (a black title row
// and white rows beneath) joined by arrows, without Graphviz.
func drawChain(path string, nodes []layerNode, o ModelOptions) error {
	title := textStyle(vg.Points(12), color.White, draw.XCenter, draw.YCenter)
	body := textStyle(vg.Points(10), black, draw.XCenter, draw.YCenter)
	rowH, pad, gap := vg.Points(22), vg.Points(12), vg.Points(28)
	type box struct {
		lines  []string
		styles []bool // true: the title row
		w, h   vg.Length
	}
	var boxes []box
	var maxW, maxH vg.Length
	for _, n := range nodes {
		b := box{}
		if o.ShowLayerNames {
			b.lines = append(b.lines, n.name+" ("+n.class+")")
		} else {
			b.lines = append(b.lines, n.class)
		}
		b.styles = append(b.styles, true)
		if o.ShowLayerActivations && n.activation != "" {
			b.lines, b.styles = append(b.lines, "Activation: "+n.activation), append(b.styles, false)
		}
		for _, c := range n.cells(o) {
			b.lines, b.styles = append(b.lines, c.label+c.value), append(b.styles, false)
		}
		for i, l := range b.lines {
			sty := body
			if b.styles[i] {
				sty = title
			}
			b.w = max(b.w, sty.Width(l)+2*pad)
		}
		b.h = rowH * vg.Length(len(b.lines))
		maxW, maxH = max(maxW, b.w), max(maxH, b.h)
		boxes = append(boxes, b)
	}
	vertical := o.Rankdir == "TB" || o.Rankdir == "BT"
	margin := vg.Points(10)
	var W, H vg.Length
	if vertical {
		W = maxW + 2*margin
		for _, b := range boxes {
			H += b.h
		}
		H += gap*vg.Length(len(boxes)-1) + 2*margin
	} else {
		H = maxH + 2*margin
		for _, b := range boxes {
			W += b.w
		}
		W += gap*vg.Length(len(boxes)-1) + 2*margin
	}
	if o.Rankdir == "BT" || o.Rankdir == "RL" {
		for i, j := 0, len(boxes)-1; i < j; i, j = i+1, j-1 {
			boxes[i], boxes[j] = boxes[j], boxes[i]
		}
	}
	return writeFigure(path, "toFile", W, H, func(c draw.Canvas) {
		c.FillPolygon(color.White, []vg.Point{{X: 0, Y: 0}, {X: W, Y: 0}, {X: W, Y: H}, {X: 0, Y: H}})
		line := draw.LineStyle{Color: black, Width: vg.Points(2)}
		thin := draw.LineStyle{Color: black, Width: vg.Points(1)}
		// y grows upwards on a vg canvas.
		x, top := margin, H-margin
		var prev vg.Point
		for i, b := range boxes {
			var x0, y1 vg.Length // left and top of the box
			if vertical {
				x0, y1 = (W-b.w)/2, top
			} else {
				x0, y1 = x, (H+b.h)/2
			}
			for r, l := range b.lines {
				ry := y1 - rowH*vg.Length(r+1)
				rect := []vg.Point{{X: x0, Y: ry}, {X: x0 + b.w, Y: ry}, {X: x0 + b.w, Y: ry + rowH}, {X: x0, Y: ry + rowH}}
				sty := body
				if b.styles[r] {
					c.FillPolygon(black, rect)
					sty = title
				} else {
					c.StrokeLines(thin, append(rect, rect[0]))
				}
				c.FillText(sty, vg.Point{X: x0 + b.w/2, Y: ry + rowH/2}, l)
			}
			var in, out vg.Point
			if vertical {
				in, out = vg.Point{X: W / 2, Y: y1}, vg.Point{X: W / 2, Y: y1 - b.h}
				top -= b.h + gap
			} else {
				in, out = vg.Point{X: x0, Y: H / 2}, vg.Point{X: x0 + b.w, Y: H / 2}
				x += b.w + gap
			}
			if i > 0 {
				c.StrokeLines(line, []vg.Point{prev, in})
				// The arrowhead at in, pointing from prev.
				dx, dy := in.X-prev.X, in.Y-prev.Y
				l := vg.Length(1)
				if d := float64(dx*dx + dy*dy); d > 0 {
					l = vg.Length(sqrt(d))
				}
				ux, uy := dx/l, dy/l
				s := vg.Points(7)
				c.FillPolygon(black, []vg.Point{in, {X: in.X - ux*s - uy*s/2, Y: in.Y - uy*s + ux*s/2}, {X: in.X - ux*s + uy*s/2, Y: in.Y - uy*s - ux*s/2}})
			}
			prev = out
		}
	})
}

func sqrt(v float64) float64 { return math.Sqrt(v) }
