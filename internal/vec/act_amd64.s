#include "textflag.h"

// Vector exp, sigmoid and tanh in float32 for AVX-512. Each function takes
// dst, src and n and handles any n: whole vectors of 16, then the rest under
// a mask, so that every element gets the same approximation. dst may be src.
//
// exp is Cephes's expf: n = round(x·log2 e), r = x − n·ln 2 (in two parts),
// exp(r) by a degree-6 polynomial, then ·2ⁿ by VSCALEFPS, which also gives
// ±0 and +Inf at the ends of the range. x is first clamped to [−104, 89]
// (so that r stays finite for ±Inf); the min and max keep a NaN.
// tanh is Eigen's rational approximation (a degree-13 odd polynomial over
// a degree-6 even one) on x clamped to ±7.9053111, where it reaches 1 in
// float32. Both are within 4e-7 relative of the exact function.

#define BCAST(bits, reg) MOVL $bits, AX; VPBROADCASTD AX, reg

// EXP_CONSTS loads exp's constants into Z16..Z27.
#define EXP_CONSTS \
	BCAST(0x3f800000, Z16) \ // 1
	BCAST(0xc2d00000, Z17) \ // −104
	BCAST(0x42b20000, Z18) \ // 89
	BCAST(0x3fb8aa3b, Z19) \ // log2 e
	BCAST(0x3f318000, Z20) \ // ln 2, high part
	BCAST(0xb95e8083, Z21) \ // ln 2, low part
	BCAST(0x39506967, Z22) \ // p0
	BCAST(0x3ab743ce, Z23) \
	BCAST(0x3c088908, Z24) \
	BCAST(0x3d2aa9c1, Z25) \
	BCAST(0x3e2aaaaa, Z26) \
	BCAST(0x3f000000, Z27)   // p5

// EXP computes Z2 = exp(Z0), clobbering Z0, Z1 and Z3.
#define EXP \
	VMAXPS       Z0, Z17, Z0 \
	VMINPS       Z0, Z18, Z0 \
	VMULPS       Z19, Z0, Z1 \
	VRNDSCALEPS  $8, Z1, Z1 \
	VFNMADD231PS Z20, Z1, Z0 \
	VFNMADD231PS Z21, Z1, Z0 \
	VMOVAPS      Z22, Z2 \
	VFMADD213PS  Z23, Z0, Z2 \
	VFMADD213PS  Z24, Z0, Z2 \
	VFMADD213PS  Z25, Z0, Z2 \
	VFMADD213PS  Z26, Z0, Z2 \
	VFMADD213PS  Z27, Z0, Z2 \
	VMULPS       Z0, Z0, Z3 \
	VFMADD213PS  Z0, Z3, Z2 \
	VADDPS       Z16, Z2, Z2 \
	VSCALEFPS    Z1, Z2, Z2

// TAIL_MASK sets K1 to the low CX bits (CX < 16), using BX.
#define TAIL_MASK \
	MOVL  $1, BX \
	SHLL  CX, BX \
	DECL  BX \
	KMOVW BX, K1

// func expAVX512(dst, src *float32, n int)
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXP_CONSTS
	CMPQ CX, $16
	JLT  exptail

exploop:
	VMOVUPS (SI), Z0
	EXP
	VMOVUPS Z2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     exploop

exptail:
	TESTQ CX, CX
	JZ    expdone
	TAIL_MASK
	VMOVUPS.Z (SI), K1, Z0
	EXP
	VMOVUPS   Z2, K1, (DI)

expdone:
	VZEROUPPER
	RET

// SIGMOID computes Z2 = 1 / (1 + exp(−Z0)); Z28 is −0.0 (the sign bit).
#define SIGMOID \
	VXORPS Z28, Z0, Z0 \
	EXP \
	VADDPS Z16, Z2, Z2 \
	VDIVPS Z2, Z16, Z2

// func sigmoidAVX512(dst, src *float32, n int)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXP_CONSTS
	BCAST(0x80000000, Z28)
	CMPQ CX, $16
	JLT  sigtail

sigloop:
	VMOVUPS (SI), Z0
	SIGMOID
	VMOVUPS Z2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     sigloop

sigtail:
	TESTQ CX, CX
	JZ    sigdone
	TAIL_MASK
	VMOVUPS.Z (SI), K1, Z0
	SIGMOID
	VMOVUPS   Z2, K1, (DI)

sigdone:
	VZEROUPPER
	RET

// TANH computes Z2 = tanh(Z0), clobbering Z0, Z1, Z3, Z4, Z5 and K2;
// the constants are in Z15..Z31. From |x| ≥ 9.010914, where float32's tanh is
// ±1, the result is ±1 (the rational function stops just short of it).
#define TANH \
	VANDPS      Z30, Z0, Z4 \
	VCMPPS      $13, Z31, Z4, K2 \
	VANDPS      Z15, Z0, Z5 \
	VORPS       Z16, Z5, Z5 \
	VMAXPS      Z0, Z17, Z0 \
	VMINPS      Z0, Z18, Z0 \
	VMULPS      Z0, Z0, Z1 \
	VMOVAPS     Z19, Z2 \
	VFMADD213PS Z20, Z1, Z2 \
	VFMADD213PS Z21, Z1, Z2 \
	VFMADD213PS Z22, Z1, Z2 \
	VFMADD213PS Z23, Z1, Z2 \
	VFMADD213PS Z24, Z1, Z2 \
	VFMADD213PS Z25, Z1, Z2 \
	VMULPS      Z0, Z2, Z2 \
	VMOVAPS     Z26, Z3 \
	VFMADD213PS Z27, Z1, Z3 \
	VFMADD213PS Z28, Z1, Z3 \
	VFMADD213PS Z29, Z1, Z3 \
	VDIVPS      Z3, Z2, Z2 \
	VMOVAPS     Z5, K2, Z2

// func tanhAVX512(dst, src *float32, n int)
TEXT ·tanhAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	BCAST(0x80000000, Z15) // the sign bit
	BCAST(0x3f800000, Z16) // 1
	BCAST(0x7fffffff, Z30) // all but the sign bit
	BCAST(0x41102cb4, Z31) // 9.010914
	BCAST(0xc0fcf84f, Z17) // −7.9053111
	BCAST(0x40fcf84f, Z18) // 7.9053111
	BCAST(0xa59f25c0, Z19) // α13
	BCAST(0x2a61337e, Z20) // α11
	BCAST(0xaebd37ff, Z21) // α9
	BCAST(0x335c0041, Z22) // α7
	BCAST(0x3779434a, Z23) // α5
	BCAST(0x3a270ded, Z24) // α3
	BCAST(0x3ba059dc, Z25) // α1
	BCAST(0x35a0d3d8, Z26) // β6
	BCAST(0x38f895d6, Z27) // β4
	BCAST(0x3b14aa05, Z28) // β2
	BCAST(0x3ba059dd, Z29) // β0
	CMPQ CX, $16
	JLT  tanhtail

tanhloop:
	VMOVUPS (SI), Z0
	TANH
	VMOVUPS Z2, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     tanhloop

tanhtail:
	TESTQ CX, CX
	JZ    tanhdone
	TAIL_MASK
	VMOVUPS.Z (SI), K1, Z0
	TANH
	VMOVUPS   Z2, K1, (DI)

tanhdone:
	VZEROUPPER
	RET

// HMAX16 reduces the 16 lanes of Z4 to their maximum, broadcast into Z6;
// clobbers Z5.
#define HMAX16 \
	VEXTRACTF64X4 $1, Z4, Y5 \
	VMAXPS        Y5, Y4, Y4 \
	VEXTRACTF128  $1, Y4, X5 \
	VMAXPS        X5, X4, X4 \
	VPERMILPS     $0x4e, X4, X5 \
	VMAXPS        X5, X4, X4 \
	VPERMILPS     $0xb1, X4, X5 \
	VMAXPS        X5, X4, X4 \
	VBROADCASTSS  X4, Z6

// HSUM16 reduces the 16 lanes of Z7 to their sum in X7 (lane 0), adding
// halves; clobbers Z5.
#define HSUM16 \
	VEXTRACTF64X4 $1, Z7, Y5 \
	VADDPS        Y5, Y7, Y7 \
	VEXTRACTF128  $1, Y7, X5 \
	VADDPS        X5, X7, X7 \
	VPERMILPS     $0x4e, X7, X5 \
	VADDPS        X5, X7, X7 \
	VPERMILPS     $0xb1, X7, X5 \
	VADDPS        X5, X7, X7

// func softmaxAVX512(x *float32, n int, c float32)
// x = softmax(c·x) in place: the scaled values and their maximum, exp of
// the differences and their sum (in 16 lanes, then halves), then the
// products with 1/sum. n ≥ 1.
TEXT ·softmaxAVX512(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), DX
	VBROADCASTSS c+16(FP), Z8
	BCAST(0xff800000, Z4) // −Inf

	// pass 1: x = c·x, Z4 = lane maxima; a NaN is kept in its lane.
	MOVQ DI, SI
	MOVQ DX, CX
	CMPQ CX, $16
	JLT  sm1tail

sm1loop:
	VMOVUPS (SI), Z0
	VMULPS  Z8, Z0, Z0
	VMOVUPS Z0, (SI)
	VMAXPS  Z4, Z0, Z4 // a NaN in Z0 gives Z4's lane; keep it below
	VCMPPS  $3, Z0, Z0, K2 // unordered: NaN
	VMOVAPS Z0, K2, Z4
	ADDQ    $64, SI
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     sm1loop

sm1tail:
	TESTQ CX, CX
	JZ    sm1done
	TAIL_MASK
	VMOVUPS.Z (SI), K1, Z0
	VMULPS    Z8, Z0, Z0
	VMOVUPS   Z0, K1, (SI)
	VMAXPS    Z4, Z0, K1, Z4
	VCMPPS    $3, Z0, Z0, K2
	KANDW     K1, K2, K2
	VMOVAPS   Z0, K2, Z4

sm1done:
	// A NaN lane makes the maximum NaN (VMAXPS would drop it).
	VCMPPS  $3, Z4, Z4, K2
	KORTESTW K2, K2
	JZ      smmax
	BCAST(0x7fc00000, Z6)
	JMP     sm2

smmax:
	HMAX16

sm2:
	// pass 2: x = exp(x − max), Z7 = lane sums.
	EXP_CONSTS
	VXORPS Z7, Z7, Z7
	MOVQ   DI, SI
	MOVQ   DX, CX
	CMPQ   CX, $16
	JLT    sm2tail

sm2loop:
	VMOVUPS (SI), Z0
	VSUBPS  Z6, Z0, Z0
	EXP
	VMOVUPS Z2, (SI)
	VADDPS  Z2, Z7, Z7
	ADDQ    $64, SI
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     sm2loop

sm2tail:
	TESTQ CX, CX
	JZ    sm2done
	TAIL_MASK
	VMOVUPS.Z (SI), K1, Z0
	VSUBPS    Z6, Z0, Z0
	EXP
	VMOVUPS   Z2, K1, (SI)
	VADDPS    Z2, Z7, K1, Z7

sm2done:
	HSUM16
	MOVL         $0x3f800000, AX
	VMOVD        AX, X9
	VDIVSS       X7, X9, X9
	VBROADCASTSS X9, Z9

	// pass 3: x = x·(1/sum).
	MOVQ DI, SI
	MOVQ DX, CX
	CMPQ CX, $16
	JLT  sm3tail

sm3loop:
	VMULPS  (SI), Z9, Z0
	VMOVUPS Z0, (SI)
	ADDQ    $64, SI
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     sm3loop

sm3tail:
	TESTQ CX, CX
	JZ    smdone
	TAIL_MASK
	VMOVUPS.Z (SI), K1, Z0
	VMULPS    Z9, Z0, Z0
	VMOVUPS   Z0, K1, (SI)

smdone:
	VZEROUPPER
	RET

// func softmaxGradAVX512(p, d *float32, n int, scale float32)
// d = scale·(p ⊙ (d − ⟨p, d⟩)), the dot product in 16 lanes, then halves.
TEXT ·softmaxGradAVX512(SB), NOSPLIT, $0-28
	MOVQ         p+0(FP), SI
	MOVQ         d+8(FP), DI
	MOVQ         n+16(FP), DX
	VBROADCASTSS scale+24(FP), Z8
	VXORPS       Z7, Z7, Z7
	MOVQ         SI, R8
	MOVQ         DI, R9
	MOVQ         DX, CX
	CMPQ         CX, $16
	JLT          sg1tail

sg1loop:
	VMOVUPS (R8), Z0
	VMULPS  (R9), Z0, Z0
	VADDPS  Z0, Z7, Z7
	ADDQ    $64, R8
	ADDQ    $64, R9
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     sg1loop

sg1tail:
	TESTQ CX, CX
	JZ    sg1done
	TAIL_MASK
	VMOVUPS.Z (R8), K1, Z0
	VMOVUPS.Z (R9), K1, Z1
	VMULPS    Z1, Z0, Z0
	VADDPS    Z0, Z7, Z7

sg1done:
	HSUM16
	VBROADCASTSS X7, Z6
	MOVQ         SI, R8
	MOVQ         DI, R9
	MOVQ         DX, CX
	CMPQ         CX, $16
	JLT          sg2tail

sg2loop:
	VMOVUPS (R9), Z1
	VSUBPS  Z6, Z1, Z1
	VMULPS  (R8), Z1, Z1
	VMULPS  Z8, Z1, Z1
	VMOVUPS Z1, (R9)
	ADDQ    $64, R8
	ADDQ    $64, R9
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     sg2loop

sg2tail:
	TESTQ CX, CX
	JZ    sgdone
	TAIL_MASK
	VMOVUPS.Z (R8), K1, Z0
	VMOVUPS.Z (R9), K1, Z1
	VSUBPS    Z6, Z1, Z1
	VMULPS    Z0, Z1, Z1
	VMULPS    Z8, Z1, Z1
	VMOVUPS   Z1, K1, (R9)

sgdone:
	VZEROUPPER
	RET
