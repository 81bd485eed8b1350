#include "textflag.h"

// Vector exp, sigmoid, tanh, softmax and softmax gradient in float32 for
// AVX2 with FMA: the operations of the AVX-512 kernels in act_amd64.s, 8
// lanes at a time. Each function handles any n: whole vectors of 8, then
// the rest through VMASKMOVPS under a mask from avx2tailmask, so that every
// element gets the same approximation. dst may be src.
//
// Without VSCALEFPS, exp multiplies by 2ⁿ in two steps, 2^⌊n/2⌋ and then
// 2^(n−⌊n/2⌋): both factors are normal floats for every n in [−150, 128]
// (x clamped to [−104, 89]), the first product is exact, so the result is
// rounded once, to the value VSCALEFPS gives. Exp, sigmoid and tanh are
// thus bit for bit the AVX-512 kernels' results.

// avx2tailmask is 8 all-ones lanes and 8 zero ones: the 8 lanes from
// element 8−r have ones in their first r.
DATA avx2tailmask<>+0(SB)/8, $0xffffffffffffffff
DATA avx2tailmask<>+8(SB)/8, $0xffffffffffffffff
DATA avx2tailmask<>+16(SB)/8, $0xffffffffffffffff
DATA avx2tailmask<>+24(SB)/8, $0xffffffffffffffff
DATA avx2tailmask<>+32(SB)/8, $0
DATA avx2tailmask<>+40(SB)/8, $0
DATA avx2tailmask<>+48(SB)/8, $0
DATA avx2tailmask<>+56(SB)/8, $0
GLOBL avx2tailmask<>(SB), RODATA|NOPTR, $64

// avx2actconst holds the polynomial coefficients, each in 8 lanes (32
// bytes), for the FMAs' memory operands.
// exp p0
DATA avx2actconst<>+0(SB)/8, $0x3950696739506967
DATA avx2actconst<>+8(SB)/8, $0x3950696739506967
DATA avx2actconst<>+16(SB)/8, $0x3950696739506967
DATA avx2actconst<>+24(SB)/8, $0x3950696739506967
// exp p1
DATA avx2actconst<>+32(SB)/8, $0x3ab743ce3ab743ce
DATA avx2actconst<>+40(SB)/8, $0x3ab743ce3ab743ce
DATA avx2actconst<>+48(SB)/8, $0x3ab743ce3ab743ce
DATA avx2actconst<>+56(SB)/8, $0x3ab743ce3ab743ce
// exp p2
DATA avx2actconst<>+64(SB)/8, $0x3c0889083c088908
DATA avx2actconst<>+72(SB)/8, $0x3c0889083c088908
DATA avx2actconst<>+80(SB)/8, $0x3c0889083c088908
DATA avx2actconst<>+88(SB)/8, $0x3c0889083c088908
// exp p3
DATA avx2actconst<>+96(SB)/8, $0x3d2aa9c13d2aa9c1
DATA avx2actconst<>+104(SB)/8, $0x3d2aa9c13d2aa9c1
DATA avx2actconst<>+112(SB)/8, $0x3d2aa9c13d2aa9c1
DATA avx2actconst<>+120(SB)/8, $0x3d2aa9c13d2aa9c1
// exp p4
DATA avx2actconst<>+128(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA avx2actconst<>+136(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA avx2actconst<>+144(SB)/8, $0x3e2aaaaa3e2aaaaa
DATA avx2actconst<>+152(SB)/8, $0x3e2aaaaa3e2aaaaa
// exp p5
DATA avx2actconst<>+160(SB)/8, $0x3f0000003f000000
DATA avx2actconst<>+168(SB)/8, $0x3f0000003f000000
DATA avx2actconst<>+176(SB)/8, $0x3f0000003f000000
DATA avx2actconst<>+184(SB)/8, $0x3f0000003f000000
// tanh α13
DATA avx2actconst<>+192(SB)/8, $0xa59f25c0a59f25c0
DATA avx2actconst<>+200(SB)/8, $0xa59f25c0a59f25c0
DATA avx2actconst<>+208(SB)/8, $0xa59f25c0a59f25c0
DATA avx2actconst<>+216(SB)/8, $0xa59f25c0a59f25c0
// α11
DATA avx2actconst<>+224(SB)/8, $0x2a61337e2a61337e
DATA avx2actconst<>+232(SB)/8, $0x2a61337e2a61337e
DATA avx2actconst<>+240(SB)/8, $0x2a61337e2a61337e
DATA avx2actconst<>+248(SB)/8, $0x2a61337e2a61337e
// α9
DATA avx2actconst<>+256(SB)/8, $0xaebd37ffaebd37ff
DATA avx2actconst<>+264(SB)/8, $0xaebd37ffaebd37ff
DATA avx2actconst<>+272(SB)/8, $0xaebd37ffaebd37ff
DATA avx2actconst<>+280(SB)/8, $0xaebd37ffaebd37ff
// α7
DATA avx2actconst<>+288(SB)/8, $0x335c0041335c0041
DATA avx2actconst<>+296(SB)/8, $0x335c0041335c0041
DATA avx2actconst<>+304(SB)/8, $0x335c0041335c0041
DATA avx2actconst<>+312(SB)/8, $0x335c0041335c0041
// α5
DATA avx2actconst<>+320(SB)/8, $0x3779434a3779434a
DATA avx2actconst<>+328(SB)/8, $0x3779434a3779434a
DATA avx2actconst<>+336(SB)/8, $0x3779434a3779434a
DATA avx2actconst<>+344(SB)/8, $0x3779434a3779434a
// α3
DATA avx2actconst<>+352(SB)/8, $0x3a270ded3a270ded
DATA avx2actconst<>+360(SB)/8, $0x3a270ded3a270ded
DATA avx2actconst<>+368(SB)/8, $0x3a270ded3a270ded
DATA avx2actconst<>+376(SB)/8, $0x3a270ded3a270ded
// α1
DATA avx2actconst<>+384(SB)/8, $0x3ba059dc3ba059dc
DATA avx2actconst<>+392(SB)/8, $0x3ba059dc3ba059dc
DATA avx2actconst<>+400(SB)/8, $0x3ba059dc3ba059dc
DATA avx2actconst<>+408(SB)/8, $0x3ba059dc3ba059dc
// β6
DATA avx2actconst<>+416(SB)/8, $0x35a0d3d835a0d3d8
DATA avx2actconst<>+424(SB)/8, $0x35a0d3d835a0d3d8
DATA avx2actconst<>+432(SB)/8, $0x35a0d3d835a0d3d8
DATA avx2actconst<>+440(SB)/8, $0x35a0d3d835a0d3d8
// β4
DATA avx2actconst<>+448(SB)/8, $0x38f895d638f895d6
DATA avx2actconst<>+456(SB)/8, $0x38f895d638f895d6
DATA avx2actconst<>+464(SB)/8, $0x38f895d638f895d6
DATA avx2actconst<>+472(SB)/8, $0x38f895d638f895d6
// β2
DATA avx2actconst<>+480(SB)/8, $0x3b14aa053b14aa05
DATA avx2actconst<>+488(SB)/8, $0x3b14aa053b14aa05
DATA avx2actconst<>+496(SB)/8, $0x3b14aa053b14aa05
DATA avx2actconst<>+504(SB)/8, $0x3b14aa053b14aa05
// β0
DATA avx2actconst<>+512(SB)/8, $0x3ba059dd3ba059dd
DATA avx2actconst<>+520(SB)/8, $0x3ba059dd3ba059dd
DATA avx2actconst<>+528(SB)/8, $0x3ba059dd3ba059dd
DATA avx2actconst<>+536(SB)/8, $0x3ba059dd3ba059dd
GLOBL avx2actconst<>(SB), RODATA|NOPTR, $544

#define BCAST8(bits, reg) MOVL $bits, AX; VMOVD AX, X0; VPBROADCASTD X0, reg

// TAIL_MASK8 sets Y7 to the mask of the low CX lanes (0 < CX < 8), using
// AX and BX.
#define TAIL_MASK8 \
	LEAQ    avx2tailmask<>(SB), AX \
	MOVQ    $8, BX \
	SUBQ    CX, BX \
	VMOVDQU (AX)(BX*4), Y7

// EXP8_CONSTS loads exp's constants into Y8..Y14 (using AX and Y0).
#define EXP8_CONSTS \
	BCAST8(0x3f800000, Y8) \ // 1
	BCAST8(0xc2d00000, Y9) \ // −104
	BCAST8(0x42b20000, Y10) \ // 89
	BCAST8(0x3fb8aa3b, Y11) \ // log2 e
	BCAST8(0x3f318000, Y12) \ // ln 2, high part
	BCAST8(0xb95e8083, Y13) \ // ln 2, low part
	BCAST8(0x0000007f, Y14)   // 127, float32's exponent bias

// EXP8 computes Y2 = exp(Y0), clobbering Y0, Y1, Y3 and Y4.
#define EXP8 \
	VMAXPS       Y0, Y9, Y0 \
	VMINPS       Y0, Y10, Y0 \
	VMULPS       Y11, Y0, Y1 \
	VROUNDPS     $8, Y1, Y1 \
	VFNMADD231PS Y12, Y1, Y0 \
	VFNMADD231PS Y13, Y1, Y0 \
	VMOVUPS      avx2actconst<>+0(SB), Y2 \
	VFMADD213PS  avx2actconst<>+32(SB), Y0, Y2 \
	VFMADD213PS  avx2actconst<>+64(SB), Y0, Y2 \
	VFMADD213PS  avx2actconst<>+96(SB), Y0, Y2 \
	VFMADD213PS  avx2actconst<>+128(SB), Y0, Y2 \
	VFMADD213PS  avx2actconst<>+160(SB), Y0, Y2 \
	VMULPS       Y0, Y0, Y3 \
	VFMADD213PS  Y0, Y3, Y2 \
	VADDPS       Y8, Y2, Y2 \
	VCVTPS2DQ    Y1, Y1 \ // n, exact: Y1 is integral
	VPSRAD       $1, Y1, Y4 \ // ⌊n/2⌋
	VPSUBD       Y4, Y1, Y1 \ // n − ⌊n/2⌋
	VPADDD       Y14, Y4, Y4 \
	VPSLLD       $23, Y4, Y4 \
	VPADDD       Y14, Y1, Y1 \
	VPSLLD       $23, Y1, Y1 \
	VMULPS       Y4, Y2, Y2 \
	VMULPS       Y1, Y2, Y2

// func expAVX2(dst, src *float32, n int)
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXP8_CONSTS
	CMPQ CX, $8
	JLT  exptail

exploop:
	VMOVUPS (SI), Y0
	EXP8
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     exploop

exptail:
	TESTQ CX, CX
	JZ    expdone
	TAIL_MASK8
	VMASKMOVPS (SI), Y7, Y0
	EXP8
	VMASKMOVPS Y2, Y7, (DI)

expdone:
	VZEROUPPER
	RET

// SIGMOID8 computes Y2 = 1 / (1 + exp(−Y0)); Y15 is −0.0 (the sign bit).
#define SIGMOID8 \
	VXORPS Y15, Y0, Y0 \
	EXP8 \
	VADDPS Y8, Y2, Y2 \
	VDIVPS Y2, Y8, Y2

// func sigmoidAVX2(dst, src *float32, n int)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	EXP8_CONSTS
	BCAST8(0x80000000, Y15)
	CMPQ CX, $8
	JLT  sigtail

sigloop:
	VMOVUPS (SI), Y0
	SIGMOID8
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     sigloop

sigtail:
	TESTQ CX, CX
	JZ    sigdone
	TAIL_MASK8
	VMASKMOVPS (SI), Y7, Y0
	SIGMOID8
	VMASKMOVPS Y2, Y7, (DI)

sigdone:
	VZEROUPPER
	RET

// TANH8 computes Y2 = tanh(Y0), clobbering Y0, Y1, Y3, Y4 and Y5; the
// constants are in Y10..Y15 and avx2actconst. From |x| ≥ 9.010914, where
// float32's tanh is ±1, the result is ±1 (the rational function stops just
// short of it).
#define TANH8 \
	VANDPS      Y13, Y0, Y4 \
	VCMPPS      $13, Y12, Y4, Y4 \ // |x| ≥ 9.010914 (false for NaN)
	VANDPS      Y15, Y0, Y5 \
	VORPS       Y14, Y5, Y5 \ // ±1
	VMAXPS      Y0, Y11, Y0 \
	VMINPS      Y0, Y10, Y0 \
	VMULPS      Y0, Y0, Y1 \
	VMOVUPS     avx2actconst<>+192(SB), Y2 \
	VFMADD213PS avx2actconst<>+224(SB), Y1, Y2 \
	VFMADD213PS avx2actconst<>+256(SB), Y1, Y2 \
	VFMADD213PS avx2actconst<>+288(SB), Y1, Y2 \
	VFMADD213PS avx2actconst<>+320(SB), Y1, Y2 \
	VFMADD213PS avx2actconst<>+352(SB), Y1, Y2 \
	VFMADD213PS avx2actconst<>+384(SB), Y1, Y2 \
	VMULPS      Y0, Y2, Y2 \
	VMOVUPS     avx2actconst<>+416(SB), Y3 \
	VFMADD213PS avx2actconst<>+448(SB), Y1, Y3 \
	VFMADD213PS avx2actconst<>+480(SB), Y1, Y3 \
	VFMADD213PS avx2actconst<>+512(SB), Y1, Y3 \
	VDIVPS      Y3, Y2, Y2 \
	VBLENDVPS   Y4, Y5, Y2, Y2

// func tanhAVX2(dst, src *float32, n int)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	BCAST8(0x80000000, Y15) // the sign bit
	BCAST8(0x3f800000, Y14) // 1
	BCAST8(0x7fffffff, Y13) // all but the sign bit
	BCAST8(0x41102cb4, Y12) // 9.010914
	BCAST8(0xc0fcf84f, Y11) // −7.9053111
	BCAST8(0x40fcf84f, Y10) // 7.9053111
	CMPQ CX, $8
	JLT  tanhtail

tanhloop:
	VMOVUPS (SI), Y0
	TANH8
	VMOVUPS Y2, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     tanhloop

tanhtail:
	TESTQ CX, CX
	JZ    tanhdone
	TAIL_MASK8
	VMASKMOVPS (SI), Y7, Y0
	TANH8
	VMASKMOVPS Y2, Y7, (DI)

tanhdone:
	VZEROUPPER
	RET

// func softmaxAVX2(x *float32, n int, c float32)
// x = softmax(c·x) in place: the scaled values and their maximum, exp of
// the differences and their sum (in 8 lanes, then halves), then the
// products with 1/sum. n ≥ 1. A NaN needs no tracking: its exp is NaN, so
// is the sum, and so is every product with 1/sum.
TEXT ·softmaxAVX2(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), DX
	VBROADCASTSS c+16(FP), Y6
	BCAST8(0xff800000, Y5) // −Inf
	VMOVAPS      Y5, Y4

	// pass 1: x = c·x, Y4 = lane maxima.
	MOVQ DI, SI
	MOVQ DX, CX
	CMPQ CX, $8
	JLT  sm1tail

sm1loop:
	VMULPS  (SI), Y6, Y0
	VMOVUPS Y0, (SI)
	VMAXPS  Y4, Y0, Y4
	ADDQ    $32, SI
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     sm1loop

sm1tail:
	TESTQ CX, CX
	JZ    sm1done
	TAIL_MASK8
	VMASKMOVPS (SI), Y7, Y0
	VMULPS     Y6, Y0, Y0
	VMASKMOVPS Y0, Y7, (SI)
	VBLENDVPS  Y7, Y0, Y5, Y0 // −Inf in the lanes past the end
	VMAXPS     Y4, Y0, Y4

sm1done:
	VEXTRACTF128 $1, Y4, X5
	VMAXPS       X5, X4, X4
	VPERMILPS    $0x4e, X4, X5
	VMAXPS       X5, X4, X4
	VPERMILPS    $0xb1, X4, X5
	VMAXPS       X5, X4, X4
	VBROADCASTSS X4, Y5

	// pass 2: x = exp(x − max), Y6 = lane sums.
	EXP8_CONSTS
	VXORPS Y6, Y6, Y6
	MOVQ   DI, SI
	MOVQ   DX, CX
	CMPQ   CX, $8
	JLT    sm2tail

sm2loop:
	VMOVUPS (SI), Y0
	VSUBPS  Y5, Y0, Y0
	EXP8
	VMOVUPS Y2, (SI)
	VADDPS  Y2, Y6, Y6
	ADDQ    $32, SI
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     sm2loop

sm2tail:
	TESTQ CX, CX
	JZ    sm2done
	TAIL_MASK8
	VMASKMOVPS (SI), Y7, Y0
	VSUBPS     Y5, Y0, Y0
	EXP8
	VMASKMOVPS Y2, Y7, (SI)
	VANDPS     Y7, Y2, Y2
	VADDPS     Y2, Y6, Y6

sm2done:
	VEXTRACTF128 $1, Y6, X0
	VADDPS       X0, X6, X6
	VPERMILPS    $0x4e, X6, X0
	VADDPS       X0, X6, X6
	VPERMILPS    $0xb1, X6, X0
	VADDPS       X0, X6, X6
	VDIVSS       X6, X8, X1 // Y8 is 1
	VBROADCASTSS X1, Y1

	// pass 3: x = x·(1/sum).
	MOVQ DI, SI
	MOVQ DX, CX
	CMPQ CX, $8
	JLT  sm3tail

sm3loop:
	VMULPS  (SI), Y1, Y0
	VMOVUPS Y0, (SI)
	ADDQ    $32, SI
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     sm3loop

sm3tail:
	TESTQ CX, CX
	JZ    smdone
	TAIL_MASK8
	VMASKMOVPS (SI), Y7, Y0
	VMULPS     Y1, Y0, Y0
	VMASKMOVPS Y0, Y7, (SI)

smdone:
	VZEROUPPER
	RET

// func softmaxGradAVX2(p, d *float32, n int, scale float32)
// d = scale·(p ⊙ (d − ⟨p, d⟩)), the dot product in 8 lanes, then halves.
TEXT ·softmaxGradAVX2(SB), NOSPLIT, $0-28
	MOVQ         p+0(FP), SI
	MOVQ         d+8(FP), DI
	MOVQ         n+16(FP), DX
	VBROADCASTSS scale+24(FP), Y8
	VXORPS       Y6, Y6, Y6
	MOVQ         SI, R8
	MOVQ         DI, R9
	MOVQ         DX, CX
	CMPQ         CX, $8
	JLT          sg1tail

sg1loop:
	VMOVUPS (R8), Y0
	VMULPS  (R9), Y0, Y0
	VADDPS  Y0, Y6, Y6
	ADDQ    $32, R8
	ADDQ    $32, R9
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     sg1loop

sg1tail:
	TESTQ CX, CX
	JZ    sg1done
	TAIL_MASK8
	VMASKMOVPS (R8), Y7, Y0
	VMASKMOVPS (R9), Y7, Y1
	VMULPS     Y1, Y0, Y0
	VADDPS     Y0, Y6, Y6

sg1done:
	VEXTRACTF128 $1, Y6, X0
	VADDPS       X0, X6, X6
	VPERMILPS    $0x4e, X6, X0
	VADDPS       X0, X6, X6
	VPERMILPS    $0xb1, X6, X0
	VADDPS       X0, X6, X6
	VBROADCASTSS X6, Y6
	MOVQ         SI, R8
	MOVQ         DI, R9
	MOVQ         DX, CX
	CMPQ         CX, $8
	JLT          sg2tail

sg2loop:
	VMOVUPS (R9), Y1
	VSUBPS  Y6, Y1, Y1
	VMULPS  (R8), Y1, Y1
	VMULPS  Y8, Y1, Y1
	VMOVUPS Y1, (R9)
	ADDQ    $32, R8
	ADDQ    $32, R9
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     sg2loop

sg2tail:
	TESTQ CX, CX
	JZ    sgdone
	TAIL_MASK8
	VMASKMOVPS (R8), Y7, Y0
	VMASKMOVPS (R9), Y7, Y1
	VSUBPS     Y6, Y1, Y1
	VMULPS     Y0, Y1, Y1
	VMULPS     Y8, Y1, Y1
	VMASKMOVPS Y1, Y7, (R9)

sgdone:
	VZEROUPPER
	RET
