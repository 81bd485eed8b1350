package onnx

import (
	"fmt"
	"math"

	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/onnx/internal/pb"
	"github.com/neuron-go/neuron/tensor"
)

// layer adds the nodes of one layer applied to ins and returns its outputs.
func (e *exporter) layer(l any, name string, ins []value) ([]value, error) {
	class := "?"
	switch l := l.(type) {
	case layers.Layer:
		class = l.ClassName()
	case layers.MultiLayer:
		class = l.ClassName()
	}
	shapes, err := outShapes(l, ins)
	if err != nil {
		return nil, fmt.Errorf("onnx: Export: layer %q (%s): %w", name, class, err)
	}
	m, err := config(l)
	if err != nil {
		return nil, fmt.Errorf("onnx: Export: layer %q (%s): %w", name, class, err)
	}
	c := cfg{m: m, class: class, name: name}
	ws := weightsOf(l)
	out := func(n string, first bool) []value {
		return []value{{name: n, shape: shapes[0], first: first}}
	}
	x := ins[0]
	for _, v := range ins {
		if v.mask == "" {
			continue
		}
		switch l.(type) {
		case *layers.Input, *layers.Identity, *layers.Dropout, *layers.SpatialDropout1D, *layers.GaussianNoise, *layers.GaussianDropout,
			*layers.ActivityRegularization, *layers.Activation, *layers.LSTM, *layers.GRU, *layers.SimpleRNN, *layers.Bidirectional:
		default:
			return nil, unsupported(class, name, "the mask of an Embedding with mask_zero=True reaches it (masks are exported into LSTM, GRU, SimpleRNN and Bidirectional, through Activation and the layers that pass values unchanged)")
		}
	}
	switch l := l.(type) {
	case *layers.Input, *layers.Identity:
		return ins, nil
	case *layers.Dropout, *layers.SpatialDropout1D, *layers.SpatialDropout2D,
		*layers.GaussianNoise, *layers.GaussianDropout, *layers.ActivityRegularization,
		*layers.RandomFlip, *layers.RandomTranslation, *layers.RandomRotation,
		*layers.RandomZoom, *layers.RandomContrast:
		// Training-only: the identity at inference.
		return ins, nil

	case *layers.Dense:
		k := ws["kernel"]
		kn := e.floats(name+"/kernel", k.Value.Shape(), k.Value.Data())
		xs := e.last(x)
		var y string
		if len(x.shape) == 1 {
			in := []string{xs, kn}
			if b, ok := ws["bias"]; ok {
				in = append(in, e.floats(name+"/bias", b.Value.Shape(), b.Value.Data()))
			}
			y = e.op("Gemm", name, in)
		} else {
			y = e.op("MatMul", name+"/matmul", []string{xs, kn})
			if b, ok := ws["bias"]; ok {
				y = e.op("Add", name, []string{y, e.floats(name+"/bias", b.Value.Shape(), b.Value.Data())})
			}
		}
		y, err = e.activation(c, c.str("activation"), value{name: y, shape: shapes[0]})
		return out(y, false), err

	case *layers.Conv2D, *layers.DepthwiseConv2D, *layers.SeparableConv2D:
		return e.conv2D(c, l, ws, x, shapes[0])
	case *layers.Conv2DTranspose:
		return e.conv2DTranspose(c, ws, x, shapes[0])
	case *layers.Conv1D:
		return e.conv1D(c, ws, x, shapes[0])

	case *layers.MaxPooling2D, *layers.AveragePooling2D, *layers.MaxPooling1D, *layers.AveragePooling1D:
		return e.pool(c, x, shapes[0])
	case *layers.GlobalAveragePooling2D, *layers.GlobalMaxPooling2D, *layers.GlobalAveragePooling1D, *layers.GlobalMaxPooling1D:
		op := "ReduceMean"
		if class == "GlobalMaxPooling2D" || class == "GlobalMaxPooling1D" {
			op = "ReduceMax"
		}
		keep := int64(0)
		if c.boolean("keepdims") {
			keep = 1
		}
		var axes []int64
		if x.first {
			for i := 2; i <= len(x.shape); i++ {
				axes = append(axes, int64(i))
			}
		} else {
			for i := 1; i < len(x.shape); i++ {
				axes = append(axes, int64(i))
			}
		}
		y := e.op(op, name, []string{x.name}, attrInts("axes", axes...), attrInt("keepdims", keep))
		// Without keepdims the result is (batch, channels) in either layout.
		return out(y, x.first && keep == 1), nil

	case *layers.BatchNormalization:
		ch := x.shape[len(x.shape)-1]
		get := func(w string, def float32) string {
			if t, ok := ws[w]; ok {
				return e.floats(name+"/"+w, []int{ch}, t.Value.Data())
			}
			return e.floats(name+"/"+w, []int{ch}, fill(ch, def))
		}
		xs := x.name
		first := true
		if len(x.shape) == 1 {
			first = false
		} else {
			xs = e.first(x)
		}
		y := e.op("BatchNormalization", name, []string{xs, get("gamma", 1), get("beta", 0), get("moving_mean", 0), get("moving_variance", 1)},
			attrFloat("epsilon", float32(c.num("epsilon", 1e-3))))
		return out(y, first), nil

	case *layers.LayerNormalization:
		axes := c.ints("axis")
		r := len(x.shape) + 1
		lo := r
		for _, a := range axes {
			if a < 0 {
				a += r
			}
			lo = min(lo, a)
		}
		norm := x.shape[lo-1:]
		get := func(w string, def float32) string {
			if t, ok := ws[w]; ok {
				return e.floats(name+"/"+w, t.Value.Shape(), t.Value.Data())
			}
			return e.floats(name+"/"+w, norm, fill(prodInts(norm), def))
		}
		y := e.op("LayerNormalization", name, []string{e.last(x), get("gamma", 1), get("beta", 0)},
			attrInt("axis", int64(lo)), attrFloat("epsilon", float32(c.num("epsilon", 1e-3))))
		return out(y, false), nil

	case *layers.Flatten:
		return out(e.op("Flatten", name, []string{e.last(x)}, attrInt("axis", 1)), false), nil
	case *layers.Reshape:
		return out(e.reshape(name, e.last(x), shapes[0]), false), nil
	case *layers.Permute:
		perm := []int64{0}
		for _, d := range c.ints("dims") {
			perm = append(perm, int64(d))
		}
		return out(e.op("Transpose", name, []string{e.last(x)}, attrInts("perm", perm...)), false), nil

	case *layers.Activation:
		y, err := e.activation(c, c.str("activation"), x)
		o := out(y, x.first)
		o[0].mask = x.mask // elementwise: Keras passes the mask on
		return o, err
	case *layers.ReLU:
		return out(e.relu(name, x.name, c), x.first), nil
	case *layers.LeakyReLU:
		return out(e.op("LeakyRelu", name, []string{x.name}, attrFloat("alpha", float32(c.num("negative_slope", 0.3)))), x.first), nil
	case *layers.ELU:
		return out(e.op("Elu", name, []string{x.name}, attrFloat("alpha", float32(c.num("alpha", 1)))), x.first), nil
	case *layers.Softmax:
		axis := -1
		if a := c.ints("axis"); len(a) == 1 {
			axis = a[0]
		}
		return out(e.op("Softmax", name, []string{x.name}, attrInt("axis", int64(onnxAxis(axis, len(x.shape)+1, x.first)))), x.first), nil
	case *layers.PReLU:
		a := ws["alpha"]
		return out(e.op("PRelu", name, []string{e.last(x), e.floats(name+"/alpha", a.Value.Shape(), a.Value.Data())}), false), nil

	case *layers.Embedding:
		emb := ws["embeddings"]
		idx := e.op("Cast", name+"/indices", []string{e.last(x)}, attrInt("to", 7)) // INT64
		y := out(e.op("Gather", name, []string{e.floats(name+"/embeddings", emb.Value.Shape(), emb.Value.Data()), idx}, attrInt("axis", 0)), false)
		if c.boolean("mask_zero") {
			if len(x.shape) != 1 {
				return nil, unsupported(class, name, fmt.Sprintf("mask_zero=True on indices of shape %v (a mask over the steps of (batch, steps) indices is exported)", x.shape))
			}
			// Keras's mask: the index is not 0.
			zero := e.op("Equal", name+"/padding", []string{idx, e.ints(name+"/zero", 0)})
			y[0].mask = e.op("Not", name+"/mask", []string{zero})
		}
		return y, nil

	case *layers.Add, *layers.Subtract, *layers.Multiply, *layers.Average, *layers.Maximum, *layers.Minimum, *layers.Concatenate:
		return e.merge(c, ins, shapes[0])

	case *layers.MultiHeadAttention, *layers.Attention, *layers.AdditiveAttention:
		return e.attentionLayer(c, l, ins, shapes)

	case *layers.LSTM, *layers.GRU, *layers.SimpleRNN:
		return e.recurrent(c, l.(layers.Layer), nil, "", ins, shapes[0])
	case *layers.Bidirectional:
		return e.recurrent(c, l.Forward(), l.Backward(), c.str("merge_mode"), ins, shapes[0])
	}
	return nil, unsupported(class, name, "no ONNX form")
}

func fill(n int, v float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func prodInts(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// reshape reshapes x (channels-last) to the per-example shape s, keeping
// the batch axis dynamic (0 copies it).
func (e *exporter) reshape(name, x string, s []int) string {
	shape := append([]int64{0}, int64s(s)...)
	return e.op("Reshape", name, []string{x, e.ints(name+"/shape", shape...)})
}

// activation applies a Keras activation by name to x and returns the
// result's name; "linear" and "" add nothing. Softmax and log_softmax act
// on the last axis of neuron's layout.
func (e *exporter) activation(c cfg, act string, x value) (string, error) {
	n := func(op string, attrs ...*pb.AttributeProto) string {
		return e.op(op, c.name+"/"+act, []string{x.name}, attrs...)
	}
	lastAxis := int64(onnxAxis(-1, len(x.shape)+1, x.first))
	switch act {
	case "", "linear":
		return x.name, nil
	case "relu":
		return n("Relu"), nil
	case "sigmoid":
		return n("Sigmoid"), nil
	case "tanh":
		return n("Tanh"), nil
	case "softmax":
		return n("Softmax", attrInt("axis", lastAxis)), nil
	case "log_softmax":
		return n("LogSoftmax", attrInt("axis", lastAxis)), nil
	case "elu":
		return n("Elu", attrFloat("alpha", 1)), nil
	case "selu":
		// Keras's constants, more precise than ONNX's defaults.
		return n("Selu", attrFloat("alpha", 1.6732632423543772848170429916717), attrFloat("gamma", 1.0507009873554804934193349852946)), nil
	case "softplus":
		return n("Softplus"), nil
	case "softsign":
		return n("Softsign"), nil
	case "leaky_relu":
		return n("LeakyRelu", attrFloat("alpha", 0.2)), nil
	case "relu6":
		return e.op("Clip", c.name+"/relu6", []string{x.name, e.scalar(c.name+"/relu6_min", 0), e.scalar(c.name+"/relu6_max", 6)}), nil
	case "hard_sigmoid":
		// Keras 3: relu6(x+3)/6.
		return n("HardSigmoid", attrFloat("alpha", 1.0/6), attrFloat("beta", 0.5)), nil
	case "hard_silu", "hard_swish":
		return n("HardSwish"), nil
	case "exponential":
		return n("Exp"), nil
	case "silu", "swish":
		s := e.op("Sigmoid", c.name+"/silu_sigmoid", []string{x.name})
		return e.op("Mul", c.name+"/silu", []string{x.name, s}), nil
	case "gelu":
		// 0.5·x·(1 + erf(x/√2)), Keras's gelu with approximate=False.
		d := e.op("Mul", c.name+"/gelu_scaled", []string{x.name, e.scalar(c.name+"/gelu_rsqrt2", float32(1/math.Sqrt2))})
		f := e.op("Erf", c.name+"/gelu_erf", []string{d})
		p := e.op("Add", c.name+"/gelu_erf1", []string{f, e.scalar(c.name+"/gelu_one", 1)})
		h := e.op("Mul", c.name+"/gelu_half", []string{x.name, e.scalar(c.name+"/gelu_half_c", 0.5)})
		return e.op("Mul", c.name+"/gelu", []string{h, p}), nil
	case "mish":
		sp := e.op("Softplus", c.name+"/mish_softplus", []string{x.name})
		t := e.op("Tanh", c.name+"/mish_tanh", []string{sp})
		return e.op("Mul", c.name+"/mish", []string{x.name, t}), nil
	}
	return "", unsupported(c.class, c.name, fmt.Sprintf("activation %q has no ONNX form", act))
}

// relu is Keras's relu(x, negative_slope, max_value, threshold).
func (e *exporter) relu(name, x string, c cfg) string {
	slope := float32(c.num("negative_slope", 0))
	thr := float32(c.num("threshold", 0))
	maxv, hasMax := c.m["max_value"].(float64)
	var y string
	switch {
	case slope == 0 && thr == 0:
		if hasMax {
			return e.op("Clip", name, []string{x, e.scalar(name+"/min", 0), e.scalar(name+"/max", float32(maxv))})
		}
		return e.op("Relu", name, []string{x})
	case thr == 0:
		y = e.op("LeakyRelu", name+"/leaky", []string{x}, attrFloat("alpha", slope))
	default:
		// x where x ≥ threshold, slope·(x − threshold) below.
		t := e.scalar(name+"/threshold", thr)
		ge := e.op("GreaterOrEqual", name+"/above", []string{x, t})
		below := e.op("Mul", name+"/below", []string{e.op("Sub", name+"/shifted", []string{x, t}), e.scalar(name+"/slope", slope)})
		y = e.op("Where", name+"/where", []string{ge, x, below})
	}
	if hasMax {
		return e.op("Min", name, []string{y, e.scalar(name+"/max", float32(maxv))})
	}
	return e.op("Identity", name, []string{y})
}

// samePads returns ONNX's pads (begin…, end…) for TensorFlow's "same"
// padding: the output has ceil(in/stride) positions and an odd extra row or
// column goes at the end.
func samePads(in, kernel, stride, dilation []int) []int64 {
	n := len(in)
	pads := make([]int64, 2*n)
	for i := range n {
		k := (kernel[i]-1)*dilation[i] + 1
		out := (in[i] + stride[i] - 1) / stride[i]
		total := max((out-1)*stride[i]+k-in[i], 0)
		pads[i] = int64(total / 2)
		pads[n+i] = int64(total - total/2)
	}
	return pads
}

func (e *exporter) conv2D(c cfg, l any, ws map[string]*layers.Weight, x value, outShape []int) ([]value, error) {
	name := c.name
	strides := c.pair("strides", 1)
	dil := c.pair("dilation_rate", 1)
	ks := c.pair("kernel_size", 1)
	spatial := x.shape[:2]
	pads := make([]int64, 4)
	if c.str("padding") == "same" {
		pads = samePads(spatial, ks[:], strides[:], dil[:])
	}
	attrs := []*pb.AttributeProto{attrInts("kernel_shape", int64(ks[0]), int64(ks[1])), attrInts("strides", int64(strides[0]), int64(strides[1])),
		attrInts("dilations", int64(dil[0]), int64(dil[1])), attrInts("pads", pads...)}
	cin := x.shape[2]
	xs := e.first(x)
	var y string
	bias := func() []string {
		if b, ok := ws["bias"]; ok {
			return []string{e.floats(name+"/bias", b.Value.Shape(), b.Value.Data())}
		}
		return nil
	}
	switch l.(type) {
	case *layers.Conv2D:
		k := ws["kernel"]
		w := kernelToOIHW(k.Value)
		groups := int(c.num("groups", 1))
		in := append([]string{xs, e.floats(name+"/kernel", w.Shape(), w.Data())}, bias()...)
		y = e.op("Conv", name, in, append(attrs, attrInt("group", int64(groups)))...)
	case *layers.DepthwiseConv2D, *layers.SeparableConv2D:
		wname := "depthwise_kernel"
		if _, ok := ws[wname]; !ok {
			wname = "kernel"
		}
		k := ws[wname]
		// (kh, kw, cin, mult) → (cin·mult, 1, kh, kw): output channel
		// c·mult + m, as TensorFlow's depthwise convolution orders them.
		s := k.Value.Shape()
		kh, kw, ci, mult := s[0], s[1], s[2], s[3]
		d := k.Value.Data()
		w := make([]float32, len(d))
		for i := range kh {
			for j := range kw {
				for ch := range ci {
					for m := range mult {
						w[((ch*mult+m)*kh+i)*kw+j] = d[((i*kw+j)*ci+ch)*mult+m]
					}
				}
			}
		}
		_, sep := l.(*layers.SeparableConv2D)
		in := []string{xs, e.floats(name+"/"+wname, []int{ci * mult, 1, kh, kw}, w)}
		if !sep {
			in = append(in, bias()...)
		}
		dn := name
		if sep {
			dn = name + "/depthwise"
		}
		y = e.op("Conv", dn, in, append(attrs, attrInt("group", int64(cin)))...)
		if sep {
			p := kernelToOIHW(ws["pointwise_kernel"].Value)
			in := append([]string{y, e.floats(name+"/pointwise_kernel", p.Shape(), p.Data())}, bias()...)
			y = e.op("Conv", name, in, attrInts("kernel_shape", 1, 1))
		}
	}
	y, err := e.activation(c, c.str("activation"), value{name: y, shape: outShape, first: true})
	return []value{{name: y, shape: outShape, first: true}}, err
}

// kernelToOIHW turns Keras's (kh, kw, in, out) kernel into ONNX's
// (out, in, kh, kw).
func kernelToOIHW(k *tensor.Tensor) *tensor.Tensor {
	s := k.Shape()
	kh, kw, ci, co := s[0], s[1], s[2], s[3]
	d := k.Data()
	w := make([]float32, len(d))
	for i := range kh {
		for j := range kw {
			for a := range ci {
				for b := range co {
					w[((b*ci+a)*kh+i)*kw+j] = d[((i*kw+j)*ci+a)*co+b]
				}
			}
		}
	}
	return tensor.FromSlice(w, co, ci, kh, kw)
}

func (e *exporter) conv2DTranspose(c cfg, ws map[string]*layers.Weight, x value, outShape []int) ([]value, error) {
	name := c.name
	strides := c.pair("strides", 1)
	dil := c.pair("dilation_rate", 1)
	k := ws["kernel"]
	// Keras's (kh, kw, filters, in) is ONNX's (in, filters, kh, kw) after
	// the same transpose as a Conv2D kernel's.
	w := kernelToOIHW(k.Value)
	s := k.Value.Shape()
	ks := [2]int{s[0], s[1]}
	var pads [4]int64
	for i := range 2 {
		full := (x.shape[i]-1)*strides[i] + (ks[i]-1)*dil[i] + 1
		total := full - outShape[i]
		// Negative totals are Keras's output_padding beyond the full
		// output, which ONNX's output_padding adds at the end.
		if total >= 0 {
			pads[i] = int64(total / 2)
			pads[2+i] = int64(total - total/2)
		}
	}
	outPad := [2]int64{}
	for i := range 2 {
		full := (x.shape[i]-1)*strides[i] + (ks[i]-1)*dil[i] + 1
		if d := outShape[i] - (full - int(pads[i]) - int(pads[2+i])); d > 0 {
			outPad[i] = int64(d)
		}
	}
	in := []string{e.first(x), e.floats(name+"/kernel", w.Shape(), w.Data())}
	if b, ok := ws["bias"]; ok {
		in = append(in, e.floats(name+"/bias", b.Value.Shape(), b.Value.Data()))
	}
	y := e.op("ConvTranspose", name, in, attrInts("kernel_shape", int64(ks[0]), int64(ks[1])), attrInts("strides", int64(strides[0]), int64(strides[1])),
		attrInts("dilations", int64(dil[0]), int64(dil[1])), attrInts("pads", pads[:]...), attrInts("output_padding", outPad[:]...))
	y, err := e.activation(c, c.str("activation"), value{name: y, shape: outShape, first: true})
	return []value{{name: y, shape: outShape, first: true}}, err
}

func (e *exporter) conv1D(c cfg, ws map[string]*layers.Weight, x value, outShape []int) ([]value, error) {
	name := c.name
	strides := c.ints("strides")
	dil := c.ints("dilation_rate")
	k := ws["kernel"]
	s := k.Value.Shape() // (k, in/groups, filters)
	kk, ci, co := s[0], s[1], s[2]
	d := k.Value.Data()
	w := make([]float32, len(d))
	for i := range kk {
		for a := range ci {
			for b := range co {
				w[(b*ci+a)*kk+i] = d[(i*ci+a)*co+b]
			}
		}
	}
	xs := e.first(x)
	pads := []int64{0, 0}
	switch c.str("padding") {
	case "same":
		pads = samePads(x.shape[:1], []int{kk}, strides, dil)
	case "causal":
		pads = []int64{int64((kk - 1) * dil[0]), 0}
	}
	in := []string{xs, e.floats(name+"/kernel", []int{co, ci, kk}, w)}
	if b, ok := ws["bias"]; ok {
		in = append(in, e.floats(name+"/bias", b.Value.Shape(), b.Value.Data()))
	}
	y := e.op("Conv", name, in, attrInts("kernel_shape", int64(kk)), attrInts("strides", int64s(strides)...),
		attrInts("dilations", int64s(dil)...), attrInts("pads", pads...), attrInt("group", int64(c.num("groups", 1))))
	y, err := e.activation(c, c.str("activation"), value{name: y, shape: outShape, first: true})
	return []value{{name: y, shape: outShape, first: true}}, err
}

func (e *exporter) pool(c cfg, x value, outShape []int) ([]value, error) {
	op := "MaxPool"
	if c.class == "AveragePooling2D" || c.class == "AveragePooling1D" {
		op = "AveragePool"
	}
	pool := c.ints("pool_size")
	strides := c.ints("strides")
	n := len(x.shape) - 1
	if len(pool) == 1 && n == 2 {
		pool = []int{pool[0], pool[0]}
	}
	if len(strides) == 0 {
		strides = pool
	} else if len(strides) == 1 && n == 2 {
		strides = []int{strides[0], strides[0]}
	}
	pads := make([]int64, 2*n)
	if c.str("padding") == "same" {
		pads = samePads(x.shape[:n], pool, strides, []int{1, 1}[:n])
	}
	y := e.op(op, c.name, []string{e.first(x)}, attrInts("kernel_shape", int64s(pool)...), attrInts("strides", int64s(strides)...), attrInts("pads", pads...))
	return []value{{name: y, shape: outShape, first: true}}, nil
}

func (e *exporter) merge(c cfg, ins []value, outShape []int) ([]value, error) {
	name := c.name
	// Stay channels-first when every input is, with the same rank.
	first := true
	for _, v := range ins {
		if !v.first || len(v.shape) != len(ins[0].shape) {
			first = false
		}
	}
	xs := make([]string, len(ins))
	for i, v := range ins {
		if first {
			xs[i] = v.name
		} else {
			xs[i] = e.last(v)
		}
	}
	// Left to right, as neuron sums.
	chain := func(op string) string {
		y := xs[0]
		for i := 1; i < len(xs); i++ {
			n := name
			if i < len(xs)-1 || c.class == "Average" {
				n = fmt.Sprintf("%s/%s_%d", name, op, i)
			}
			y = e.op(op, n, []string{y, xs[i]})
		}
		return y
	}
	var y string
	switch c.class {
	case "Add":
		y = chain("Add")
	case "Subtract":
		y = e.op("Sub", name, xs)
	case "Multiply":
		y = chain("Mul")
	case "Average":
		y = e.op("Div", name, []string{chain("Add"), e.scalar(name+"/count", float32(len(xs)))})
	case "Maximum":
		y = e.op("Max", name, xs)
	case "Minimum":
		y = e.op("Min", name, xs)
	case "Concatenate":
		axis := -1
		if a := c.ints("axis"); len(a) == 1 {
			axis = a[0]
		}
		y = e.op("Concat", name, xs, attrInt("axis", int64(onnxAxis(axis, len(outShape)+1, first))))
	}
	return []value{{name: y, shape: outShape, first: first}}, nil
}

// onnxRNNActivation names a Keras recurrent activation as ONNX's recurrent
// operators do, with its alpha and beta if it takes them.
func onnxRNNActivation(c cfg, act string) (string, []float32, error) {
	switch act {
	case "tanh":
		return "Tanh", nil, nil
	case "sigmoid":
		return "Sigmoid", nil, nil
	case "relu":
		return "Relu", nil, nil
	case "linear":
		return "Affine", []float32{1, 0}, nil
	case "hard_sigmoid":
		return "HardSigmoid", []float32{1.0 / 6, 0.5}, nil
	}
	return "", nil, unsupported(c.class, c.name, fmt.Sprintf("recurrent activation %q has no ONNX form", act))
}

// recurrent exports LSTM, GRU and SimpleRNN, alone (bwd nil) or as the two
// sides of a Bidirectional, to ONNX's LSTM, GRU and RNN.
func (e *exporter) recurrent(c cfg, fwd, bwd layers.Layer, mergeMode string, ins []value, outShape []int) ([]value, error) {
	name := c.name
	if len(ins) != 1 {
		return nil, unsupported(c.class, name, "initial states given as inputs")
	}
	sides := []layers.Layer{fwd}
	if bwd != nil {
		sides = append(sides, bwd)
	}
	var cfgs []cfg
	for _, s := range sides {
		m, err := config(s)
		if err != nil {
			return nil, fmt.Errorf("onnx: Export: layer %q (%s): %w", name, c.class, err)
		}
		sc := cfg{m: m, class: s.ClassName(), name: name}
		if sc.boolean("stateful") {
			return nil, unsupported(c.class, name, "stateful=True")
		}
		cfgs = append(cfgs, sc)
	}
	class := fwd.ClassName()
	if bwd != nil {
		if mergeMode == "none" {
			return nil, unsupported(c.class, name, `merge_mode="none"`)
		}
		if bwd.ClassName() != class {
			return nil, unsupported(c.class, name, fmt.Sprintf("the backward layer is a %s, the forward a %s", bwd.ClassName(), class))
		}
		for _, k := range []string{"units", "activation", "recurrent_activation", "use_bias", "reset_after"} {
			if fmt.Sprint(cfgs[0].m[k]) != fmt.Sprint(cfgs[1].m[k]) {
				return nil, unsupported(c.class, name, fmt.Sprintf("the forward and backward layers differ in %s", k))
			}
		}
		if cfgs[0].boolean("go_backwards") {
			return nil, unsupported(c.class, name, "the forward layer has go_backwards=True")
		}
	}
	fc := cfgs[0]
	u := int(fc.num("units", 0))
	feat := ins[0].shape[len(ins[0].shape)-1]
	var op string
	var gates int
	var kerasBlock []int // ONNX gate g takes Keras's block kerasBlock[g]
	var acts []string
	switch class {
	case "LSTM":
		op, gates, kerasBlock = "LSTM", 4, []int{0, 3, 1, 2} // ONNX i,o,f,c from Keras i,f,c,o
		acts = []string{fc.str("recurrent_activation"), fc.str("activation"), fc.str("activation")}
	case "GRU":
		op, gates, kerasBlock = "GRU", 3, []int{0, 1, 2} // z,r,h in both
		acts = []string{fc.str("recurrent_activation"), fc.str("activation")}
	case "SimpleRNN":
		op, gates, kerasBlock = "RNN", 1, []int{0}
		acts = []string{fc.str("activation")}
	default:
		return nil, unsupported(c.class, name, "the wrapped layer "+class+" has no ONNX form")
	}
	var W, R, B []float32
	hasBias := fc.boolean("use_bias")
	for _, s := range sides {
		ws := weightsOf(s)
		k, r := ws["kernel"].Value.Data(), ws["recurrent_kernel"].Value.Data()
		n := gates * u
		w := make([]float32, n*feat)
		rr := make([]float32, n*u)
		b := make([]float32, 2*n)
		for g := range gates {
			kb := kerasBlock[g]
			for j := range u {
				for f := range feat {
					w[(g*u+j)*feat+f] = k[f*n+kb*u+j]
				}
				for f := range u {
					rr[(g*u+j)*u+f] = r[f*n+kb*u+j]
				}
			}
		}
		if bw, ok := ws["bias"]; ok {
			bd := bw.Value.Data()
			// GRU's reset_after bias has two rows, input and recurrent (Wb
			// and Rb); with reset_after=False its one row is Wb, Rb zeros.
			rows := len(bd) / n
			for row := range rows {
				for g := range gates {
					kb := kerasBlock[g]
					for j := range u {
						b[row*n+g*u+j] = bd[row*n+kb*u+j]
					}
				}
			}
		}
		W, R, B = append(W, w...), append(R, rr...), append(B, b...)
	}
	d := len(sides)
	steps := ins[0].shape[0]
	x := e.last(ins[0])
	var mk *stepMask
	if ins[0].mask != "" {
		mk = e.stepMask(name, ins[0].mask, steps)
		x = mk.compact(e, name+"/compact", x, feat)
	}
	in := []string{
		e.op("Transpose", name+"/time_major", []string{x}, attrInts("perm", 1, 0, 2)),
		e.floats(name+"/W", []int{d, gates * u, feat}, W),
		e.floats(name+"/R", []int{d, gates * u, u}, R),
	}
	if hasBias {
		in = append(in, e.floats(name+"/B", []int{d, 2 * gates * u}, B))
	}
	if mk != nil {
		if !hasBias {
			in = append(in, "")
		}
		in = append(in, mk.lens)
	}
	direction := "forward"
	switch {
	case bwd != nil:
		direction = "bidirectional"
	case fc.boolean("go_backwards"):
		direction = "reverse"
	}
	var names []string
	var alphas, betas []float32
	for _, a := range acts {
		n, ab, err := onnxRNNActivation(fc, a)
		if err != nil {
			return nil, err
		}
		names = append(names, n)
		if ab != nil {
			alphas, betas = append(alphas, ab[0]), append(betas, ab[1])
		}
	}
	if d == 2 {
		names = append(names, names...)
		alphas, betas = append(alphas, alphas...), append(betas, betas...)
	}
	attrs := []*pb.AttributeProto{attrInt("hidden_size", int64(u)), attrString("direction", direction), attrStrings("activations", names...)}
	if len(alphas) > 0 {
		attrs = append(attrs, attrFloats("activation_alpha", alphas...), attrFloats("activation_beta", betas...))
	}
	if op == "GRU" && fc.boolean("reset_after") {
		attrs = append(attrs, attrInt("linear_before_reset", 1)) // Keras's reset_after=True
	} else if op == "GRU" {
		attrs = append(attrs, attrInt("linear_before_reset", 0)) // reset_after=False
	}
	seq := fc.boolean("return_sequences")
	state := fc.boolean("return_state")
	outs := []string{"", "", ""}
	if seq {
		outs[0] = e.fresh(name + "/Y")
	}
	if !seq || state {
		outs[1] = e.fresh(name + "/Y_h")
	}
	if state && op == "LSTM" {
		outs[2] = e.fresh(name + "/Y_c")
	}
	for len(outs) > 0 && outs[len(outs)-1] == "" {
		outs = outs[:len(outs)-1]
	}
	e.opTo(op, name+"/"+op, in, outs, attrs...)
	var y string
	if seq {
		// (steps, directions, batch, units) → (batch, steps, directions, units).
		t := e.op("Transpose", name+"/batch_major", []string{outs[0]}, attrInts("perm", 2, 0, 1, 3))
		if mk != nil {
			t = mk.expand(e, name, t, d, u, direction == "reverse")
		}
		switch {
		case d == 2 && mergeMode != "" && mergeMode != "concat":
			y = e.mergeDirections(name, t, 2, mergeMode)
		case d == 1 && direction == "reverse" && mk == nil:
			// Keras returns a backward layer's states in the order it
			// made them; ONNX puts them at their steps.
			r := e.reshape(name+"/states", t, []int{steps, u})
			y = e.op("Slice", name, []string{r, e.ints(name+"/starts", -1), e.ints(name+"/ends", math.MinInt64), e.ints(name+"/axes", 1), e.ints(name+"/steps", -1)})
		default:
			y = e.reshape(name, t, outShape)
		}
	} else {
		t := e.op("Transpose", name+"/batch_major", []string{outs[1]}, attrInts("perm", 1, 0, 2))
		if d == 2 && mergeMode != "" && mergeMode != "concat" {
			y = e.mergeDirections(name, t, 1, mergeMode)
		} else {
			y = e.reshape(name, t, outShape)
		}
	}
	res := []value{{name: y, shape: outShape}}
	if seq && mk != nil {
		res[0].mask = ins[0].mask // Keras passes the mask on with the sequences
	}
	if state {
		// Keras's return_state: the output, then h (and c for LSTM),
		// each (batch, units); a Bidirectional's forward states, then its
		// backward ones. With a mask, ONNX's Y_h and Y_c are the states
		// after each sequence's valid steps, as Keras's.
		k := 0
		for side := range d {
			for _, o := range outs[1:] {
				var st string
				if d == 1 {
					st = e.op("Squeeze", fmt.Sprintf("%s/state_%d", name, k), []string{o, e.ints(fmt.Sprintf("%s/state_%d_axes", name, k), 0)})
				} else {
					st = e.op("Gather", fmt.Sprintf("%s/state_%d", name, k), []string{o, e.intScalar(fmt.Sprintf("%s/state_%d_direction", name, k), int64(side))}, attrInt("axis", 0))
				}
				res = append(res, value{name: st, shape: []int{u}})
				k++
			}
		}
	}
	return res, nil
}

// stepMask is a Keras mask over the steps of a sequence, (batch, steps),
// as the ONNX tensors a recurrent node needs. ONNX's sequence_lens takes
// the valid steps to come first, while Keras skips the masked steps
// wherever they are (pad_sequences pads at the front by default): the
// steps are first gathered so that each example's valid steps come
// first, in order (a stable sort on the mask), and the outputs are
// gathered back to Keras's steps after.
type stepMask struct {
	ints  string // the mask as int64 (batch, steps)
	lens  string // int32 (batch,): the number of valid steps
	order string // int64 (batch, steps): the valid steps' indices, then the masked ones'
	steps int
}

func (e *exporter) stepMask(name, mask string, steps int) *stepMask {
	m := &stepMask{steps: steps}
	m.ints = e.op("Cast", name+"/mask_int", []string{mask}, attrInt("to", int64(pb.TensorProto_INT64)))
	sum := e.op("ReduceSum", name+"/mask_count", []string{m.ints, e.ints(name+"/mask_count_axes", 1)}, attrInt("keepdims", 0))
	m.lens = e.op("Cast", name+"/sequence_lens", []string{sum}, attrInt("to", int64(pb.TensorProto_INT32)))
	// key = (1 − mask)·steps + step: ascending, the valid steps in order
	// and then the masked ones.
	mf := e.op("Cast", name+"/mask_float", []string{mask}, attrInt("to", int64(pb.TensorProto_FLOAT)))
	pos := make([]float32, steps)
	for i := range pos {
		pos[i] = float32(i)
	}
	inv := e.op("Sub", name+"/masked", []string{e.scalar(name+"/one", 1), mf})
	key := e.op("Add", name+"/order_key", []string{e.op("Mul", name+"/masked_last", []string{inv, e.scalar(name+"/steps", float32(steps))}), e.floats(name+"/positions", []int{steps}, pos)})
	vals := e.fresh(name + "/order_key_sorted")
	m.order = e.fresh(name + "/order")
	e.opTo("TopK", name+"/order", []string{key, e.ints(name+"/order_k", int64(steps))}, []string{vals, m.order},
		attrInt("axis", 1), attrInt("largest", 0), attrInt("sorted", 1))
	return m
}

// gather3 gathers x (batch, steps, width…) along the steps by idx (batch,
// steps'), the same index for every value of a step.
func (e *exporter) gather3(name, x, idx string, width []int) string {
	axes := []int64{}
	shape := []int64{1, 1}
	for i, w := range width {
		axes = append(axes, int64(2+i))
		shape = append(shape, int64(w))
	}
	ix := e.op("Unsqueeze", name+"/index", []string{idx, e.ints(name+"/index_axes", axes...)})
	// Expand to (batch, steps', width…): broadcasting keeps batch and steps.
	ix = e.op("Expand", name+"/index_expanded", []string{ix, e.ints(name+"/index_shape", shape...)})
	return e.op("GatherElements", name, []string{x, ix}, attrInt("axis", 1))
}

// compact gathers x (batch, steps, feat) so that each example's valid
// steps come first.
func (m *stepMask) compact(e *exporter, name, x string, feat int) string {
	return e.gather3(name, x, m.order, []int{feat})
}

// expand puts the outputs t (batch, steps, directions, units) of a
// recurrent node run on the compacted steps back at Keras's steps: a
// masked step gives the state it keeps (zeros before the first valid
// step), or for a Bidirectional zeros, as Keras's layers give them; a
// single reverse direction gives them in the order it makes them, as
// Keras's go_backwards.
func (m *stepMask) expand(e *exporter, name, t string, d, u int, reverse bool) string {
	var idx, padded string
	zero := e.scalar(name+"/pad_zero", 0)
	if reverse {
		// Output i is the state after the valid steps from steps−1−i
		// on: compacted index "valid steps before steps−1−i", where the
		// padded zero row (index count) stands for none.
		ex := e.op("CumSum", name+"/valid_before", []string{m.ints, e.intScalar(name+"/cumsum_axis", 1)}, attrInt("exclusive", 1))
		idx = e.op("Slice", name+"/valid_before_reversed", []string{ex, e.ints(name+"/rev_starts", -1), e.ints(name+"/rev_ends", math.MinInt64), e.ints(name+"/rev_axes", 1), e.ints(name+"/rev_steps", -1)})
		padded = e.op("Pad", name+"/padded_end", []string{t, e.ints(name+"/pads_end", 0, 0, 0, 0, 0, 1, 0, 0), zero})
	} else {
		// Step i is the state after the valid steps up to i: compacted
		// index count−1, after a zero row in front.
		idx = e.op("CumSum", name+"/valid_upto", []string{m.ints, e.intScalar(name+"/cumsum_axis", 1)})
		padded = e.op("Pad", name+"/padded_front", []string{t, e.ints(name+"/pads_front", 0, 1, 0, 0, 0, 0, 0, 0), zero})
	}
	y := e.gather3(name+"/at_steps", padded, idx, []int{d, u})
	if d == 2 {
		// Keras's Bidirectional gives zeros at the masked steps.
		mf := e.op("Cast", name+"/mask_float_steps", []string{m.ints}, attrInt("to", int64(pb.TensorProto_FLOAT)))
		mu := e.op("Unsqueeze", name+"/mask_units", []string{mf, e.ints(name+"/mask_units_axes", 2, 3)})
		y = e.op("Mul", name+"/masked_steps", []string{y, mu})
	}
	return y
}

// mergeDirections combines the two directions along axis as Keras's
// Bidirectional merge_mode does.
func (e *exporter) mergeDirections(name, x string, axis int64, mode string) string {
	switch mode {
	case "sum":
		return e.op("ReduceSum", name, []string{x, e.ints(name+"/axes", axis)}, attrInt("keepdims", 0))
	case "mul":
		return e.op("ReduceProd", name, []string{x}, attrInts("axes", axis), attrInt("keepdims", 0))
	}
	return e.op("ReduceMean", name, []string{x}, attrInts("axes", axis), attrInt("keepdims", 0)) // "ave"
}
