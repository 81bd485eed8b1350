#include "textflag.h"

// Normalization row kernels; see norm.go. Each row is processed in groups
// of 16 floats (AVX-512) or 8 (AVX2), then one float at a time, rows in
// order. Registers: CX rows left, BX c, DX c rounded down to the group
// size, AX the column.

// func scaleShiftRowsAVX512(y, x, a, b *float32, n, c int)
TEXT ·scaleShiftRowsAVX512(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ a+16(FP), R8
	MOVQ b+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), BX
	MOVQ BX, DX
	ANDQ $~15, DX

ssrow:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  sstail

ssloop:
	VMOVUPS (SI)(AX*4), Z0
	VMULPS  (R8)(AX*4), Z0, Z0
	VADDPS  (R9)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JLT     ssloop

sstail:
	CMPQ   AX, BX
	JGE    ssnext
	VMOVSS (SI)(AX*4), X0
	VMULSS (R8)(AX*4), X0, X0
	VADDSS (R9)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    sstail

ssnext:
	LEAQ (DI)(BX*4), DI
	LEAQ (SI)(BX*4), SI
	DECQ CX
	JNZ  ssrow
	VZEROUPPER
	RET

// func addSqDevRowsAVX512(acc, x, mean *float32, n, c int)
TEXT ·addSqDevRowsAVX512(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ mean+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ c+32(FP), BX
	MOVQ BX, DX
	ANDQ $~15, DX

sdrow:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  sdtail

sdloop:
	VMOVUPS (SI)(AX*4), Z0
	VSUBPS  (R8)(AX*4), Z0, Z0
	VMULPS  Z0, Z0, Z0
	VADDPS  (DI)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JLT     sdloop

sdtail:
	CMPQ   AX, BX
	JGE    sdnext
	VMOVSS (SI)(AX*4), X0
	VSUBSS (R8)(AX*4), X0, X0
	VMULSS X0, X0, X0
	VADDSS (DI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    sdtail

sdnext:
	LEAQ (SI)(BX*4), SI
	DECQ CX
	JNZ  sdrow
	VZEROUPPER
	RET

// func addDevDotRowsAVX512(acc, grad, x, mean *float32, n, c int)
TEXT ·addDevDotRowsAVX512(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ grad+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ mean+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), BX
	MOVQ BX, DX
	ANDQ $~15, DX

ddrow:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  ddtail

ddloop:
	VMOVUPS (SI)(AX*4), Z0
	VSUBPS  (R9)(AX*4), Z0, Z0
	VMULPS  (R8)(AX*4), Z0, Z0
	VADDPS  (DI)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JLT     ddloop

ddtail:
	CMPQ   AX, BX
	JGE    ddnext
	VMOVSS (SI)(AX*4), X0
	VSUBSS (R9)(AX*4), X0, X0
	VMULSS (R8)(AX*4), X0, X0
	VADDSS (DI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    ddtail

ddnext:
	LEAQ (SI)(BX*4), SI
	LEAQ (R8)(BX*4), R8
	DECQ CX
	JNZ  ddrow
	VZEROUPPER
	RET

// func addAffine2RowsAVX512(dst, grad, x, a, b, d *float32, n, c int)
TEXT ·addAffine2RowsAVX512(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ grad+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ a+24(FP), R10
	MOVQ b+32(FP), R11
	MOVQ d+40(FP), R12
	MOVQ n+48(FP), CX
	MOVQ c+56(FP), BX
	MOVQ BX, DX
	ANDQ $~15, DX

afrow:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  aftail

afloop:
	VMOVUPS (R8)(AX*4), Z0
	VMULPS  (R10)(AX*4), Z0, Z0
	VMOVUPS (SI)(AX*4), Z1
	VMULPS  (R11)(AX*4), Z1, Z1
	VADDPS  Z1, Z0, Z0
	VADDPS  (R12)(AX*4), Z0, Z0
	VADDPS  (DI)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JLT     afloop

aftail:
	CMPQ   AX, BX
	JGE    afnext
	VMOVSS (R8)(AX*4), X0
	VMULSS (R10)(AX*4), X0, X0
	VMOVSS (SI)(AX*4), X1
	VMULSS (R11)(AX*4), X1, X1
	VADDSS X1, X0, X0
	VADDSS (R12)(AX*4), X0, X0
	VADDSS (DI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    aftail

afnext:
	LEAQ (DI)(BX*4), DI
	LEAQ (R8)(BX*4), R8
	LEAQ (SI)(BX*4), SI
	DECQ CX
	JNZ  afrow
	VZEROUPPER
	RET

// The AVX2 kernels: the same operations on 8 floats at a time.

// func scaleShiftRowsAVX2(y, x, a, b *float32, n, c int)
TEXT ·scaleShiftRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ a+16(FP), R8
	MOVQ b+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), BX
	MOVQ BX, DX
	ANDQ $~7, DX

ssrow2:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  sstail2

ssloop2:
	VMOVUPS (SI)(AX*4), Y0
	VMULPS  (R8)(AX*4), Y0, Y0
	VADDPS  (R9)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, DX
	JLT     ssloop2

sstail2:
	CMPQ   AX, BX
	JGE    ssnext2
	VMOVSS (SI)(AX*4), X0
	VMULSS (R8)(AX*4), X0, X0
	VADDSS (R9)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    sstail2

ssnext2:
	LEAQ (DI)(BX*4), DI
	LEAQ (SI)(BX*4), SI
	DECQ CX
	JNZ  ssrow2
	VZEROUPPER
	RET

// func addSqDevRowsAVX2(acc, x, mean *float32, n, c int)
TEXT ·addSqDevRowsAVX2(SB), NOSPLIT, $0-40
	MOVQ acc+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ mean+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ c+32(FP), BX
	MOVQ BX, DX
	ANDQ $~7, DX

sdrow2:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  sdtail2

sdloop2:
	VMOVUPS (SI)(AX*4), Y0
	VSUBPS  (R8)(AX*4), Y0, Y0
	VMULPS  Y0, Y0, Y0
	VADDPS  (DI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, DX
	JLT     sdloop2

sdtail2:
	CMPQ   AX, BX
	JGE    sdnext2
	VMOVSS (SI)(AX*4), X0
	VSUBSS (R8)(AX*4), X0, X0
	VMULSS X0, X0, X0
	VADDSS (DI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    sdtail2

sdnext2:
	LEAQ (SI)(BX*4), SI
	DECQ CX
	JNZ  sdrow2
	VZEROUPPER
	RET

// func addDevDotRowsAVX2(acc, grad, x, mean *float32, n, c int)
TEXT ·addDevDotRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ acc+0(FP), DI
	MOVQ grad+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ mean+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), BX
	MOVQ BX, DX
	ANDQ $~7, DX

ddrow2:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  ddtail2

ddloop2:
	VMOVUPS (SI)(AX*4), Y0
	VSUBPS  (R9)(AX*4), Y0, Y0
	VMULPS  (R8)(AX*4), Y0, Y0
	VADDPS  (DI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, DX
	JLT     ddloop2

ddtail2:
	CMPQ   AX, BX
	JGE    ddnext2
	VMOVSS (SI)(AX*4), X0
	VSUBSS (R9)(AX*4), X0, X0
	VMULSS (R8)(AX*4), X0, X0
	VADDSS (DI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    ddtail2

ddnext2:
	LEAQ (SI)(BX*4), SI
	LEAQ (R8)(BX*4), R8
	DECQ CX
	JNZ  ddrow2
	VZEROUPPER
	RET

// func addAffine2RowsAVX2(dst, grad, x, a, b, d *float32, n, c int)
TEXT ·addAffine2RowsAVX2(SB), NOSPLIT, $0-64
	MOVQ dst+0(FP), DI
	MOVQ grad+8(FP), R8
	MOVQ x+16(FP), SI
	MOVQ a+24(FP), R10
	MOVQ b+32(FP), R11
	MOVQ d+40(FP), R12
	MOVQ n+48(FP), CX
	MOVQ c+56(FP), BX
	MOVQ BX, DX
	ANDQ $~7, DX

afrow2:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  aftail2

afloop2:
	VMOVUPS (R8)(AX*4), Y0
	VMULPS  (R10)(AX*4), Y0, Y0
	VMOVUPS (SI)(AX*4), Y1
	VMULPS  (R11)(AX*4), Y1, Y1
	VADDPS  Y1, Y0, Y0
	VADDPS  (R12)(AX*4), Y0, Y0
	VADDPS  (DI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, DX
	JLT     afloop2

aftail2:
	CMPQ   AX, BX
	JGE    afnext2
	VMOVSS (R8)(AX*4), X0
	VMULSS (R10)(AX*4), X0, X0
	VMOVSS (SI)(AX*4), X1
	VMULSS (R11)(AX*4), X1, X1
	VADDSS X1, X0, X0
	VADDSS (R12)(AX*4), X0, X0
	VADDSS (DI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    aftail2

afnext2:
	LEAQ (DI)(BX*4), DI
	LEAQ (R8)(BX*4), R8
	LEAQ (SI)(BX*4), SI
	DECQ CX
	JNZ  afrow2
	VZEROUPPER
	RET
