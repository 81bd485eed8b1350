package vec

// ReLUGrad turns, in place, the gradient g of a ReLU's output y into the
// gradient of its input: g = (y > 0 ? g : 0) + 0. The result is bit for bit
// what ReLUBackward adds to a zeroed buffer (the + 0 turns −0 into +0, as
// 0 + g does), so a layer that fuses its activation computes exactly what
// the separate ReLU would. y has at least len(g) elements.
func ReLUGrad(g, y []float32) {
	y = y[:len(g)]
	done := reluGradAsm(g, y)
	for i := done; i < len(g); i++ {
		var a float32
		if y[i] > 0 {
			a = g[i]
		}
		g[i] = 0 + a
	}
}
