#include "textflag.h"

// The constants of the Go runtime's math.Exp (src/math/exp_amd64.s).
DATA expexactconst<>+0(SB)/8, $0.5
DATA expexactconst<>+8(SB)/8, $1.0
DATA expexactconst<>+16(SB)/8, $2.0
DATA expexactconst<>+24(SB)/8, $1.6666666666666666667e-1
DATA expexactconst<>+32(SB)/8, $4.1666666666666666667e-2
DATA expexactconst<>+40(SB)/8, $8.3333333333333333333e-3
DATA expexactconst<>+48(SB)/8, $1.3888888888888888889e-3
DATA expexactconst<>+56(SB)/8, $1.9841269841269841270e-4
DATA expexactconst<>+64(SB)/8, $2.4801587301587301587e-5
DATA expexactconst<>+72(SB)/8, $1.4426950408889634073599246810018920     // log2(e)
DATA expexactconst<>+80(SB)/8, $0.69314718055966295651160180568695068359375 // upper half of ln 2
DATA expexactconst<>+88(SB)/8, $0.28235290563031577122588448175013436025525412068e-12 // lower half
DATA expexactconst<>+96(SB)/8, $0.0625
DATA expexactconst<>+104(SB)/8, $-1023.0
DATA expexactconst<>+112(SB)/8, $89.0
DATA expexactconst<>+120(SB)/8, $0x3FF
DATA expexactconst<>+128(SB)/4, $0x7F800000 // +Inf as float32
GLOBL expexactconst<>(SB), RODATA|NOPTR, $136

// func expExactAVX512(y *float32, n int); n is a multiple of 8.
//
// y[i] = float32(exp(float64(y[i]))) with math.Exp's FMA path, lane by
// lane: k = round(x·log2 e); r = (x − k·ln2u − k·ln2l)/16 (two FMAs); the
// Taylor polynomial by Horner's rule (FMAs); four squarings (r·p, p = r+2);
// ·2^k. math.Exp's special cases: NaN is returned as is, k + 1023 ≤ 0
// (x below about −708, −Inf) gives a float64 that rounds to float32 0, and
// x > 89 rounds to float32 +Inf (math.Exp's overflow or a float64 above
// float32's range).
TEXT ·expExactAVX512(SB), NOSPLIT, $0-16
	MOVQ y+0(FP), DI
	MOVQ n+8(FP), CX
	VBROADCASTSD expexactconst<>+72(SB), Z20 // log2 e
	VBROADCASTSD expexactconst<>+80(SB), Z21 // ln2 upper
	VBROADCASTSD expexactconst<>+88(SB), Z22 // ln2 lower
	VBROADCASTSD expexactconst<>+96(SB), Z23 // 1/16
	VBROADCASTSD expexactconst<>+104(SB), Z24 // -1023
	VBROADCASTSD expexactconst<>+112(SB), Z25 // 89
	VPBROADCASTQ expexactconst<>+120(SB), Z26 // 0x3FF
	VBROADCASTSS expexactconst<>+128(SB), Y27 // +Inf
	VBROADCASTSD expexactconst<>+64(SB), Z10
	VBROADCASTSD expexactconst<>+56(SB), Z11
	VBROADCASTSD expexactconst<>+48(SB), Z12
	VBROADCASTSD expexactconst<>+40(SB), Z13
	VBROADCASTSD expexactconst<>+32(SB), Z14
	VBROADCASTSD expexactconst<>+24(SB), Z15
	VBROADCASTSD expexactconst<>+0(SB), Z16  // 0.5
	VBROADCASTSD expexactconst<>+8(SB), Z17  // 1
	VBROADCASTSD expexactconst<>+16(SB), Z18 // 2
	XORQ AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	VCVTPS2PD (DI)(AX*4), Z0 // x
	VMULPD    Z20, Z0, Z2
	VCVTPD2DQ Z2, Y3        // k, rounded to nearest
	VCVTDQ2PD Y3, Z4        // float64(k)
	VMOVAPD   Z0, Z1
	VFNMADD231PD Z21, Z4, Z1 // r = x − k·ln2u
	VFNMADD231PD Z22, Z4, Z1 // r −= k·ln2l
	VMULPD    Z23, Z1, Z1    // r /= 16
	VMOVAPD   Z10, Z5
	VFMADD213PD Z11, Z1, Z5 // p = p·r + c
	VFMADD213PD Z12, Z1, Z5
	VFMADD213PD Z13, Z1, Z5
	VFMADD213PD Z14, Z1, Z5
	VFMADD213PD Z15, Z1, Z5
	VFMADD213PD Z16, Z1, Z5
	VFMADD213PD Z17, Z1, Z5
	VMULPD    Z5, Z1, Z1 // r·p
	VADDPD    Z18, Z1, Z5
	VMULPD    Z5, Z1, Z1
	VADDPD    Z18, Z1, Z5
	VMULPD    Z5, Z1, Z1
	VADDPD    Z18, Z1, Z5
	VMULPD    Z5, Z1, Z1
	VADDPD    Z18, Z1, Z5
	VFMADD213PD Z17, Z5, Z1 // r·p + 1
	VPMOVSXDQ Y3, Z6
	VPADDQ    Z26, Z6, Z6
	VPSLLQ    $52, Z6, Z6 // 2^k
	VMULPD    Z6, Z1, Z1
	VCMPPD    $30, Z24, Z4, K1 // k > −1023 (false for NaN and −Inf: k is the integer indefinite)
	VCVTPD2PS.Z Z1, K1, Y7
	VCMPPD    $3, Z0, Z0, K2   // x is NaN
	VCVTPD2PS Z0, K2, Y7
	VCMPPD    $30, Z25, Z0, K3 // x > 89
	VMOVUPS   Y27, K3, Y7
	VMOVUPS   Y7, (DI)(AX*4)
	ADDQ      $8, AX
	JMP       loop

done:
	VZEROUPPER
	RET
