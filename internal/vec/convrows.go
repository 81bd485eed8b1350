package vec

import "fmt"

// The direct-convolution kernels compute a convolution whose receptive
// field is small (a first layer on one to a few channels: 9 values for a
// 3×3 kernel on a grayscale image), where copying the fields into a matrix
// and multiplying it costs several times the arithmetic. They work on runs
// of n outputs: output o reads the k inputs x[o·step+xoffs[e]], e = 0..k−1,
// and multiplies input e by row woffs[e]/f of the kernel w (stored [rows, f]
// with f filters). Listing both offsets lets a caller drop the positions of
// a window that fall into the padding.
//
// Every product is rounded before it is added (no fused multiply-add), and
// the sums run in the order of the offsets, so all paths give bit-identical
// results.

// ConvRowsFast reports whether ConvRows and ConvRowsGrad run vectorised
// for f filters on this CPU; otherwise they run plain Go loops, much slower
// than a matrix product.
func ConvRowsFast(f int) bool { return convRowsFast(f) }

// ConvRows sets out[o·f+j] = bias[j] + Σ_e x[o·step+xoffs[e]]·w[woffs[e]+j]
// for the n outputs of a run (with 0 for bias if bias is nil), then, if
// relu, replaces each result v by ReLU's max(v, 0): +0 for ±0 and
// negatives, NaN for NaN.
func ConvRows(out, x []float32, xoffs, woffs []int32, n, step int, w, bias []float32, f int, relu bool) {
	if n <= 0 || f <= 0 {
		return
	}
	checkConvRows("ConvRows", len(x), xoffs, woffs, n, step, len(w), f)
	checkLen("ConvRows", "out", len(out), n*f)
	if bias != nil {
		checkLen("ConvRows", "bias", len(bias), f)
	}
	if convRowsAsm(out, x, xoffs, woffs, n, step, w, bias, f, relu) {
		return
	}
	k := len(xoffs)
	for o := 0; o < n; o++ {
		xo := x[o*step:]
		d := out[o*f : (o+1)*f]
		for j := range d {
			var acc float32
			if bias != nil {
				acc = bias[j]
			} else {
				acc = 0
			}
			for e := 0; e < k; e++ {
				// The conversion keeps the compiler from fusing the
				// multiply and the add (which arm64 would do).
				acc += float32(xo[xoffs[e]] * w[int(woffs[e])+j])
			}
			if relu {
				if acc <= 0 {
					acc = 0
				}
				acc += 0 // as the assembly's max(0, acc) + 0 (see ReLU)
			}
			d[j] = acc
		}
	}
}

// ConvRowsGrad adds the kernel gradient of ConvRows for n outputs whose
// output gradient is g (n×f): for every e and j,
//
//	dw[woffs[e]+j] += (s₀ + s₁) + (s₂ + s₃)
//
// where s_r sums x[o·step+xoffs[e]]·g[o·f+j] over the outputs o ≡ r (mod 4)
// in increasing order, from 0. (Four partial sums keep four additions in
// flight instead of one; the order is fixed, so the result does not depend
// on the path.)
func ConvRowsGrad(dw, g, x []float32, xoffs, woffs []int32, n, step, f int) {
	if n <= 0 || f <= 0 {
		return
	}
	checkConvRows("ConvRowsGrad", len(x), xoffs, woffs, n, step, len(dw), f)
	checkLen("ConvRowsGrad", "g", len(g), n*f)
	if convRowsGradAsm(dw, g, x, xoffs, woffs, n, step, f) {
		return
	}
	for e, xo := range xoffs {
		d := dw[int(woffs[e]) : int(woffs[e])+f]
		for j := range d {
			var s [4]float32
			for o := 0; o < n; o++ {
				s[o%4] += float32(x[o*step+int(xo)] * g[o*f+j])
			}
			d[j] += (s[0] + s[1]) + (s[2] + s[3])
		}
	}
}

// checkConvRows panics unless the runs' inputs lie within x and the kernel
// rows within w.
func checkConvRows(op string, xLen int, xoffs, woffs []int32, n, step, wLen, f int) {
	if len(xoffs) != len(woffs) || len(xoffs) == 0 || step < 0 {
		panic(fmt.Sprintf("vec: %s: %d input and %d kernel offsets, step %d", op, len(xoffs), len(woffs), step))
	}
	for e, xo := range xoffs {
		if xo < 0 || int(xo)+(n-1)*step >= xLen {
			panic(fmt.Sprintf("vec: %s: input offset %d outside the input's %d values", op, xo, xLen))
		}
		if wo := woffs[e]; wo < 0 || int(wo)+f > wLen {
			panic(fmt.Sprintf("vec: %s: kernel offset %d outside the kernel's %d values", op, wo, wLen))
		}
	}
}
