//go:build amd64 && !purego

#include "textflag.h"

// func biasAct8(c *float32, ldc, rows, cols int, bias *float32, flags int)
//
// For i < rows and j < cols (a multiple of 8): c[i*ldc+j] += bias[j] if
// flags&1, then c[i*ldc+j] = max(0, c[i*ldc+j]) + 0 if flags&2. The add is
// rounded as Go's; the ReLU is vec.ReLU's (VMAXPS returns its second
// source, c, when either is a NaN or both are zeros, and adding +0 turns
// −0 into +0), so both give the bits of the separate passes.
TEXT ·biasAct8(SB), NOSPLIT, $0-48
	MOVQ c+0(FP), DI
	MOVQ ldc+8(FP), R8
	SHLQ $2, R8
	MOVQ rows+16(FP), R9
	MOVQ cols+24(FP), CX
	MOVQ bias+32(FP), SI
	MOVQ flags+40(FP), DX
	VXORPS Y0, Y0, Y0
	TESTQ DX, DX
	JEQ done
	CMPQ DX, $1
	JEQ biasrow
	CMPQ DX, $2
	JEQ relurow

bothrow:
	TESTQ R9, R9
	JEQ done
	XORQ AX, AX

bothcol:
	VMOVUPS (DI)(AX*4), Y1
	VADDPS (SI)(AX*4), Y1, Y1
	VMAXPS Y1, Y0, Y1
	VADDPS Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT bothcol
	ADDQ R8, DI
	DECQ R9
	JMP bothrow

biasrow:
	TESTQ R9, R9
	JEQ done
	XORQ AX, AX

biascol:
	VMOVUPS (DI)(AX*4), Y1
	VADDPS (SI)(AX*4), Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT biascol
	ADDQ R8, DI
	DECQ R9
	JMP biasrow

relurow:
	TESTQ R9, R9
	JEQ done
	XORQ AX, AX

relucol:
	VMOVUPS (DI)(AX*4), Y1
	VMAXPS Y1, Y0, Y1
	VADDPS Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ $8, AX
	CMPQ AX, CX
	JLT relucol
	ADDQ R8, DI
	DECQ R9
	JMP relurow

done:
	VZEROUPPER
	RET
