#include "textflag.h"

// Strided row kernels; see rows.go. Rows are processed in order, each in
// groups of 16 (AVX-512) or 8 floats (AVX2), then (AVX-512) one group of 8,
// then one float at a time. The tail takes no masked stores: on Zen 4 one
// that crosses a cache line costs ~10 cycles, and the rows of a first
// convolution layer (3 floats, 36 bytes apart) nearly always do. dst + src
// is computed with dst as the first operand, as the Go code does.

// Registers: DI dst row, R8 dstStep, SI src row, R9 srcStep, CX rows left,
// BX seg, DX seg rounded down to the group size, R10 seg rounded down to 8,
// AX position in the row.

// func addRowsAVX512(dst *float32, dstStep int, src *float32, srcStep int, n, seg int)
TEXT ·addRowsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dstStep+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ srcStep+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ seg+40(FP), BX
	MOVQ BX, DX
	ANDQ $~15, DX
	MOVQ BX, R10
	ANDQ $~7, R10

ar512row:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  ar512tail

ar512loop:
	VMOVUPS (DI)(AX*4), Z0
	VADDPS  (SI)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JLT     ar512loop

ar512tail:
	CMPQ    AX, R10
	JGE     ar512one
	VMOVUPS (DI)(AX*4), Y0
	VADDPS  (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX

ar512one:
	CMPQ   AX, BX
	JGE    ar512next
	VMOVSS (DI)(AX*4), X0
	VADDSS (SI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    ar512one

ar512next:
	LEAQ (DI)(R8*4), DI
	LEAQ (SI)(R9*4), SI
	DECQ CX
	JNZ  ar512row
	VZEROUPPER
	RET

// func addRowsAVX2(dst *float32, dstStep int, src *float32, srcStep int, n, seg int)
TEXT ·addRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dstStep+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ srcStep+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ seg+40(FP), BX
	MOVQ BX, DX
	ANDQ $~7, DX

ar256row:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  ar256tail

ar256loop:
	VMOVUPS (DI)(AX*4), Y0
	VADDPS  (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, DX
	JLT     ar256loop

ar256tail:
	CMPQ   AX, BX
	JGE    ar256next
	VMOVSS (DI)(AX*4), X0
	VADDSS (SI)(AX*4), X0, X0
	VMOVSS X0, (DI)(AX*4)
	INCQ   AX
	JMP    ar256tail

ar256next:
	LEAQ (DI)(R8*4), DI
	LEAQ (SI)(R9*4), SI
	DECQ CX
	JNZ  ar256row
	VZEROUPPER
	RET

// func copyRowsAVX512(dst *float32, dstStep int, src *float32, srcStep int, n, seg int)
TEXT ·copyRowsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dstStep+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ srcStep+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ seg+40(FP), BX
	MOVQ BX, DX
	ANDQ $~15, DX
	MOVQ BX, R10
	ANDQ $~7, R10

cr512row:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  cr512tail

cr512loop:
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, DX
	JLT     cr512loop

cr512tail:
	CMPQ    AX, R10
	JGE     cr512one
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX

cr512one:
	CMPQ AX, BX
	JGE  cr512next
	MOVL (SI)(AX*4), R11
	MOVL R11, (DI)(AX*4)
	INCQ AX
	JMP  cr512one

cr512next:
	LEAQ (DI)(R8*4), DI
	LEAQ (SI)(R9*4), SI
	DECQ CX
	JNZ  cr512row
	VZEROUPPER
	RET

// func copyRowsAVX2(dst *float32, dstStep int, src *float32, srcStep int, n, seg int)
TEXT ·copyRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dstStep+8(FP), R8
	MOVQ src+16(FP), SI
	MOVQ srcStep+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ seg+40(FP), BX
	MOVQ BX, DX
	ANDQ $~7, DX

cr256row:
	XORQ AX, AX
	CMPQ DX, $0
	JEQ  cr256tail

cr256loop:
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, DX
	JLT     cr256loop

cr256tail:
	CMPQ AX, BX
	JGE  cr256next
	MOVL (SI)(AX*4), R10
	MOVL R10, (DI)(AX*4)
	INCQ AX
	JMP  cr256tail

cr256next:
	LEAQ (DI)(R8*4), DI
	LEAQ (SI)(R9*4), SI
	DECQ CX
	JNZ  cr256row
	VZEROUPPER
	RET
