//go:build amd64 && !purego

#include "textflag.h"

// func transpose8(src *float32, lds int, dst *float32, ldd int, k int)
//
// Transposes an 8×k strip: dst[p*ldd+i] = src[i*lds+p] for i < 8, p < k.
// Whole 8×8 blocks go through registers (unpack, shuffle, lane permute);
// the last k%8 columns are moved one float at a time.
TEXT ·transpose8(SB), NOSPLIT, $0-40
	MOVQ src+0(FP), SI
	MOVQ lds+8(FP), BX
	SHLQ $2, BX
	MOVQ dst+16(FP), DI
	MOVQ ldd+24(FP), DX
	SHLQ $2, DX
	MOVQ k+32(FP), CX

	// Row offsets 3·lds, 5·lds, 6·lds, 7·lds; rows 0, 1, 2, 4 use scaled indexes.
	LEAQ (BX)(BX*2), R8
	LEAQ (BX)(BX*4), R9
	LEAQ (R8)(R8*1), R10
	LEAQ (R9)(BX*2), R11
	// Column offsets 3·ldd, 5·ldd, 6·ldd, 7·ldd on the destination side.
	LEAQ (DX)(DX*2), R12
	LEAQ (DX)(DX*4), R13
	LEAQ (R12)(R12*1), AX

	CMPQ CX, $8
	JLT rest

block:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(BX*1), Y1
	VMOVUPS (SI)(BX*2), Y2
	VMOVUPS (SI)(R8*1), Y3
	VMOVUPS (SI)(BX*4), Y4
	VMOVUPS (SI)(R9*1), Y5
	VMOVUPS (SI)(R10*1), Y6
	VMOVUPS (SI)(R11*1), Y7

	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(DX*1)
	VMOVUPS Y10, (DI)(DX*2)
	VMOVUPS Y11, (DI)(R12*1)
	VMOVUPS Y12, (DI)(DX*4)
	VMOVUPS Y13, (DI)(R13*1)
	VMOVUPS Y14, (DI)(AX*1)
	ADDQ R12, DI
	VMOVUPS Y15, (DI)(DX*4)

	// DI advanced by 3·ldd above; 5·ldd more makes the 8 rows written.
	ADDQ $32, SI
	ADDQ R13, DI
	SUBQ $8, CX
	CMPQ CX, $8
	JGE block

rest:
	TESTQ CX, CX
	JEQ done

col:
	MOVL (SI), R12
	MOVL R12, (DI)
	MOVL (SI)(BX*1), R12
	MOVL R12, 4(DI)
	MOVL (SI)(BX*2), R12
	MOVL R12, 8(DI)
	MOVL (SI)(R8*1), R12
	MOVL R12, 12(DI)
	MOVL (SI)(BX*4), R12
	MOVL R12, 16(DI)
	MOVL (SI)(R9*1), R12
	MOVL R12, 20(DI)
	MOVL (SI)(R10*1), R12
	MOVL R12, 24(DI)
	MOVL (SI)(R11*1), R12
	MOVL R12, 28(DI)
	ADDQ $4, SI
	ADDQ DX, DI
	DECQ CX
	JNZ col

done:
	VZEROUPPER
	RET

// func copyRows(dst *float32, ldd int, src *float32, lds int, k int, w int)
//
// Copies k rows of w floats (w a multiple of 8) from src (row stride lds)
// to dst (row stride ldd): it packs panels that are already k-major.
TEXT ·copyRows(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), BX
	SHLQ $2, BX
	MOVQ k+32(FP), CX
	MOVQ w+40(FP), DX
	SHLQ $2, DX
	TESTQ CX, CX
	JEQ copydone
	CMPQ DX, $32
	JEQ copy8
	CMPQ DX, $128
	JNE copyany

copy32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ BX, SI
	ADDQ R8, DI
	DECQ CX
	JNZ copy32
	JMP copydone

copy8:
	VMOVUPS (SI), Y0
	VMOVUPS Y0, (DI)
	ADDQ BX, SI
	ADDQ R8, DI
	DECQ CX
	JNZ copy8
	JMP copydone

copyany:
	XORQ AX, AX

copyrow:
	VMOVUPS (SI)(AX*1), Y0
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ $32, AX
	CMPQ AX, DX
	JLT copyrow
	ADDQ BX, SI
	ADDQ R8, DI
	DECQ CX
	JNZ copyany

copydone:
	VZEROUPPER
	RET

