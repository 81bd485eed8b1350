// Package winograd holds the transforms of Winograd's minimal filtering
// algorithm F(2×2, 3×3) for a stride-1 3×3 convolution of channels-last
// images (Lavin and Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016):
//
//	Y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A
//
// for each 4×4 input tile d (tiles 2 apart) and 3×3 filter g, giving a 2×2
// output tile. Summed over the input channels, the element-wise products
// become 16 matrix products of [tiles, C]·[C, F], which take 16 products
// per output pair of the direct method's 36: 2.25 times fewer
// multiplications.
//
// The layouts: transformed inputs are 16 matrices [tiles, C], value ξ of
// tile t and channel ch at v[ξ·vs + t·C + ch] (vs at least tiles·C); the
// products' outputs are 16 matrices [tiles, F] in the same way, and the
// transformed filter is [16][C][F].
//
// Input, Output, OutputAdjoint and InputAdjoint have AVX-512 kernels for
// channel counts that are multiples of 16 and AVX2 kernels for multiples
// of 8, which compute exactly what the Go code computes (the same
// additions in the same order, no fused multiply-add), so the results do
// not depend on the CPU. The adjoints are
// the transposes of the forward transforms, which give the gradients of
// the whole computation: dM = A dY Aᵀ, dd = B dV Bᵀ and dg = Gᵀ dU G.
package winograd

import "fmt"

// Input writes the transformed values of tiles consecutive tiles along a
// row of tiles: tile t's 4×4 input is x[r·rs + (2t+s)·c + ch] for rows r
// and columns s in [0, 4), and its values go to v[ξ·vs + t·c + ch] with
// ξ = 4i + j.
func Input(v []float32, vs int, x []float32, rs, tiles, c int) {
	if tiles <= 0 || c <= 0 {
		return
	}
	check("Input", "x", len(x), 3*rs+(2*tiles+2)*c)
	check("Input", "v", len(v), 15*vs+tiles*c)
	if inputAsm(v, vs, x, rs, tiles, c) {
		return
	}
	for t := 0; t < tiles; t++ {
		xt, vt := x[2*t*c:], v[t*c:]
		for ch := 0; ch < c; ch++ {
			var d, tr [4][4]float32
			for r := range 4 {
				for s := range 4 {
					d[r][s] = xt[r*rs+s*c+ch]
				}
			}
			for s := range 4 {
				tr[0][s] = d[0][s] - d[2][s]
				tr[1][s] = d[1][s] + d[2][s]
				tr[2][s] = d[2][s] - d[1][s]
				tr[3][s] = d[1][s] - d[3][s]
			}
			for r := range 4 {
				vt[(4*r+0)*vs+ch] = tr[r][0] - tr[r][2]
				vt[(4*r+1)*vs+ch] = tr[r][1] + tr[r][2]
				vt[(4*r+2)*vs+ch] = tr[r][2] - tr[r][1]
				vt[(4*r+3)*vs+ch] = tr[r][1] - tr[r][3]
			}
		}
	}
}

// Output writes the 2×2 output tiles of tiles consecutive tiles from their
// products m (value ξ of tile t at m[ξ·ms + t·f + j]): y[a·rs + (2t+b)·f +
// j] for a, b in [0, 2), plus bias[j], then with relu its ReLU max(v, 0)
// (+0 for −0, a NaN kept).
func Output(y []float32, rs int, m []float32, ms, tiles, f int, bias []float32, relu bool) {
	if tiles <= 0 || f <= 0 {
		return
	}
	check("Output", "y", len(y), rs+2*tiles*f)
	check("Output", "m", len(m), 15*ms+tiles*f)
	check("Output", "bias", len(bias), f)
	if outputAsm(y, rs, m, ms, tiles, f, bias, relu) {
		return
	}
	for t := 0; t < tiles; t++ {
		mt, yt := m[t*f:], y[2*t*f:]
		for j := 0; j < f; j++ {
			var s [2][4]float32
			for q := range 4 {
				s[0][q] = (mt[q*ms+j] + mt[(4+q)*ms+j]) + mt[(8+q)*ms+j]
				s[1][q] = (mt[(4+q)*ms+j] - mt[(8+q)*ms+j]) - mt[(12+q)*ms+j]
			}
			for a := range 2 {
				v0 := ((s[a][0] + s[a][1]) + s[a][2]) + bias[j]
				v1 := ((s[a][1] - s[a][2]) - s[a][3]) + bias[j]
				if relu {
					v0, v1 = reluOf(v0), reluOf(v1)
				}
				yt[a*rs+j], yt[a*rs+f+j] = v0, v1
			}
		}
	}
}

// reluOf is vec.ReLU's max(v, 0), with −0 made +0 and a NaN kept.
func reluOf(v float32) float32 {
	if v != v {
		return v + 0
	}
	return max(v, 0) + 0
}

// OutputAdjoint is the transpose of Output's transform (without the bias
// and the activation): from the 2×2 output gradients of tiles consecutive
// tiles, gy[a·rs + (2t+b)·f + j], it writes their products' gradients
// dm[ξ·ms + t·f + j] = (A dY Aᵀ)[ξ].
func OutputAdjoint(dm []float32, ms int, gy []float32, rs, tiles, f int) {
	if tiles <= 0 || f <= 0 {
		return
	}
	check("OutputAdjoint", "gy", len(gy), rs+2*tiles*f)
	check("OutputAdjoint", "dm", len(dm), 15*ms+tiles*f)
	if outputAdjointAsm(dm, ms, gy, rs, tiles, f) {
		return
	}
	for t := 0; t < tiles; t++ {
		gt, mt := gy[2*t*f:], dm[t*f:]
		for j := 0; j < f; j++ {
			var e [4][2]float32
			for b := range 2 {
				d0, d1 := gt[b*f+j], gt[rs+b*f+j]
				e[0][b], e[1][b], e[2][b], e[3][b] = d0, d0+d1, d0-d1, -d1
			}
			for i := range 4 {
				mt[(4*i+0)*ms+j] = e[i][0]
				mt[(4*i+1)*ms+j] = e[i][0] + e[i][1]
				mt[(4*i+2)*ms+j] = e[i][0] - e[i][1]
				mt[(4*i+3)*ms+j] = -e[i][1]
			}
		}
	}
}

// InputAdjoint is the transpose of Input's transform: it adds, tile by
// tile in order, (B dV Bᵀ) of each tile's transformed gradients
// dv[ξ·vs + t·c + ch] to its 4×4 input positions dx[r·rs + (2t+s)·c +
// ch]. Neighbouring tiles overlap by two columns; each position receives
// its terms in the order of the tiles.
func InputAdjoint(dx []float32, rs int, dv []float32, vs, tiles, c int) {
	if tiles <= 0 || c <= 0 {
		return
	}
	check("InputAdjoint", "dx", len(dx), 3*rs+(2*tiles+2)*c)
	check("InputAdjoint", "dv", len(dv), 15*vs+tiles*c)
	if inputAdjointAsm(dx, rs, dv, vs, tiles, c) {
		return
	}
	for t := 0; t < tiles; t++ {
		xt, vt := dx[2*t*c:], dv[t*c:]
		for ch := 0; ch < c; ch++ {
			var fr [4][4]float32
			for j := range 4 {
				v0, v1, v2, v3 := vt[j*vs+ch], vt[(4+j)*vs+ch], vt[(8+j)*vs+ch], vt[(12+j)*vs+ch]
				fr[0][j], fr[1][j], fr[2][j], fr[3][j] = v0, (v1-v2)+v3, (v1+v2)-v0, -v3
			}
			for r := range 4 {
				f0, f1, f2, f3 := fr[r][0], fr[r][1], fr[r][2], fr[r][3]
				row := xt[r*rs:]
				row[ch] += f0
				row[c+ch] += (f1 - f2) + f3
				row[2*c+ch] += (f1 + f2) - f0
				row[3*c+ch] += -f3
			}
		}
	}
}

// Filter writes the transformed filter u[ξ][ch][j] = (G g Gᵀ)[ξ] of each
// input channel ch and filter j of a Keras kernel w[3][3][c][f], computed
// in float64 and rounded once.
func Filter(u, w []float32, c, f int) {
	check("Filter", "w", len(w), 9*c*f)
	check("Filter", "u", len(u), 16*c*f)
	cf := c * f
	for e := 0; e < cf; e++ {
		var g [3][3]float64
		for p := range 3 {
			for q := range 3 {
				g[p][q] = float64(w[(3*p+q)*cf+e])
			}
		}
		// Gg: 4×3, G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1].
		var h [4][3]float64
		for q := range 3 {
			h[0][q] = g[0][q]
			h[1][q] = (g[0][q] + g[1][q] + g[2][q]) / 2
			h[2][q] = (g[0][q] - g[1][q] + g[2][q]) / 2
			h[3][q] = g[2][q]
		}
		for i := range 4 {
			u[(4*i+0)*cf+e] = float32(h[i][0])
			u[(4*i+1)*cf+e] = float32((h[i][0] + h[i][1] + h[i][2]) / 2)
			u[(4*i+2)*cf+e] = float32((h[i][0] - h[i][1] + h[i][2]) / 2)
			u[(4*i+3)*cf+e] = float32(h[i][2])
		}
	}
}

// FilterAdjoint adds Gᵀ dU G of the transformed filter's gradient du
// ([16][c][f]) to the kernel gradient dw ([3][3][c][f]), in float64
// rounded once per element.
func FilterAdjoint(dw, du []float32, c, f int) {
	check("FilterAdjoint", "dw", len(dw), 9*c*f)
	check("FilterAdjoint", "du", len(du), 16*c*f)
	cf := c * f
	for e := 0; e < cf; e++ {
		// Gᵀ dU: 3×4, then (Gᵀ dU) G: 3×3.
		var h [3][4]float64
		for j := range 4 {
			d0, d1, d2, d3 := float64(du[j*cf+e]), float64(du[(4+j)*cf+e]), float64(du[(8+j)*cf+e]), float64(du[(12+j)*cf+e])
			h[0][j] = d0 + (d1+d2)/2
			h[1][j] = (d1 - d2) / 2
			h[2][j] = (d1+d2)/2 + d3
		}
		for p := range 3 {
			k0 := h[p][0] + (h[p][1]+h[p][2])/2
			k1 := (h[p][1] - h[p][2]) / 2
			k2 := (h[p][1]+h[p][2])/2 + h[p][3]
			dw[(3*p+0)*cf+e] += float32(k0)
			dw[(3*p+1)*cf+e] += float32(k1)
			dw[(3*p+2)*cf+e] += float32(k2)
		}
	}
}

func check(op, name string, have, want int) {
	if have < want {
		panic(fmt.Sprintf("winograd: %s: %s has %d values, want at least %d", op, name, have, want))
	}
}

// FilterMatrix is G⊗G as a [16, 9] matrix: row ξ = 4i + j holds the
// weights of the 3×3 taps (3p + q) in the transformed filter value ξ,
// G[i][p]·G[j][q]. The transformed filters of a Keras kernel viewed as a
// [9, C·F] matrix are then FilterMatrix·kernel ([16, C·F], the layout of
// Filter's output), and the kernel's gradient FilterMatrixᵀ·dU: products a
// caller can hand to a matrix-product routine. Every entry is exact in
// float32 (0, ±1, ±½, ±¼).
var FilterMatrix = func() []float32 {
	g := [4][3]float32{{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}
	m := make([]float32, 16*9)
	for i := range 4 {
		for j := range 4 {
			for p := range 3 {
				for q := range 3 {
					m[(4*i+j)*9+3*p+q] = g[i][p] * g[j][q]
				}
			}
		}
	}
	return m
}()
