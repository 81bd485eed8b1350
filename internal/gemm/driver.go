package gemm

// impl names a kernel family.
type impl int

const (
	implGo impl = iota
	implAVX2
	implAVX512
)

func (im impl) String() string {
	switch im {
	case implAVX2:
		return "avx2"
	case implAVX512:
		return "avx512"
	}
	return "go"
}

// useImpl is the kernel family Sgemm uses. Tests set it to exercise every
// path the machine supports.
var useImpl = bestImpl()

// packMode overrides choosePacking in tests, so that every product can be
// checked both with its operands read in place and with them copied.
var packMode = packAuto

const (
	packAuto   = iota // choosePacking decides
	packNever         // read everything in place that can be (only Bᵀ is packed)
	packAlways        // copy both operands
)

// Blocking parameters (variables so that tests can shrink them).
//
// kcMax bounds the depth of one K block; K is cut into equal blocks no
// deeper than that. 1024³ ran about 10% faster as two blocks of 512 than as
// one of 1024, the batch-32 shapes were the same within noise, and K ≤ 768
// stays a single block, which writes C only once.
//
// aBlockFloats bounds a packed A block (MC·KC) so that it stays in the
// 1 MiB L2 while B panels stream past it. bBlockFloats bounds a packed B
// block (KC·NC), which lives in L3 and is read one panel at a time.
var (
	kcMax        = 768
	aBlockFloats = 112 * 1024
	bBlockFloats = 512 * 1024
)

// shape returns MR and NR of a kernel family.
func (im impl) shape() (mr, nr int) {
	switch im {
	case implAVX512:
		return 12, 32
	case implAVX2:
		return 6, 16
	}
	return 4, 4
}

// period is the row period of a kernel family's rounding: the last
// M mod period rows of a product, when they are 1 to 3, are summed over
// several accumulator sets (see asmgen), every other row in one chain of
// FMAs whatever the height of its tile. It is the MR the family had when
// that rule was set (the AVX-512 tile was 8×32 before it was 12×32), so
// results did not change with the tile.
func (im impl) period() int {
	switch im {
	case implAVX512:
		return 8
	case implAVX2:
		return 6
	}
	return 4
}

// lastRows is the number of rows at the end of an m-row product that the
// kernels of im sum over several accumulator sets (0 or 1 to 3).
func lastRows(im impl, m int) int {
	if t := m % im.period(); t <= 3 {
		return t
	}
	return 0
}

// choosePacking decides which operands to copy into panels when they could
// also be read in place (op(B) = Bᵀ is always packed).
//
// B is copied when its panels are reused by several MC-row blocks: a panel
// read in place is a kc×NR strip with row stride ldb, which for power-of-two
// strides maps onto a few cache sets and is evicted before the next block
// needs it (1024³ runs at half speed in place). With few rows the copy would
// cost a large share of the multiply, since each element of B is used only
// m times.
//
// On AVX2 (measured on Zen 3, whose L1 and L2 are 8-way with 32 KB and
// 512 KB) B is also copied when it has at least 64 rows but a single MC
// block, one panel at a time just before use: a panel read in place with
// the 1 KB stride of a 256-wide matrix maps onto 4 of L1's 64 sets, so the
// k = 32 weight gradient xᵀ·g (784×256) lost its 2 KB B panel to A's
// stream between tiles; the copy made it 19–22% faster per CPU second on
// one and two cores. With 32 rows (the batch-32 forward x·W, whose 50 KB
// panels do not fit L1 anyway) each panel serves 6 tiles, and copying it
// measured no faster.
//
// A is copied when its panels are reused across many NR-column panels and
// are deep: then the copy is cheap per use, while a deep panel read in
// place touches kc lines lda apart (Aᵀ) or 8 streams lda apart (A), which
// alias in the caches for power-of-two lda.
func choosePacking(j *job) (copyA, copyB bool) {
	copyB = !j.transB && (j.m > mcMax(j) || avx2CopyB(j))
	copyA = j.n >= 512 && j.kc >= 128
	return copyA, copyB
}

// avx2CopyB reports whether j copies B on AVX2 although it has a single
// MC block (see choosePacking).
func avx2CopyB(j *job) bool { return j.im == implAVX2 && j.m >= 64 }

// mcMax is the number of rows in one packed A block.
func mcMax(j *job) int { return max(j.mr, aBlockFloats/j.kc/j.mr*j.mr) }

// job is one validated Sgemm call; run computes any rectangle of its C.
type job struct {
	im             impl
	transA, transB bool
	m, n, k        int
	a, b, c        []float32
	lda, ldb, ldc  int
	overwrite      bool     // beta == 0: the first K block stores instead of adding
	copyA          bool     // copy op(A) into k-major panels even if it could be read in place
	copyB          bool     // copy B (not transposed) into NR-wide panels
	mr, nr         int      // the kernel's tile
	last           int      // rows at the end of the product summed over several accumulator sets (lastRows)
	kc             int      // depth of a K block (the last one may be shorter)
	epi            Epilogue // applied to each C tile after its last K block

	// out, when not nil, is the caller's C of a swapped product (see
	// swapOperands): c is then scratch space holding Cᵀ, and each part
	// transposes its rectangle of c into out (row stride ldo) and applies
	// epi there. The job's m and n are those of Cᵀ.
	out []float32
	ldo int
}

// noSwap turns swapOperands off, so that tests can compare both paths.
var noSwap = false

// swapOperands reports whether j is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ into
// scratch space and then transposed into C. That pays off for the input
// gradient of a Dense layer, G·Wᵀ with few rows (the batch) and K at least
// twice that: computed as is, all of W (N×K) is transposed into panels on
// every call and each of its elements then serves only M rows, about a
// fifth of the product at M = 32, K = 256. Swapped, W is read in place as
// the A operand (one stream per row), only G (M×K) is transposed into the
// single B panel, and the N×M result is transposed back, while it is
// still in the cache.
//
// Each element is still one chain of FMAs over k in the same order, so
// the results are bit for bit those of the product computed as is: an FMA
// rounds a·b + c exactly as b·a + c. That holds only if neither product
// has rows that the kernels sum over several accumulator sets (lastRows),
// and if C is written once: a single K block and beta = 0. The scratch
// space is bounded (1 MiB) so that no product grows it much.
func swapOperands(j *job) bool {
	return !noSwap && j.im == implAVX512 && j.transB && !j.transA && j.overwrite &&
		j.k <= kcMax && j.m <= 64 && j.k >= 2*j.m && j.n >= 2*j.m && j.m*j.n <= 1<<18 &&
		lastRows(j.im, j.m) == 0 && lastRows(j.im, j.n) == 0
}

// swapped returns the product Cᵀ = B·Aᵀ of j (B n×k, A m×k), to be computed
// into scratch space (set by execute) and transposed into j.c.
func (j *job) swapped() job {
	return job{
		im:     j.im,
		transA: false, transB: true,
		m: j.n, n: j.m, k: j.k,
		a: j.b, lda: j.ldb, b: j.a, ldb: j.lda,
		ldc:       j.m,
		overwrite: true,
		epi:       j.epi,
		out:       j.c, ldo: j.ldc,
	}
}

// part computes the rectangle [i0, i1)×[j0, j1) of the job's C and, for a
// swapped product, moves it into the caller's C.
func (j *job) part(i0, i1, j0, j1 int, bufs *buffers) {
	if j.out == nil {
		j.run(i0, i1, j0, j1, bufs)
		return
	}
	j.run(i0, i1, j0, j1, bufs) // leaves the epilogue to the transposed C
	// C[j0:j1, i0:i1] = c[i0:i1, j0:j1]ᵀ, 8 rows of c at a time; a part
	// that is not a multiple of 8 rows rewrites a few of the previous
	// ones' elements with the same values.
	rows, cols := i1-i0, j1-j0
	for r := 0; r < rows; r += 8 {
		if rows < 8 {
			for ; r < rows; r++ {
				for q := range cols {
					j.out[(j0+q)*j.ldo+i0+r] = j.c[(i0+r)*j.ldc+j0+q]
				}
			}
			break
		}
		r = min(r, rows-8)
		transposeStrip8(j.out[j0*j.ldo+i0+r:], j.ldo, j.c[(i0+r)*j.ldc+j0:], j.ldc, cols)
	}
	if j.epi.active() {
		applyEpilogue(j.im, j.out[j0*j.ldo+i0:], j.ldo, cols, rows, j.epi.Bias, i0, j.epi.ReLU)
	}
}

// run computes C[i0:i1, j0:j1], packing into bufs.
func (j *job) run(i0, i1, j0, j1 int, bufs *buffers) {
	nr := j.nr
	mcBlk := mcMax(j)
	// A copy of B pays off only if this part has several MC blocks, or on
	// AVX2 (see choosePacking); Bᵀ is packed regardless. With a single MC block every
	// B panel is used once, right after it is packed: pack it then, while
	// it is still in L1, instead of packing the whole block first and
	// reading it back from L2 or L3.
	packedB := j.transB || (j.copyB && (i1-i0 > mcBlk || avx2CopyB(j)))
	lazyB := packedB && i1-i0 <= mcBlk
	ncMax := j1 - j0
	if packedB && !lazyB {
		ncMax = max(nr, bBlockFloats/j.kc/nr*nr)
	}
	for jc := j0; jc < j1; jc += ncMax {
		nc := min(ncMax, j1-jc)
		for pc := 0; pc < j.k; pc += j.kc {
			kc := min(j.kc, j.k-pc)
			// B source: panel q starts at bs[q*bStep], rows sb apart.
			var bs []float32
			var sb, bStep int
			switch {
			case lazyB:
				bs = bufs.bBuf(kc * nr)
				sb, bStep = nr, 0
			case packedB:
				bs = bufs.bBuf(kc * roundUp(nc, nr))
				j.packB(bs, jc, nc, pc, kc)
				sb, bStep = nr, kc*nr
			default:
				bs = j.b[pc*j.ldb+jc:]
				sb, bStep = j.ldb, nr
			}
			j.runBlock(i0, i1, jc, nc, pc, kc, bs, sb, bStep, lazyB, bufs)
		}
	}
}

// runBlock computes the share of K block [pc, pc+kc) in rows [i0, i1),
// columns [jc, jc+nc) of C, reading B's panel q from bs[q*bStep:] with
// rows sb apart, or packing each panel into bs just before use (lazyB).
// The first K block stores C unless the product accumulates; the last
// applies the epilogue.
func (j *job) runBlock(i0, i1, jc, nc, pc, kc int, bs []float32, sb, bStep int, lazyB bool, bufs *buffers) {
	mr, nr := j.mr, j.nr
	mcBlk := mcMax(j)
	acc := !j.overwrite || pc > 0
	epi := pc+kc == j.k && j.epi.active() && j.out == nil
	for ic := i0; ic < i1; ic += mcBlk {
		mc := min(mcBlk, i1-ic)
		// A source: the panel of rows ir starts at as[aOff(ir)];
		// its element (r, p) is at r*ra + p*pa from there.
		var as []float32
		var ra, pa, g int
		switch {
		case j.copyA:
			g = groupA(j.im, mc)
			as = bufs.aBuf(kc * roundUp(mc, g))
			if j.transA {
				packN(j.im, as, j.a, j.lda, pc, kc, ic, mc, g)
			} else {
				packT(j.im, as, j.a, j.lda, ic, mc, pc, kc, g)
			}
			ra, pa = 1, g
		case j.transA: // Aᵀ is k-major already
			as = j.a[pc*j.lda+ic:]
			ra, pa, g = 1, j.lda, mc
		default: // rows of A read in place, one stream each
			as = j.a[ic*j.lda+pc:]
			ra, pa, g = j.lda, 1, mc
		}
		for jr := 0; jr < nc; jr += nr {
			cols := min(nr, nc-jr)
			if lazyB {
				j.packB(bs, jc+jr, cols, pc, kc)
			}
			bp := bs[(jr/nr)*bStep:]
			// The full MR-row tiles in one call, then the edge.
			// A's panels are evenly spaced: either each has its
			// own group (g = MR: kc·MR apart) or all share one
			// (g ≥ mc: MR·ra apart).
			aStep := mr * ra
			if g == mr {
				aStep = g * kc
			}
			if full := mc / mr; full > 0 {
				tile(j.im, kc, as, ra, pa, bp, sb, j.c[ic*j.ldc+jc+jr:], j.ldc, mr, cols, acc, false, full, aStep)
			}
			// The rest, fewer than MR rows: one tile, except that
			// the product's last 1 to 3 rows (see period) have
			// their own, which sums them as they always were.
			// Part and block bounds are multiples of MR = 12, so
			// the rest is M mod 12 rows, never fewer than those.
			ir := mc / mr * mr
			t := 0
			if ic+mc == j.m {
				t = j.last
			}
			for ir < mc {
				rows, last := mc-ir-t, false
				if rows == 0 {
					rows, last = t, true
				}
				ap := as[(ir/g)*g*kc+(ir%g)*ra:]
				cp := j.c[(ic+ir)*j.ldc+jc+jr:]
				tile(j.im, kc, ap, ra, pa, bp, sb, cp, j.ldc, rows, cols, acc, last, 1, 0)
				ir += rows
			}
			if epi {
				// The tile column is complete and still in L1.
				j.epilogue(ic, mc, jc+jr, cols)
			}
		}
	}
}

// packB packs columns c0..c0+cols, depth p0..p0+kc of op(B) into NR-wide
// panels at dst.
func (j *job) packB(dst []float32, c0, cols, p0, kc int) {
	if j.transB {
		packT(j.im, dst, j.b, j.ldb, c0, cols, p0, kc, j.nr)
	} else {
		packN(j.im, dst, j.b, j.ldb, p0, kc, c0, cols, j.nr)
	}
}

// groupA is the width of the packed A groups for an MC-row block: a group
// of g rows is stored k-major as kc×g. Every family uses one group per MR
// panel, so each panel is contiguous: a tile reads its A panel as one
// stream. (AVX2's 6-row groups were once a single group for the whole
// block, rows padded to 8, which made a tile read 24 bytes every 4·mc;
// 1024³ ran 10–12% faster (fastest call, one and two cores) with 6-row
// groups on Zen 3.)
func groupA(im impl, mc int) int {
	switch im {
	case implAVX512:
		return 12
	case implAVX2:
		return 6
	}
	return 4
}

func roundUp(x, m int) int { return (x + m - 1) / m * m }

// packT transposes rows r0..r0+rows, columns c0..c0+kc of src (stride lds)
// into groups of g rows: row r lands in group r/g, which is stored k-major
// as kc×g at dst[(r/g)*g*kc:], so element (r, p) is at
// dst[(r/g)*g*kc + p*g + r%g]. Padding rows of the last group are left as
// they are: the kernels never read them.
func packT(im impl, dst, src []float32, lds, r0, rows, c0, kc, g int) {
	asm := im != implGo
	for r := 0; r < rows; {
		d := dst[(r/g)*g*kc+r%g:]
		s := src[(r0+r)*lds+c0:]
		// Groups narrower than 8 (AVX2's 6-row panels) go through the
		// 8-row transpose too while 8 rows are left: it writes each k
		// step's 8 floats in increasing k order, so the 2 that spill
		// into the next step (and, at the last step, into the next
		// group's first) are overwritten by their own values later.
		if asm && g < 8 && r%g == 0 && rows-r >= 8 {
			transposeStrip8(d, g, s, lds, kc)
			r += g
			continue
		}
		// Rows left in this group: 8 at a time, the last 8 overlapping
		// the ones before if the group is not a multiple of 8 (12-row
		// panels: rows 0-7, then 4-11).
		if w := min(g-r%g, rows-r); asm && w >= 8 {
			for o := 0; o < w; o += 8 {
				o = min(o, w-8)
				transposeStrip8(d[o:], g, s[o*lds:], lds, kc)
			}
			r += w
			continue
		}
		s = s[:kc]
		_ = d[(kc-1)*g]
		for p, v := range s {
			d[p*g] = v
		}
		r++
	}
}

// packN copies rows p0..p0+kc, columns c0..c0+cols of the k-major src
// (stride lds) into groups of g columns: column c lands in group c/g, which
// is stored as kc×g at dst[(c/g)*g*kc:], so element (p, c) is at
// dst[(c/g)*g*kc + p*g + c%g]. This is packT's layout for operands that
// need no transpose. Padding columns of the last group are left as they
// are: the kernels never read them.
func packN(im impl, dst, src []float32, lds, p0, kc, c0, cols, g int) {
	src = src[p0*lds+c0:]
	for c := 0; c < cols; {
		d := dst[(c/g)*g*kc+c%g:]
		s := src[c:]
		w := min(g-c%g, cols-c) // columns left in this group
		if im != implGo && g < 8 && c%g == 0 && cols-c >= 8 {
			// As in packT: 8 columns a row, the 2 that spill into the
			// next row or group rewritten later with their own values.
			copyStrip(d, g, s, lds, kc, 8)
			c += g
			continue
		}
		if im != implGo && w >= 8 {
			// A multiple of 8 columns, then the last 8 overlapping them.
			copyStrip(d, g, s, lds, kc, w&^7)
			if w%8 != 0 {
				copyStrip(d[w-8:], g, s[w-8:], lds, kc, 8)
			}
		} else {
			for p := 0; p < kc; p++ {
				copy(d[p*g:p*g+w], s[p*lds:p*lds+w])
			}
		}
		c += w
	}
}
