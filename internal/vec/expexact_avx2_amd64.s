#include "textflag.h"

// expExactAVX2 is expExactAVX512 (expexact_amd64.s) in Y registers, 4
// float64 lanes at a time: the operations of the Go runtime's math.Exp
// (its FMA variant) in the same order, then the same rounding to float32.
// Without mask registers, the special cases are selected in float64
// before the rounding: +0 where k + 1023 ≤ 0, x itself where it is NaN,
// +Inf where x > 89; each rounds to the float32 that expExactAVX512 stores.

// expexact4 holds math.Exp's constants (src/math/exp_amd64.s) and the
// special cases' bounds, each in 4 lanes (32 bytes) for memory operands.
// 0.5 at 0
DATA expexact4<>+0(SB)/8, $0.5
DATA expexact4<>+8(SB)/8, $0.5
DATA expexact4<>+16(SB)/8, $0.5
DATA expexact4<>+24(SB)/8, $0.5
// 1 at 32
DATA expexact4<>+32(SB)/8, $1.0
DATA expexact4<>+40(SB)/8, $1.0
DATA expexact4<>+48(SB)/8, $1.0
DATA expexact4<>+56(SB)/8, $1.0
// 2 at 64
DATA expexact4<>+64(SB)/8, $2.0
DATA expexact4<>+72(SB)/8, $2.0
DATA expexact4<>+80(SB)/8, $2.0
DATA expexact4<>+88(SB)/8, $2.0
// c3 at 96
DATA expexact4<>+96(SB)/8, $1.6666666666666666667e-1
DATA expexact4<>+104(SB)/8, $1.6666666666666666667e-1
DATA expexact4<>+112(SB)/8, $1.6666666666666666667e-1
DATA expexact4<>+120(SB)/8, $1.6666666666666666667e-1
// c4 at 128
DATA expexact4<>+128(SB)/8, $4.1666666666666666667e-2
DATA expexact4<>+136(SB)/8, $4.1666666666666666667e-2
DATA expexact4<>+144(SB)/8, $4.1666666666666666667e-2
DATA expexact4<>+152(SB)/8, $4.1666666666666666667e-2
// c5 at 160
DATA expexact4<>+160(SB)/8, $8.3333333333333333333e-3
DATA expexact4<>+168(SB)/8, $8.3333333333333333333e-3
DATA expexact4<>+176(SB)/8, $8.3333333333333333333e-3
DATA expexact4<>+184(SB)/8, $8.3333333333333333333e-3
// c6 at 192
DATA expexact4<>+192(SB)/8, $1.3888888888888888889e-3
DATA expexact4<>+200(SB)/8, $1.3888888888888888889e-3
DATA expexact4<>+208(SB)/8, $1.3888888888888888889e-3
DATA expexact4<>+216(SB)/8, $1.3888888888888888889e-3
// c7 at 224
DATA expexact4<>+224(SB)/8, $1.9841269841269841270e-4
DATA expexact4<>+232(SB)/8, $1.9841269841269841270e-4
DATA expexact4<>+240(SB)/8, $1.9841269841269841270e-4
DATA expexact4<>+248(SB)/8, $1.9841269841269841270e-4
// c8 at 256
DATA expexact4<>+256(SB)/8, $2.4801587301587301587e-5
DATA expexact4<>+264(SB)/8, $2.4801587301587301587e-5
DATA expexact4<>+272(SB)/8, $2.4801587301587301587e-5
DATA expexact4<>+280(SB)/8, $2.4801587301587301587e-5
// log2e at 288
DATA expexact4<>+288(SB)/8, $1.4426950408889634073599246810018920
DATA expexact4<>+296(SB)/8, $1.4426950408889634073599246810018920
DATA expexact4<>+304(SB)/8, $1.4426950408889634073599246810018920
DATA expexact4<>+312(SB)/8, $1.4426950408889634073599246810018920
// ln2u at 320
DATA expexact4<>+320(SB)/8, $0.69314718055966295651160180568695068359375
DATA expexact4<>+328(SB)/8, $0.69314718055966295651160180568695068359375
DATA expexact4<>+336(SB)/8, $0.69314718055966295651160180568695068359375
DATA expexact4<>+344(SB)/8, $0.69314718055966295651160180568695068359375
// ln2l at 352
DATA expexact4<>+352(SB)/8, $0.28235290563031577122588448175013436025525412068e-12
DATA expexact4<>+360(SB)/8, $0.28235290563031577122588448175013436025525412068e-12
DATA expexact4<>+368(SB)/8, $0.28235290563031577122588448175013436025525412068e-12
DATA expexact4<>+376(SB)/8, $0.28235290563031577122588448175013436025525412068e-12
// 1/16 at 384
DATA expexact4<>+384(SB)/8, $0.0625
DATA expexact4<>+392(SB)/8, $0.0625
DATA expexact4<>+400(SB)/8, $0.0625
DATA expexact4<>+408(SB)/8, $0.0625
// -1023 at 416
DATA expexact4<>+416(SB)/8, $-1023.0
DATA expexact4<>+424(SB)/8, $-1023.0
DATA expexact4<>+432(SB)/8, $-1023.0
DATA expexact4<>+440(SB)/8, $-1023.0
// 89 at 448
DATA expexact4<>+448(SB)/8, $89.0
DATA expexact4<>+456(SB)/8, $89.0
DATA expexact4<>+464(SB)/8, $89.0
DATA expexact4<>+472(SB)/8, $89.0
// 0x3FF at 480
DATA expexact4<>+480(SB)/8, $0x3FF
DATA expexact4<>+488(SB)/8, $0x3FF
DATA expexact4<>+496(SB)/8, $0x3FF
DATA expexact4<>+504(SB)/8, $0x3FF
// +Inf at 512
DATA expexact4<>+512(SB)/8, $0x7FF0000000000000
DATA expexact4<>+520(SB)/8, $0x7FF0000000000000
DATA expexact4<>+528(SB)/8, $0x7FF0000000000000
DATA expexact4<>+536(SB)/8, $0x7FF0000000000000
GLOBL expexact4<>(SB), RODATA|NOPTR, $544

// EXPEXACT4(o, X, K, KX, FK, R, P) computes the 4 float32 at o(DI)(AX*4),
// with X, K, FK, R and P Y registers and KX the X register of K.
#define EXPEXACT4(o, X, K, KX, FK, R, P) \
	VCVTPS2PD    o(DI)(AX*4), X \ // x
	VMULPD       Y10, X, K \
	VCVTPD2DQY   K, KX \ // k, rounded to nearest
	VCVTDQ2PD    KX, FK \ // float64(k)
	VMOVAPD      X, R \
	VFNMADD231PD Y11, FK, R \ // r = x − k·ln2u
	VFNMADD231PD Y12, FK, R \ // r −= k·ln2l
	VMULPD       Y13, R, R \ // r /= 16
	VMOVUPD      expexact4<>+256(SB), P \
	VFMADD213PD  expexact4<>+224(SB), R, P \ // p = p·r + c
	VFMADD213PD  expexact4<>+192(SB), R, P \
	VFMADD213PD  expexact4<>+160(SB), R, P \
	VFMADD213PD  expexact4<>+128(SB), R, P \
	VFMADD213PD  expexact4<>+96(SB), R, P \
	VFMADD213PD  expexact4<>+0(SB), R, P \
	VFMADD213PD  Y15, R, P \
	VMULPD       P, R, R \ // r·p
	VADDPD       Y14, R, P \
	VMULPD       P, R, R \
	VADDPD       Y14, R, P \
	VMULPD       P, R, R \
	VADDPD       Y14, R, P \
	VMULPD       P, R, R \
	VADDPD       Y14, R, P \
	VFMADD213PD  Y15, P, R \ // r·p + 1
	VPMOVSXDQ    KX, K \
	VPADDQ       expexact4<>+480(SB), K, K \
	VPSLLQ       $52, K, K \ // 2^k
	VMULPD       K, R, R \
	VCMPPD       $30, expexact4<>+416(SB), FK, FK \ // k > −1023 (false for NaN and −Inf: k is the integer indefinite)
	VANDPD       FK, R, R \ // else +0
	VCMPPD       $3, X, X, FK \ // x is NaN
	VBLENDVPD    FK, X, R, R \ // then x
	VCMPPD       $30, expexact4<>+448(SB), X, FK \ // x > 89
	VBLENDVPD    FK, expexact4<>+512(SB), R, R \ // then +Inf
	VCVTPD2PSY   R, KX \
	VMOVUPS      KX, o(DI)(AX*4)

// func expExactAVX2(y *float32, n int); n is a multiple of 8.
TEXT ·expExactAVX2(SB), NOSPLIT, $0-16
	MOVQ         y+0(FP), DI
	MOVQ         n+8(FP), CX
	VMOVUPD      expexact4<>+288(SB), Y10
	VMOVUPD      expexact4<>+320(SB), Y11
	VMOVUPD      expexact4<>+352(SB), Y12
	VMOVUPD      expexact4<>+384(SB), Y13
	VMOVUPD      expexact4<>+64(SB), Y14
	VMOVUPD      expexact4<>+32(SB), Y15
	XORQ         AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	// Two independent halves, so that their chains overlap.
	EXPEXACT4(0, Y0, Y1, X1, Y2, Y3, Y4)
	EXPEXACT4(16, Y5, Y6, X6, Y7, Y8, Y9)
	ADDQ $8, AX
	JMP  loop

done:
	VZEROUPPER
	RET
