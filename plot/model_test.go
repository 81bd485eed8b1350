package plot

import (
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
)

// branched is Keras's
//
//	x = keras.Input((8,), name="features")
//	h = layers.Dense(16, activation="relu")(x)
//	a = layers.Dense(4)(h)
//	b = layers.Dense(4)(h)
//	y = layers.Add()([a, b])
func branched(t *testing.T) *models.Model {
	t.Helper()
	x := models.Input([]int{8}, "features")
	h := models.Apply(&layers.Dense{Units: 16, Activation: activations.ReLU}, x)
	a := models.Apply(&layers.Dense{Units: 4}, h)
	b := models.Apply(&layers.Dense{Units: 4}, h)
	y := models.Apply(&layers.Add{}, a, b)
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

var (
	nodeLine = regexp.MustCompile(`(?m)^\t+(n[\d_]+) \[label=<(.*)>, fontname=Helvetica, border=0, margin=0\];$`)
	edgeLine = regexp.MustCompile(`(?m)^\t(n[\d_]+) -> (n[\d_]+) \[penwidth=2\];$`)
	title    = regexp.MustCompile(`<font point-size="16" color="white"><b>([^<]*)</b> \(([^)]*)\)</font>`)
)

// The structure of Keras's model_to_dot for the model: one node per
// layer (the input included), one edge per connection.
func TestModelToDotBranched(t *testing.T) {
	dot, err := ModelToDot(branched(t), ModelOptions{ShowShapes: true, ShowLayerNames: true, ShowLayerActivations: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, attr := range []string{"rankdir=TB;", "concentrate=true;", "dpi=200;", "splines=ortho;", "node [shape=record];"} {
		if !strings.Contains(dot, "\t"+attr+"\n") {
			t.Errorf("no %s in\n%s", attr, dot)
		}
	}
	names := map[string]string{}
	labels := map[string]string{}
	for _, m := range nodeLine.FindAllStringSubmatch(dot, -1) {
		tm := title.FindStringSubmatch(m[2])
		if tm == nil {
			t.Fatalf("label %s", m[2])
		}
		names[m[1]] = tm[1] + " (" + tm[2] + ")"
		labels[tm[1]] = "<" + m[2] + ">"
	}
	var edges []string
	for _, m := range edgeLine.FindAllStringSubmatch(dot, -1) {
		edges = append(edges, names[m[1]]+" -> "+names[m[2]])
	}
	sort.Strings(edges)
	want := []string{
		"dense (Dense) -> dense_1 (Dense)",
		"dense (Dense) -> dense_2 (Dense)",
		"dense_1 (Dense) -> add (Add)",
		"dense_2 (Dense) -> add (Add)",
		"features (InputLayer) -> dense (Dense)",
	}
	if len(names) != 5 || strings.Join(edges, "\n") != strings.Join(want, "\n") {
		t.Fatalf("nodes %v\nedges %v\nwant %v", names, edges, want)
	}
	// make_layer_label's table, written out from Keras's source.
	wantLabels := map[string]string{
		"dense": `<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="2" bgcolor="black"><font point-size="16" color="white"><b>dense</b> (Dense)</font></td></tr>` +
			`<tr><td bgcolor="white" colspan="2"><font point-size="14">Activation: <b>relu</b></font></td></tr>` +
			`<tr><td bgcolor="white"><font point-size="14">Input shape: <b>(None, 8)</b></font></td><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 16)</b></font></td></tr></table>>`,
		"features": `<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="2" bgcolor="black"><font point-size="16" color="white"><b>features</b> (InputLayer)</font></td></tr>` +
			`<tr><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 8)</b></font></td></tr></table>>`,
		"add": `<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="2" bgcolor="black"><font point-size="16" color="white"><b>add</b> (Add)</font></td></tr>` +
			`<tr><td bgcolor="white"><font point-size="14">Input shape: <b>[(None, 4), (None, 4)]</b></font></td><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 4)</b></font></td></tr></table>>`,
		"dense_1": `<<table border="0" cellborder="1" bgcolor="black" cellpadding="10"><tr><td colspan="2" bgcolor="black"><font point-size="16" color="white"><b>dense_1</b> (Dense)</font></td></tr>` +
			`<tr><td bgcolor="white" colspan="2"><font point-size="14">Activation: <b>linear</b></font></td></tr>` +
			`<tr><td bgcolor="white"><font point-size="14">Input shape: <b>(None, 16)</b></font></td><td bgcolor="white"><font point-size="14">Output shape: <b>(None, 4)</b></font></td></tr></table>>`,
	}
	for name, want := range wantLabels {
		if labels[name] != want {
			t.Errorf("label of %s:\n%s\nwant\n%s", name, labels[name], want)
		}
	}
}

func TestModelToDotSequential(t *testing.T) {
	m := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 256, Activation: activations.ReLU},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	dot, err := ModelToDot(m, ModelOptions{Rankdir: "LR", ShowTrainable: true})
	if err != nil {
		t.Fatal(err)
	}
	// Keras's Sequential has no InputLayer among its layers, so none is drawn;
	// without names only the classes show.
	if n := len(nodeLine.FindAllString(dot, -1)); n != 3 || !strings.Contains(dot, "rankdir=LR;") ||
		!strings.Contains(dot, "\tn0 -> n1 [penwidth=2];\n\tn1 -> n2 [penwidth=2];\n}") ||
		!strings.Contains(dot, `<b>Flatten</b></font>`) || strings.Count(dot, ">Trainable</b>") != 2 {
		t.Fatalf("%s", dot)
	}
	if dot, _ := ModelToDot(m, ModelOptions{ShowDtype: true}); strings.Count(dot, `Output dtype: <b>float32</b>`) != 3 {
		t.Errorf("ShowDtype:\n%s", dot)
	}
	for _, bad := range []ModelOptions{{Rankdir: "XX"}, {Splines: "wiggly"}, {DPI: -1}} {
		if _, err := ModelToDot(m, bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
	if _, err := ModelToDot(models.NewSequential(&layers.Dense{Units: 2}), ModelOptions{}); err == nil || !strings.Contains(err.Error(), "built") {
		t.Errorf("an unbuilt model: %v", err)
	}
	if _, err := ModelToDot(42, ModelOptions{}); err == nil {
		t.Error("not a model: no error")
	}
}

func TestModelNamesEscaped(t *testing.T) {
	x := models.Input([]int{2}, "<b>&x")
	y := models.ApplyNamed(`<font color="red">`, &layers.Dense{Units: 1}, x)
	m, err := models.NewModel([]*models.Node{x}, []*models.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	dot, _ := ModelToDot(m, ModelOptions{ShowLayerNames: true})
	if !strings.Contains(dot, "&lt;b&gt;&amp;x") || !strings.Contains(dot, "&lt;font color=&#34;red&#34;&gt;") {
		t.Fatalf("names not escaped:\n%s", dot)
	}
}

// needDot skips without Graphviz (CI installs it).
func needDot(t *testing.T) {
	if _, err := exec.LookPath("dot"); err != nil {
		t.Skip("Graphviz's dot is not on PATH")
	}
}

func TestPlotModelGraphviz(t *testing.T) {
	needDot(t)
	dir := t.TempDir()
	svg := filepath.Join(dir, "model.svg")
	if err := PlotModel(branched(t), svg, ModelOptions{ShowShapes: true, ShowLayerNames: true}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(svg)
	s := string(b)
	if strings.Count(s, `class="node"`) != 5 || !strings.Contains(s, "dense_2") || !strings.Contains(s, "[(None, 4), (None, 4)]") {
		t.Fatalf("dot's SVG lacks the layers:\n%.2000s", s)
	}
	p := filepath.Join(dir, "model.png")
	if err := PlotModel(branched(t), p, ModelOptions{ShowShapes: true}); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(p)
	defer f.Close()
	if img, err := png.Decode(f); err != nil || img.Bounds().Dy() < 200 {
		t.Fatalf("PNG: %v", err)
	}
}

func TestPlotModelFallback(t *testing.T) {
	defer func(d string) { dotCommand = d }(dotCommand)
	dotCommand = "no-such-graphviz-dot"
	dir := t.TempDir()
	m := models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 256, Activation: activations.ReLU},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	)
	for _, ext := range []string{"png", "svg"} {
		p := filepath.Join(dir, "stack."+ext)
		if err := PlotModel(m, p, ModelOptions{ShowShapes: true, ShowLayerNames: true, ShowLayerActivations: true}); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		if ext == "svg" && (!strings.Contains(string(b), "dense_1 (Dense)") || !strings.Contains(string(b), "Output shape: (None, 10)")) {
			t.Errorf("the fallback SVG lacks the layers")
		}
		if ext == "png" {
			if _, err := png.Decode(strings.NewReader(string(b))); err != nil {
				t.Fatal(err)
			}
		}
	}
	err := PlotModel(branched(t), filepath.Join(dir, "b.png"), ModelOptions{})
	if err == nil || !strings.Contains(err.Error(), "Graphviz") {
		t.Fatalf("a branched model without Graphviz: %v", err)
	}
	if err := PlotModel(branched(t), filepath.Join(dir, "b.dot"), ModelOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := PlotModel(m, filepath.Join(dir, "x.jpg"), ModelOptions{}); err == nil || !strings.Contains(err.Error(), "toFile") {
		t.Errorf(".jpg: %v", err)
	}
}

// A model used as a layer is one box, or with ExpandNested a dashed
// cluster of its layers, the outer edges going to its first and from its
// last layer, as Keras's model_to_dot(expand_nested=True) draws it.
func TestModelToDotNested(t *testing.T) {
	ix := models.Input([]int{4}, "inner_in")
	iy := models.Apply(&layers.Dense{Units: 3}, ix)
	inner, err := models.NewModel([]*models.Node{ix}, []*models.Node{iy})
	if err != nil {
		t.Fatal(err)
	}
	x := models.Input([]int{4}, "outer_in")
	h := models.ApplyNamed("encoder", inner.AsLayer(), x)
	y := models.ApplyNamed("head", &layers.Dense{Units: 2}, h)
	outer, err := models.NewModel([]*models.Node{x}, []*models.Node{y})
	if err != nil {
		t.Fatal(err)
	}
	names := func(dot string) (map[string]string, []string) {
		ns := map[string]string{}
		for _, m := range nodeLine.FindAllStringSubmatch(dot, -1) {
			tm := title.FindStringSubmatch(m[2])
			ns[m[1]] = tm[1]
		}
		var es []string
		for _, m := range edgeLine.FindAllStringSubmatch(dot, -1) {
			es = append(es, ns[m[1]]+" -> "+ns[m[2]])
		}
		sort.Strings(es)
		return ns, es
	}
	flat, err := ModelToDot(outer, ModelOptions{ShowLayerNames: true})
	if err != nil {
		t.Fatal(err)
	}
	ns, es := names(flat)
	if len(ns) != 3 || strings.Join(es, ", ") != "encoder -> head, outer_in -> encoder" || !strings.Contains(flat, "(Functional)") {
		t.Fatalf("flat: %v %v\n%s", ns, es, flat)
	}
	nested, err := ModelToDot(outer, ModelOptions{ShowLayerNames: true, ExpandNested: true})
	if err != nil {
		t.Fatal(err)
	}
	ns, es = names(nested)
	want := "dense -> head, inner_in -> dense, outer_in -> inner_in"
	if len(ns) != 4 || strings.Join(es, ", ") != want || !strings.Contains(nested, "subgraph cluster_") || !strings.Contains(nested, `label="encoder";`) {
		t.Fatalf("expanded: %v\n%v, want %s\n%s", ns, es, want, nested)
	}
	needDot(t)
	if err := PlotModel(outer, filepath.Join(t.TempDir(), "n.svg"), ModelOptions{ExpandNested: true}); err != nil {
		t.Fatal(err)
	}
}
