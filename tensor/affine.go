package tensor

import "fmt"

// ScaleShift returns x·scale + shift, the rescaling of Keras's Rescaling
// layer, as one operation (MulScalar then AddScalar would make two
// passes). d/dx = scale.
func ScaleShift(x *Tensor, scale, shift float32) *Tensor {
	out := newOutRaw(x.shape, x)
	for i, v := range x.data {
		out.data[i] = v*scale + shift
	}
	if n := track(out, "ScaleShift", scaleShiftBackward, x); n != nil {
		n.fs = out.scratchRaw(1)
		n.fs[0] = scale
	}
	return out
}

func scaleShiftBackward(o *Tensor) {
	x, c := o.node.in[0], o.node.fs[0]
	dx := x.grad[:len(o.grad)]
	for i, g := range o.grad {
		dx[i] += g * c
	}
}

// Standardize returns (x − mean)/den, or with invert mean + x·den, where
// mean and den hold one value per position of an example: x is viewed as
// rows of len(mean) values (which must divide x.Size()), and position i of
// every row uses mean[i] and den[i]. It is Keras's Normalization layer's
// transformation. The gradient flows to x (1/den, or den inverted); mean
// and den are copied, so they may change afterwards.
func Standardize(x *Tensor, mean, den []float32, invert bool) *Tensor {
	k := len(mean)
	if k == 0 || len(den) != k || len(x.data)%k != 0 {
		panic(shapeErr("Standardize", fmt.Sprintf("mean and den (%d and %d values) must be rows of x", len(mean), len(den)), x.shape))
	}
	out := newOutRaw(x.shape, x)
	for r := 0; r < len(x.data); r += k {
		xr, yr := x.data[r:r+k], out.data[r:r+k]
		if invert {
			for i, v := range xr {
				yr[i] = mean[i] + v*den[i]
			}
		} else {
			for i, v := range xr {
				yr[i] = (v - mean[i]) / den[i]
			}
		}
	}
	if n := track(out, "Standardize", standardizeBackward, x); n != nil {
		// d/dx is den inverted, 1/den otherwise.
		n.fs = out.scratchRaw(k)
		for i, d := range den {
			if invert {
				n.fs[i] = d
			} else {
				n.fs[i] = 1 / d
			}
		}
	}
	return out
}

func standardizeBackward(o *Tensor) {
	d, dx, k := o.node.fs, o.node.in[0].grad, len(o.node.fs)
	for r := 0; r < len(o.grad); r += k {
		gr, dr := o.grad[r:r+k], dx[r:r+k]
		for i, g := range gr {
			dr[i] += g * d[i]
		}
	}
}
