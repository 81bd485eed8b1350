#include "textflag.h"

// MulAddRows; see muladd.go. Each row in groups of 16 and then 8 floats,
// then one at a time: a product (VMULPS) and then a sum (VADDPS), never a
// fused multiply-add, so that the bits are those of the Go code.

// Registers: DI dst row, R8 dstStep, SI a row, R9 aStep, R11 b row, R12
// bStep, CX rows left, BX seg, DX seg rounded down to 16, R10 seg rounded
// down to 8, AX position in the row.

// func mulAddRowsAVX2(dst *float32, dstStep int, a *float32, aStep int, b *float32, bStep int, n, seg int)
TEXT ·mulAddRowsAVX2(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ dstStep+8(FP), R8
	MOVQ a+16(FP), SI
	MOVQ aStep+24(FP), R9
	MOVQ b+32(FP), R11
	MOVQ bStep+40(FP), R12
	MOVQ n+48(FP), CX
	MOVQ seg+56(FP), BX
	MOVQ BX, DX
	ANDQ $~15, DX
	MOVQ BX, R10
	ANDQ $~7, R10

marow:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  ma8

ma16:
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS 32(SI)(AX*4), Y1
	VMULPS  (R11)(AX*4), Y0, Y0
	VMULPS  32(R11)(AX*4), Y1, Y1
	VADDPS  (DI)(AX*4), Y0, Y0
	VADDPS  32(DI)(AX*4), Y1, Y1
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JLT     ma16

ma8:
	CMPQ    AX, R10
	JGE     maone
	VMOVUPS (SI)(AX*4), Y0
	VMULPS  (R11)(AX*4), Y0, Y0
	VADDPS  (DI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX

maone:
	CMPQ   AX, BX
	JGE    manext
	VMOVSS (SI)(AX*4), X0
	VMULSS (R11)(AX*4), X0, X0
	VADDSS (DI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    maone

manext:
	LEAQ (DI)(R8*4), DI
	LEAQ (SI)(R9*4), SI
	LEAQ (R11)(R12*4), R11
	DECQ CX
	JNZ  marow
	VZEROUPPER
	RET
