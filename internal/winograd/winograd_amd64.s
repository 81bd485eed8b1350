#include "textflag.h"

// AVX-512 kernels of winograd.go, 16 channels at a time; the channel count
// is a multiple of 16. Each computes the Go code's additions in the same
// order. Registers common to all: CX the channel count in bytes, BX the
// position within the channels, DX the tiles left; R14 the stride between
// the 16 transformed values in bytes, R11 three times it and R12 four
// times it.

// func inputAVX512(v, x *float32, rs, tiles, c int)
// R15 is three times the channel count in bytes.
TEXT ·inputAVX512(SB), NOSPLIT, $0-48
	MOVQ v+0(FP), DI
	MOVQ vs+8(FP), R14
	SHLQ $2, R14
	MOVQ x+16(FP), AX
	MOVQ rs+24(FP), R8
	SHLQ $2, R8
	MOVQ tiles+32(FP), DX
	MOVQ c+40(FP), CX
	SHLQ $2, CX
	LEAQ (CX)(CX*2), R15
	LEAQ (R14)(R14*2), R11
	LEAQ (R14*4), R12

intile:
	XORQ BX, BX

inblock:
	LEAQ    (AX)(BX*1), SI
	VMOVUPS (SI), Z0
	VMOVUPS (SI)(CX*1), Z1
	VMOVUPS (SI)(CX*2), Z2
	VMOVUPS (SI)(R15*1), Z3
	ADDQ    R8, SI
	VMOVUPS (SI), Z4
	VMOVUPS (SI)(CX*1), Z5
	VMOVUPS (SI)(CX*2), Z6
	VMOVUPS (SI)(R15*1), Z7
	ADDQ    R8, SI
	VMOVUPS (SI), Z8
	VMOVUPS (SI)(CX*1), Z9
	VMOVUPS (SI)(CX*2), Z10
	VMOVUPS (SI)(R15*1), Z11
	ADDQ    R8, SI
	VMOVUPS (SI), Z12
	VMOVUPS (SI)(CX*1), Z13
	VMOVUPS (SI)(CX*2), Z14
	VMOVUPS (SI)(R15*1), Z15

	// t0 = d0 − d2, t1 = d1 + d2, t2 = d2 − d1, t3 = d1 − d3 (rows).
	VSUBPS Z8, Z0, Z16
	VSUBPS Z9, Z1, Z17
	VSUBPS Z10, Z2, Z18
	VSUBPS Z11, Z3, Z19
	VADDPS Z8, Z4, Z20
	VADDPS Z9, Z5, Z21
	VADDPS Z10, Z6, Z22
	VADDPS Z11, Z7, Z23
	VSUBPS Z4, Z8, Z24
	VSUBPS Z5, Z9, Z25
	VSUBPS Z6, Z10, Z26
	VSUBPS Z7, Z11, Z27
	VSUBPS Z12, Z4, Z28
	VSUBPS Z13, Z5, Z29
	VSUBPS Z14, Z6, Z30
	VSUBPS Z15, Z7, Z31

	// The same along each row's columns.
	VSUBPS Z18, Z16, Z0
	VADDPS Z18, Z17, Z1
	VSUBPS Z17, Z18, Z2
	VSUBPS Z19, Z17, Z3
	VSUBPS Z22, Z20, Z4
	VADDPS Z22, Z21, Z5
	VSUBPS Z21, Z22, Z6
	VSUBPS Z23, Z21, Z7
	VSUBPS Z26, Z24, Z8
	VADDPS Z26, Z25, Z9
	VSUBPS Z25, Z26, Z10
	VSUBPS Z27, Z25, Z11
	VSUBPS Z30, Z28, Z12
	VADDPS Z30, Z29, Z13
	VSUBPS Z29, Z30, Z14
	VSUBPS Z31, Z29, Z15

	LEAQ    (DI)(BX*1), R9
	VMOVUPS Z0, (R9)
	VMOVUPS Z1, (R9)(R14*1)
	VMOVUPS Z2, (R9)(R14*2)
	VMOVUPS Z3, (R9)(R11*1)
	ADDQ    R12, R9
	VMOVUPS Z4, (R9)
	VMOVUPS Z5, (R9)(R14*1)
	VMOVUPS Z6, (R9)(R14*2)
	VMOVUPS Z7, (R9)(R11*1)
	ADDQ    R12, R9
	VMOVUPS Z8, (R9)
	VMOVUPS Z9, (R9)(R14*1)
	VMOVUPS Z10, (R9)(R14*2)
	VMOVUPS Z11, (R9)(R11*1)
	ADDQ    R12, R9
	VMOVUPS Z12, (R9)
	VMOVUPS Z13, (R9)(R14*1)
	VMOVUPS Z14, (R9)(R14*2)
	VMOVUPS Z15, (R9)(R11*1)

	ADDQ $64, BX
	CMPQ BX, CX
	JLT  inblock
	LEAQ (AX)(CX*2), AX
	ADDQ CX, DI
	DECQ DX
	JNZ  intile
	VZEROUPPER
	RET

// func outputAVX512(y *float32, rs int, m *float32, ms, tiles, f int, bias *float32, relu bool)
// Z31 holds zeros, Z30 the bias, R10 the bias pointer.
TEXT ·outputAVX512(SB), NOSPLIT, $0-57
	MOVQ    y+0(FP), DI
	MOVQ    rs+8(FP), R8
	SHLQ    $2, R8
	MOVQ    m+16(FP), AX
	MOVQ    ms+24(FP), R14
	SHLQ    $2, R14
	MOVQ    tiles+32(FP), DX
	MOVQ    f+40(FP), CX
	SHLQ    $2, CX
	MOVQ    bias+48(FP), R10
	MOVBLZX relu+56(FP), R13
	LEAQ    (R14)(R14*2), R11
	LEAQ    (R14*4), R12
	VXORPS  Z31, Z31, Z31

outtile:
	XORQ BX, BX

outblock:
	LEAQ    (AX)(BX*1), SI
	VMOVUPS (SI), Z0
	VMOVUPS (SI)(R14*1), Z1
	VMOVUPS (SI)(R14*2), Z2
	VMOVUPS (SI)(R11*1), Z3
	ADDQ    R12, SI
	VMOVUPS (SI), Z4
	VMOVUPS (SI)(R14*1), Z5
	VMOVUPS (SI)(R14*2), Z6
	VMOVUPS (SI)(R11*1), Z7
	ADDQ    R12, SI
	VMOVUPS (SI), Z8
	VMOVUPS (SI)(R14*1), Z9
	VMOVUPS (SI)(R14*2), Z10
	VMOVUPS (SI)(R11*1), Z11
	ADDQ    R12, SI
	VMOVUPS (SI), Z12
	VMOVUPS (SI)(R14*1), Z13
	VMOVUPS (SI)(R14*2), Z14
	VMOVUPS (SI)(R11*1), Z15
	VMOVUPS (R10)(BX*1), Z30

	// s0q = (m0q + m1q) + m2q into Z16–19; s1q = (m1q − m2q) − m3q into Z20–23.
	VADDPS Z4, Z0, Z16
	VADDPS Z5, Z1, Z17
	VADDPS Z6, Z2, Z18
	VADDPS Z7, Z3, Z19
	VADDPS Z8, Z16, Z16
	VADDPS Z9, Z17, Z17
	VADDPS Z10, Z18, Z18
	VADDPS Z11, Z19, Z19
	VSUBPS Z8, Z4, Z20
	VSUBPS Z9, Z5, Z21
	VSUBPS Z10, Z6, Z22
	VSUBPS Z11, Z7, Z23
	VSUBPS Z12, Z20, Z20
	VSUBPS Z13, Z21, Z21
	VSUBPS Z14, Z22, Z22
	VSUBPS Z15, Z23, Z23

	// y[a][0] = ((sa0 + sa1) + sa2) + bias, y[a][1] = ((sa1 − sa2) − sa3) + bias.
	VADDPS Z17, Z16, Z0
	VADDPS Z18, Z0, Z0
	VADDPS Z30, Z0, Z0
	VSUBPS Z18, Z17, Z1
	VSUBPS Z19, Z1, Z1
	VADDPS Z30, Z1, Z1
	VADDPS Z21, Z20, Z2
	VADDPS Z22, Z2, Z2
	VADDPS Z30, Z2, Z2
	VSUBPS Z22, Z21, Z3
	VSUBPS Z23, Z3, Z3
	VADDPS Z30, Z3, Z3
	TESTQ  R13, R13
	JZ     outstore
	VMAXPS Z0, Z31, Z0
	VADDPS Z31, Z0, Z0
	VMAXPS Z1, Z31, Z1
	VADDPS Z31, Z1, Z1
	VMAXPS Z2, Z31, Z2
	VADDPS Z31, Z2, Z2
	VMAXPS Z3, Z31, Z3
	VADDPS Z31, Z3, Z3

outstore:
	LEAQ    (DI)(BX*1), R9
	VMOVUPS Z0, (R9)
	VMOVUPS Z1, (R9)(CX*1)
	ADDQ    R8, R9
	VMOVUPS Z2, (R9)
	VMOVUPS Z3, (R9)(CX*1)

	ADDQ $64, BX
	CMPQ BX, CX
	JLT  outblock
	LEAQ (DI)(CX*2), DI
	ADDQ CX, AX
	DECQ DX
	JNZ  outtile
	VZEROUPPER
	RET

// func outputAdjointAVX512(dm *float32, ms int, gy *float32, rs, tiles, f int)
// Z31 holds −0 for the negations (a sign flip, as Go's unary minus).
TEXT ·outputAdjointAVX512(SB), NOSPLIT, $0-48
	MOVQ         dm+0(FP), DI
	MOVQ         ms+8(FP), R14
	SHLQ         $2, R14
	MOVQ         gy+16(FP), AX
	MOVQ         rs+24(FP), R8
	SHLQ         $2, R8
	MOVQ         tiles+32(FP), DX
	MOVQ         f+40(FP), CX
	SHLQ         $2, CX
	LEAQ         (R14)(R14*2), R11
	LEAQ         (R14*4), R12
	MOVL         $0x80000000, R13
	VPBROADCASTD R13, Z31

oatile:
	XORQ BX, BX

oablock:
	// dY: Z0 = d00, Z1 = d01 (row 0), Z2 = d10, Z3 = d11 (row 1).
	LEAQ    (AX)(BX*1), SI
	VMOVUPS (SI), Z0
	VMOVUPS (SI)(CX*1), Z1
	ADDQ    R8, SI
	VMOVUPS (SI), Z2
	VMOVUPS (SI)(CX*1), Z3

	// e0b = d0b, e1b = d0b + d1b, e2b = d0b − d1b, e3b = −d1b.
	VADDPS Z2, Z0, Z4
	VADDPS Z3, Z1, Z5
	VSUBPS Z2, Z0, Z6
	VSUBPS Z3, Z1, Z7
	VXORPS Z31, Z2, Z8
	VXORPS Z31, Z3, Z9

	// Row i from (ei0, ei1): ei0, ei0 + ei1, ei0 − ei1, −ei1.
	LEAQ    (DI)(BX*1), R9
	VADDPS  Z1, Z0, Z10
	VSUBPS  Z1, Z0, Z11
	VXORPS  Z31, Z1, Z12
	VMOVUPS Z0, (R9)
	VMOVUPS Z10, (R9)(R14*1)
	VMOVUPS Z11, (R9)(R14*2)
	VMOVUPS Z12, (R9)(R11*1)
	ADDQ    R12, R9
	VADDPS  Z5, Z4, Z10
	VSUBPS  Z5, Z4, Z11
	VXORPS  Z31, Z5, Z12
	VMOVUPS Z4, (R9)
	VMOVUPS Z10, (R9)(R14*1)
	VMOVUPS Z11, (R9)(R14*2)
	VMOVUPS Z12, (R9)(R11*1)
	ADDQ    R12, R9
	VADDPS  Z7, Z6, Z10
	VSUBPS  Z7, Z6, Z11
	VXORPS  Z31, Z7, Z12
	VMOVUPS Z6, (R9)
	VMOVUPS Z10, (R9)(R14*1)
	VMOVUPS Z11, (R9)(R14*2)
	VMOVUPS Z12, (R9)(R11*1)
	ADDQ    R12, R9
	VADDPS  Z9, Z8, Z10
	VSUBPS  Z9, Z8, Z11
	VXORPS  Z31, Z9, Z12
	VMOVUPS Z8, (R9)
	VMOVUPS Z10, (R9)(R14*1)
	VMOVUPS Z11, (R9)(R14*2)
	VMOVUPS Z12, (R9)(R11*1)

	ADDQ $64, BX
	CMPQ BX, CX
	JLT  oablock
	LEAQ (AX)(CX*2), AX
	ADDQ CX, DI
	DECQ DX
	JNZ  oatile
	VZEROUPPER
	RET

// IAROW adds one row of B dV Bᵀ, from (f0, f1, f2, f3), to dx's row at R9:
// f0, (f1 − f2) + f3, (f1 + f2) − f0 and −f3. Uses Z28 and Z29; R15 is
// three times the channel count in bytes.
#define IAROW(f0, f1, f2, f3) \
	VMOVUPS (R9), Z28; \
	VADDPS  f0, Z28, Z28; \
	VMOVUPS Z28, (R9); \
	VSUBPS  f2, f1, Z29; \
	VADDPS  f3, Z29, Z29; \
	VMOVUPS (R9)(CX*1), Z28; \
	VADDPS  Z29, Z28, Z28; \
	VMOVUPS Z28, (R9)(CX*1); \
	VADDPS  f2, f1, Z29; \
	VSUBPS  f0, Z29, Z29; \
	VMOVUPS (R9)(CX*2), Z28; \
	VADDPS  Z29, Z28, Z28; \
	VMOVUPS Z28, (R9)(CX*2); \
	VXORPS  Z31, f3, Z29; \
	VMOVUPS (R9)(R15*1), Z28; \
	VADDPS  Z29, Z28, Z28; \
	VMOVUPS Z28, (R9)(R15*1)

// func inputAdjointAVX512(dx *float32, rs int, dv *float32, vs, tiles, c int)
TEXT ·inputAdjointAVX512(SB), NOSPLIT, $0-48
	MOVQ         dx+0(FP), DI
	MOVQ         rs+8(FP), R8
	SHLQ         $2, R8
	MOVQ         dv+16(FP), AX
	MOVQ         vs+24(FP), R14
	SHLQ         $2, R14
	MOVQ         tiles+32(FP), DX
	MOVQ         c+40(FP), CX
	SHLQ         $2, CX
	LEAQ         (CX)(CX*2), R15
	LEAQ         (R14)(R14*2), R11
	LEAQ         (R14*4), R12
	MOVL         $0x80000000, R13
	VPBROADCASTD R13, Z31

iatile:
	XORQ BX, BX

iablock:
	LEAQ    (AX)(BX*1), SI
	VMOVUPS (SI), Z0
	VMOVUPS (SI)(R14*1), Z1
	VMOVUPS (SI)(R14*2), Z2
	VMOVUPS (SI)(R11*1), Z3
	ADDQ    R12, SI
	VMOVUPS (SI), Z4
	VMOVUPS (SI)(R14*1), Z5
	VMOVUPS (SI)(R14*2), Z6
	VMOVUPS (SI)(R11*1), Z7
	ADDQ    R12, SI
	VMOVUPS (SI), Z8
	VMOVUPS (SI)(R14*1), Z9
	VMOVUPS (SI)(R14*2), Z10
	VMOVUPS (SI)(R11*1), Z11
	ADDQ    R12, SI
	VMOVUPS (SI), Z12
	VMOVUPS (SI)(R14*1), Z13
	VMOVUPS (SI)(R14*2), Z14
	VMOVUPS (SI)(R11*1), Z15

	// Rows: f0j = v0j (Z0–3), f1j = (v1j − v2j) + v3j (Z16–19),
	// f2j = (v1j + v2j) − v0j (Z20–23), f3j = −v3j (Z24–27).
	VSUBPS Z8, Z4, Z16
	VSUBPS Z9, Z5, Z17
	VSUBPS Z10, Z6, Z18
	VSUBPS Z11, Z7, Z19
	VADDPS Z12, Z16, Z16
	VADDPS Z13, Z17, Z17
	VADDPS Z14, Z18, Z18
	VADDPS Z15, Z19, Z19
	VADDPS Z8, Z4, Z20
	VADDPS Z9, Z5, Z21
	VADDPS Z10, Z6, Z22
	VADDPS Z11, Z7, Z23
	VSUBPS Z0, Z20, Z20
	VSUBPS Z1, Z21, Z21
	VSUBPS Z2, Z22, Z22
	VSUBPS Z3, Z23, Z23
	VXORPS Z31, Z12, Z24
	VXORPS Z31, Z13, Z25
	VXORPS Z31, Z14, Z26
	VXORPS Z31, Z15, Z27

	// Each row r from (fr0, fr1, fr2, fr3): fr0, (fr1 − fr2) + fr3,
	// (fr1 + fr2) − fr0, −fr3, added to dx's row.
	LEAQ (DI)(BX*1), R9
	IAROW(Z0, Z1, Z2, Z3)
	ADDQ R8, R9
	IAROW(Z16, Z17, Z18, Z19)
	ADDQ R8, R9
	IAROW(Z20, Z21, Z22, Z23)
	ADDQ R8, R9
	IAROW(Z24, Z25, Z26, Z27)

	ADDQ $64, BX
	CMPQ BX, CX
	JLT  iablock
	LEAQ (DI)(CX*2), DI
	ADDQ CX, AX
	DECQ DX
	JNZ  iatile
	VZEROUPPER
	RET

// The AVX2 kernels, 8 channels at a time; the channel count is a multiple
// of 8. With 16 vector registers they cannot hold a whole tile's 16 values
// and their combinations as the AVX-512 kernels do, so they read some
// values twice (from L1) instead; each value is still the Go code's
// expression, its additions in the same order.

// INCOL computes the column transform of one column of a 4×4 input tile at
// p (rows R8 bytes apart, R10 three times that): t0 = d0 − d2, t1 = d1 +
// d2, t2 = d2 − d1, t3 = d1 − d3.
#define INCOL(p, t0, t1, t2, t3) \
	VMOVUPS (p)(R8*1), t3; \
	VMOVUPS (p)(R8*2), t2; \
	VMOVUPS (p), t0; \
	VSUBPS  t2, t0, t0; \
	VADDPS  t2, t3, t1; \
	VSUBPS  t3, t2, t2; \
	VSUBPS  (p)(R10*1), t3, t3

// INROW writes one row of transformed values from (tr0, tr1, tr2, tr3) to
// v at R9: tr0 − tr2, tr1 + tr2, tr2 − tr1, tr1 − tr3. It overwrites its
// operands.
#define INROW(a0, a1, a2, a3) \
	VSUBPS  a2, a0, a0; \
	VMOVUPS a0, (R9); \
	VADDPS  a2, a1, a0; \
	VMOVUPS a0, (R9)(R14*1); \
	VSUBPS  a1, a2, a2; \
	VMOVUPS a2, (R9)(R14*2); \
	VSUBPS  a3, a1, a1; \
	VMOVUPS a1, (R9)(R11*1)

// func inputAVX2(v *float32, vs int, x *float32, rs, tiles, c int)
// R15 is three times the channel count in bytes, R10 three times the row
// stride; column s of the tile's transforms is in Y(4s)…Y(4s+3).
TEXT ·inputAVX2(SB), NOSPLIT, $0-48
	MOVQ v+0(FP), DI
	MOVQ vs+8(FP), R14
	SHLQ $2, R14
	MOVQ x+16(FP), AX
	MOVQ rs+24(FP), R8
	SHLQ $2, R8
	MOVQ tiles+32(FP), DX
	MOVQ c+40(FP), CX
	SHLQ $2, CX
	LEAQ (CX)(CX*2), R15
	LEAQ (R8)(R8*2), R10
	LEAQ (R14)(R14*2), R11
	LEAQ (R14*4), R12

in2tile:
	XORQ BX, BX

in2block:
	LEAQ (AX)(BX*1), SI
	INCOL(SI, Y0, Y1, Y2, Y3)
	LEAQ (SI)(CX*1), R13
	INCOL(R13, Y4, Y5, Y6, Y7)
	LEAQ (SI)(CX*2), R13
	INCOL(R13, Y8, Y9, Y10, Y11)
	LEAQ (SI)(R15*1), R13
	INCOL(R13, Y12, Y13, Y14, Y15)

	LEAQ (DI)(BX*1), R9
	INROW(Y0, Y4, Y8, Y12)
	ADDQ R12, R9
	INROW(Y1, Y5, Y9, Y13)
	ADDQ R12, R9
	INROW(Y2, Y6, Y10, Y14)
	ADDQ R12, R9
	INROW(Y3, Y7, Y11, Y15)

	ADDQ $32, BX
	CMPQ BX, CX
	JLT  in2block
	LEAQ (AX)(CX*2), AX
	ADDQ CX, DI
	DECQ DX
	JNZ  in2tile
	VZEROUPPER
	RET

// OUTCOL computes s0q = (m_q + m_4+q) + m_8+q and s1q = (m_4+q − m_8+q) −
// m_12+q from the products' column at R9 (R12 four times their stride, R15
// twelve times).
#define OUTCOL(s0, s1) \
	VMOVUPS (R9), s0; \
	VMOVUPS (R9)(R12*1), s1; \
	VADDPS  s1, s0, s0; \
	VADDPS  (R9)(R12*2), s0, s0; \
	VSUBPS  (R9)(R12*2), s1, s1; \
	VSUBPS  (R9)(R15*1), s1, s1

// OUTPAIR computes an output row's two values in place from (sa0, sa1,
// sa2, sa3) and the bias in Y8: ((sa0 + sa1) + sa2) + bias into sa0 and
// ((sa1 − sa2) − sa3) + bias into sa1.
#define OUTPAIR(a0, a1, a2, a3) \
	VADDPS a1, a0, a0; \
	VADDPS a2, a0, a0; \
	VADDPS Y8, a0, a0; \
	VSUBPS a2, a1, a1; \
	VSUBPS a3, a1, a1; \
	VADDPS Y8, a1, a1

// func outputAVX2(y *float32, rs int, m *float32, ms, tiles, f int, bias *float32, relu bool)
// Y15 holds zeros, Y8 the bias, R10 the bias pointer; s0q is in Yq and
// s1q in Y(4+q).
TEXT ·outputAVX2(SB), NOSPLIT, $0-57
	MOVQ    y+0(FP), DI
	MOVQ    rs+8(FP), R8
	SHLQ    $2, R8
	MOVQ    m+16(FP), AX
	MOVQ    ms+24(FP), R14
	SHLQ    $2, R14
	MOVQ    tiles+32(FP), DX
	MOVQ    f+40(FP), CX
	SHLQ    $2, CX
	MOVQ    bias+48(FP), R10
	MOVBLZX relu+56(FP), R13
	LEAQ    (R14)(R14*2), R11
	LEAQ    (R14*4), R12
	LEAQ    (R12)(R12*2), R15
	VXORPS  Y15, Y15, Y15

out2tile:
	XORQ BX, BX

out2block:
	LEAQ (AX)(BX*1), SI
	MOVQ SI, R9
	OUTCOL(Y0, Y4)
	LEAQ (SI)(R14*1), R9
	OUTCOL(Y1, Y5)
	LEAQ (SI)(R14*2), R9
	OUTCOL(Y2, Y6)
	LEAQ (SI)(R11*1), R9
	OUTCOL(Y3, Y7)
	VMOVUPS (R10)(BX*1), Y8
	OUTPAIR(Y0, Y1, Y2, Y3)
	OUTPAIR(Y4, Y5, Y6, Y7)
	TESTQ R13, R13
	JZ    out2store
	VMAXPS Y0, Y15, Y0
	VADDPS Y15, Y0, Y0
	VMAXPS Y1, Y15, Y1
	VADDPS Y15, Y1, Y1
	VMAXPS Y4, Y15, Y4
	VADDPS Y15, Y4, Y4
	VMAXPS Y5, Y15, Y5
	VADDPS Y15, Y5, Y5

out2store:
	LEAQ    (DI)(BX*1), R9
	VMOVUPS Y0, (R9)
	VMOVUPS Y1, (R9)(CX*1)
	ADDQ    R8, R9
	VMOVUPS Y4, (R9)
	VMOVUPS Y5, (R9)(CX*1)

	ADDQ $32, BX
	CMPQ BX, CX
	JLT  out2block
	LEAQ (DI)(CX*2), DI
	ADDQ CX, AX
	DECQ DX
	JNZ  out2tile
	VZEROUPPER
	RET

// func outputAdjointAVX2(dm *float32, ms int, gy *float32, rs, tiles, f int)
// Y15 holds −0 for the negations (a sign flip, as Go's unary minus).
TEXT ·outputAdjointAVX2(SB), NOSPLIT, $0-48
	MOVQ         dm+0(FP), DI
	MOVQ         ms+8(FP), R14
	SHLQ         $2, R14
	MOVQ         gy+16(FP), AX
	MOVQ         rs+24(FP), R8
	SHLQ         $2, R8
	MOVQ         tiles+32(FP), DX
	MOVQ         f+40(FP), CX
	SHLQ         $2, CX
	LEAQ         (R14)(R14*2), R11
	LEAQ         (R14*4), R12
	MOVL         $0x80000000, R13
	VMOVQ        R13, X15 // not MOVQ: see pool_amd64.s in internal/vec
	VPBROADCASTD X15, Y15

oa2tile:
	XORQ BX, BX

oa2block:
	// dY: Y0 = d00, Y1 = d01 (row 0), Y2 = d10, Y3 = d11 (row 1).
	LEAQ    (AX)(BX*1), SI
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(CX*1), Y1
	ADDQ    R8, SI
	VMOVUPS (SI), Y2
	VMOVUPS (SI)(CX*1), Y3

	// e0b = d0b, e1b = d0b + d1b, e2b = d0b − d1b, e3b = −d1b.
	VADDPS Y2, Y0, Y4
	VADDPS Y3, Y1, Y5
	VSUBPS Y2, Y0, Y6
	VSUBPS Y3, Y1, Y7
	VXORPS Y15, Y2, Y8
	VXORPS Y15, Y3, Y9

	// Row i from (ei0, ei1): ei0, ei0 + ei1, ei0 − ei1, −ei1.
	LEAQ    (DI)(BX*1), R9
	VADDPS  Y1, Y0, Y10
	VSUBPS  Y1, Y0, Y11
	VXORPS  Y15, Y1, Y12
	VMOVUPS Y0, (R9)
	VMOVUPS Y10, (R9)(R14*1)
	VMOVUPS Y11, (R9)(R14*2)
	VMOVUPS Y12, (R9)(R11*1)
	ADDQ    R12, R9
	VADDPS  Y5, Y4, Y10
	VSUBPS  Y5, Y4, Y11
	VXORPS  Y15, Y5, Y12
	VMOVUPS Y4, (R9)
	VMOVUPS Y10, (R9)(R14*1)
	VMOVUPS Y11, (R9)(R14*2)
	VMOVUPS Y12, (R9)(R11*1)
	ADDQ    R12, R9
	VADDPS  Y7, Y6, Y10
	VSUBPS  Y7, Y6, Y11
	VXORPS  Y15, Y7, Y12
	VMOVUPS Y6, (R9)
	VMOVUPS Y10, (R9)(R14*1)
	VMOVUPS Y11, (R9)(R14*2)
	VMOVUPS Y12, (R9)(R11*1)
	ADDQ    R12, R9
	VADDPS  Y9, Y8, Y10
	VSUBPS  Y9, Y8, Y11
	VXORPS  Y15, Y9, Y12
	VMOVUPS Y8, (R9)
	VMOVUPS Y10, (R9)(R14*1)
	VMOVUPS Y11, (R9)(R14*2)
	VMOVUPS Y12, (R9)(R11*1)

	ADDQ $32, BX
	CMPQ BX, CX
	JLT  oa2block
	LEAQ (AX)(CX*2), AX
	ADDQ CX, DI
	DECQ DX
	JNZ  oa2tile
	VZEROUPPER
	RET

// IAROW2 adds one row of B dV Bᵀ, from (f0, f1, f2, f3), to dx's row at
// R9: f0, (f1 − f2) + f3, (f1 + f2) − f0 and −f3. Uses Y12 and Y13; Y15
// holds −0 and R15 is three times the channel count in bytes.
#define IAROW2(f0, f1, f2, f3) \
	VADDPS  (R9), f0, Y12; \
	VMOVUPS Y12, (R9); \
	VSUBPS  f2, f1, Y13; \
	VADDPS  f3, Y13, Y13; \
	VADDPS  (R9)(CX*1), Y13, Y13; \
	VMOVUPS Y13, (R9)(CX*1); \
	VADDPS  f2, f1, Y12; \
	VSUBPS  f0, Y12, Y12; \
	VADDPS  (R9)(CX*2), Y12, Y12; \
	VMOVUPS Y12, (R9)(CX*2); \
	VXORPS  Y15, f3, Y13; \
	VADDPS  (R9)(R15*1), Y13, Y13; \
	VMOVUPS Y13, (R9)(R15*1)

// IACOL computes rows 1 and 2 of column j of dV's first transform from the
// transformed gradients at R13 (R12 four times their stride, R10 twelve
// times): f1j = (v1j − v2j) + v3j and f2j = (v1j + v2j) − v0j. Uses Y14.
#define IACOL(f1, f2) \
	VMOVUPS (R13)(R12*1), f2; \
	VMOVUPS (R13)(R12*2), Y14; \
	VSUBPS  Y14, f2, f1; \
	VADDPS  (R13)(R10*1), f1, f1; \
	VADDPS  Y14, f2, f2; \
	VSUBPS  (R13), f2, f2

// func inputAdjointAVX2(dx *float32, rs int, dv *float32, vs, tiles, c int)
TEXT ·inputAdjointAVX2(SB), NOSPLIT, $0-48
	MOVQ         dx+0(FP), DI
	MOVQ         rs+8(FP), R8
	SHLQ         $2, R8
	MOVQ         dv+16(FP), AX
	MOVQ         vs+24(FP), R14
	SHLQ         $2, R14
	MOVQ         tiles+32(FP), DX
	MOVQ         c+40(FP), CX
	SHLQ         $2, CX
	LEAQ         (CX)(CX*2), R15
	LEAQ         (R14)(R14*2), R11
	LEAQ         (R14*4), R12
	LEAQ         (R12)(R12*2), R10
	MOVL         $0x80000000, R13
	VMOVQ        R13, X15 // not MOVQ: see pool_amd64.s in internal/vec
	VPBROADCASTD X15, Y15

ia2tile:
	XORQ BX, BX

ia2block:
	// Row 0: f0j = v0j.
	LEAQ    (AX)(BX*1), SI
	LEAQ    (DI)(BX*1), R9
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R14*1), Y1
	VMOVUPS (SI)(R14*2), Y2
	VMOVUPS (SI)(R11*1), Y3
	IAROW2(Y0, Y1, Y2, Y3)

	// Rows 1 and 2: f1j in Yj, f2j in Y(4+j).
	MOVQ SI, R13
	IACOL(Y0, Y4)
	LEAQ (SI)(R14*1), R13
	IACOL(Y1, Y5)
	LEAQ (SI)(R14*2), R13
	IACOL(Y2, Y6)
	LEAQ (SI)(R11*1), R13
	IACOL(Y3, Y7)
	ADDQ R8, R9
	IAROW2(Y0, Y1, Y2, Y3)
	ADDQ R8, R9
	IAROW2(Y4, Y5, Y6, Y7)

	// Row 3: f3j = −v3j.
	LEAQ   (SI)(R10*1), R13
	VXORPS (R13), Y15, Y0
	VXORPS (R13)(R14*1), Y15, Y1
	VXORPS (R13)(R14*2), Y15, Y2
	VXORPS (R13)(R11*1), Y15, Y3
	ADDQ   R8, R9
	IAROW2(Y0, Y1, Y2, Y3)

	ADDQ $32, BX
	CMPQ BX, CX
	JLT  ia2block
	LEAQ (DI)(CX*2), DI
	ADDQ CX, AX
	DECQ DX
	JNZ  ia2tile
	VZEROUPPER
	RET
