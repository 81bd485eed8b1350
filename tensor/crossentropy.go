package tensor

import (
	"fmt"
	"math"
)

// SparseSoftmaxCrossEntropy returns, for [n,c] logits z and n integer class
// labels (a tensor of shape [n] or [n,1] holding whole numbers in [0, c), as
// Keras's y_true), the n losses
// −log softmax(z)[i, labels[i]] = logsumexp(zᵢ) − zᵢ[labels[i]], computed
// without overflow. Logits of shape [n,…,c] take labels [n,…] (or [n,…,1])
// and give losses [n,…], as Keras's per-step losses. d/dz = softmax(z) − onehot(labels); labels get no
// gradient. It panics with a *ShapeError for a label that is not a class
// index.
func SparseSoftmaxCrossEntropy(logits, labels *Tensor) *Tensor {
	const op = "SparseSoftmaxCrossEntropy"
	r := len(logits.shape)
	if r < 2 || !labelsFit(labels.shape, logits.shape) {
		panic(shapeErr(op, "want [n,…,c] logits and one label per row: [n,…] or [n,…,1]", logits.shape, labels.shape))
	}
	c := logits.shape[r-1]
	out := newOut(logits.shape[:r-1], logits)
	for i, v := range labels.data {
		k := int(v)
		if k < 0 || k >= c || float32(k) != v {
			panic(shapeErr(op, fmt.Sprintf("label %v is not a class index in [0, %d)", v, c), logits.shape, labels.shape))
		}
		row := logits.data[i*c : (i+1)*c]
		out.data[i] = logSumExp(row) - row[k]
	}
	track(out, op, sparseSoftmaxCrossEntropyBackward, logits, labels)
	return out
}

// labelsFit reports whether labels of shape label hold one class index per
// row of the last axis of logits: logits's shape without its last axis, or
// that with a trailing 1.
func labelsFit(label, logits []int) bool {
	want := logits[:len(logits)-1]
	if len(label) == len(want)+1 && label[len(label)-1] == 1 {
		label = label[:len(want)]
	}
	return sameShape(label, want)
}

func sparseSoftmaxCrossEntropyBackward(o *Tensor) {
	logits, labels := o.node.in[0], o.node.in[1]
	c := logits.shape[len(logits.shape)-1]
	p := o.scratch(c)
	for i, v := range labels.data {
		row := logits.data[i*c : (i+1)*c]
		softmaxRows(p, row, c)
		p[int(v)]--
		g, dx := o.grad[i], logits.grad[i*c:(i+1)*c]
		for j, v := range p {
			dx[j] += g * v
		}
	}
}

// SoftmaxCrossEntropy returns, for [n,c] logits z and [n,c] target
// distributions t, the n losses −Σⱼ tᵢⱼ·log softmax(zᵢ)ⱼ, computed stably.
// Logits of shape [n,…,c] (a sequence's per-step classes) give losses of
// shape [n,…], one per row of the last axis.
// d/dz = softmax(z)·Σⱼtᵢⱼ − t and d/dt = −log softmax(z).
func SoftmaxCrossEntropy(logits, targets *Tensor) *Tensor {
	r := len(logits.shape)
	if r < 2 || logits.shape[r-1] == 0 || !sameShape(logits.shape, targets.shape) {
		panic(shapeErr("SoftmaxCrossEntropy", "want logits and targets of the same [n,…,c] shape", logits.shape, targets.shape))
	}
	c := logits.shape[r-1]
	n := len(logits.data) / c
	out := newOut(logits.shape[:r-1], logits, targets)
	for i := 0; i < n; i++ {
		z, t := logits.data[i*c:(i+1)*c], targets.data[i*c:(i+1)*c]
		lse := logSumExp(z)
		var s float32
		for j := range z {
			s += t[j] * (lse - z[j])
		}
		out.data[i] = s
	}
	track(out, "SoftmaxCrossEntropy", softmaxCrossEntropyBackward, logits, targets)
	return out
}

func softmaxCrossEntropyBackward(o *Tensor) {
	logits, targets := o.node.in[0], o.node.in[1]
	c := logits.shape[len(logits.shape)-1]
	n := len(logits.data) / c
	p := o.scratch(c)
	for i := 0; i < n; i++ {
		z, t := logits.data[i*c:(i+1)*c], targets.data[i*c:(i+1)*c]
		g := o.grad[i]
		if logits.requiresGrad {
			softmaxRows(p, z, c)
			var st float32
			for _, v := range t {
				st += v
			}
			dz := logits.grad[i*c : (i+1)*c]
			for j := range p {
				dz[j] += g * (p[j]*st - t[j])
			}
		}
		if targets.requiresGrad {
			lse := logSumExp(z)
			dt := targets.grad[i*c : (i+1)*c]
			for j := range z {
				dt[j] += g * (lse - z[j])
			}
		}
	}
}

// SigmoidCrossEntropy returns, elementwise for logits z and targets t of the
// same shape, −t·log σ(z) − (1−t)·log(1−σ(z)), computed as
// max(z,0) − z·t + log(1+e^−|z|) so that it never overflows.
// d/dz = σ(z) − t and d/dt = −z.
func SigmoidCrossEntropy(logits, targets *Tensor) *Tensor {
	if !sameShape(logits.shape, targets.shape) {
		panic(shapeErr("SigmoidCrossEntropy", "logits and targets differ in shape", logits.shape, targets.shape))
	}
	out := newOut(logits.shape, logits, targets)
	for i, z := range logits.data {
		t := targets.data[i]
		out.data[i] = max(z, 0) - z*t + float32(math.Log1p(math.Exp(-math.Abs(float64(z)))))
	}
	// A function without captures, so that a training step allocates nothing.
	track(out, "SigmoidCrossEntropy", sigmoidCrossEntropyBackward, logits, targets)
	return out
}

func sigmoidCrossEntropyBackward(o *Tensor) {
	logits, targets := o.node.in[0], o.node.in[1]
	for i, g := range o.grad {
		z := logits.data[i]
		if logits.requiresGrad {
			logits.grad[i] += g * (sigmoid(z) - targets.data[i])
		}
		if targets.requiresGrad {
			targets.grad[i] += -g * z
		}
	}
}

// logSumExp returns log Σ eˣ over row, stably.
func logSumExp(row []float32) float32 {
	m := row[0]
	for _, v := range row {
		m = max(m, v)
	}
	if math.IsInf(float64(m), 0) {
		return m
	}
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v - m))
	}
	return m + float32(math.Log(s))
}
