#include "textflag.h"

// Direct convolution over runs of outputs; see convrows.go. Products are
// rounded (VMULPS) before they are added (VADDPS), in the order the Go code
// adds them, so every path gives the same bits.

// func convRowsAVX512(out, x *float32, xoffs, woffs *int32, k, n, step int, w, bias *float32, f, relu int)
// f is a multiple of 16. Four outputs at a time (then one at a time), for
// one or two vectors of filters: Z0-Z3 and Z4-Z7 accumulate, each
// output on its own, so that four additions are in flight.
// Registers: DI output row, SI input window origin, R10 k, CX outputs left,
// R12 step·4, R8 3·step·4, DX w, R11 bias (0: none), BX f, AX filter
// offset, R14 e, R15 input pointer of position e, R13 woffs[e]+AX.
TEXT ·convRowsAVX512(SB), NOSPLIT, $0-88
	MOVQ   out+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   k+32(FP), R10
	MOVQ   n+40(FP), CX
	MOVQ   step+48(FP), R12
	SHLQ   $2, R12
	LEAQ   (R12)(R12*2), R8
	MOVQ   w+56(FP), DX
	MOVQ   bias+64(FP), R11
	MOVQ   f+72(FP), BX
	VXORPS Z15, Z15, Z15

cfavx512four:
	CMPQ CX, $4
	JLT  cfavx512one
	XORQ AX, AX

cfavx512qgroup:
	MOVQ BX, R13
	SUBQ AX, R13
	CMPQ R13, $32
	JLT  cfavx512qsingle
	VXORPS  Z14, Z14, Z14
	VXORPS  Z13, Z13, Z13
	TESTQ   R11, R11
	JZ      3(PC)
	VMOVUPS (R11)(AX*4), Z14
	VMOVUPS 64(R11)(AX*4), Z13
	VMOVAPS Z14, Z0
	VMOVAPS Z13, Z4
	VMOVAPS Z14, Z1
	VMOVAPS Z13, Z5
	VMOVAPS Z14, Z2
	VMOVAPS Z13, Z6
	VMOVAPS Z14, Z3
	VMOVAPS Z13, Z7
	XORQ    R14, R14

cfavx512qpe:
	MOVQ    xoffs+16(FP), R9
	MOVLQSX (R9)(R14*4), R15
	LEAQ    (SI)(R15*4), R15
	MOVQ    woffs+24(FP), R9
	MOVLQSX (R9)(R14*4), R13
	ADDQ    AX, R13
	VMOVUPS (DX)(R13*4), Z8
	VMOVUPS 64(DX)(R13*4), Z9
	VBROADCASTSS (R15), Z10
	VMULPS  Z8, Z10, Z11
	VADDPS  Z11, Z0, Z0
	VMULPS  Z9, Z10, Z12
	VADDPS  Z12, Z4, Z4
	VBROADCASTSS (R15)(R12*1), Z10
	VMULPS  Z8, Z10, Z11
	VADDPS  Z11, Z1, Z1
	VMULPS  Z9, Z10, Z12
	VADDPS  Z12, Z5, Z5
	VBROADCASTSS (R15)(R12*2), Z10
	VMULPS  Z8, Z10, Z11
	VADDPS  Z11, Z2, Z2
	VMULPS  Z9, Z10, Z12
	VADDPS  Z12, Z6, Z6
	VBROADCASTSS (R15)(R8*1), Z10
	VMULPS  Z8, Z10, Z11
	VADDPS  Z11, Z3, Z3
	VMULPS  Z9, Z10, Z12
	VADDPS  Z12, Z7, Z7
	INCQ    R14
	CMPQ    R14, R10
	JLT     cfavx512qpe
	CMPQ    relu+80(FP), $0
	JEQ     17(PC)
	VMAXPS  Z0, Z15, Z0
	VADDPS  Z15, Z0, Z0
	VMAXPS  Z4, Z15, Z4
	VADDPS  Z15, Z4, Z4
	VMAXPS  Z1, Z15, Z1
	VADDPS  Z15, Z1, Z1
	VMAXPS  Z5, Z15, Z5
	VADDPS  Z15, Z5, Z5
	VMAXPS  Z2, Z15, Z2
	VADDPS  Z15, Z2, Z2
	VMAXPS  Z6, Z15, Z6
	VADDPS  Z15, Z6, Z6
	VMAXPS  Z3, Z15, Z3
	VADDPS  Z15, Z3, Z3
	VMAXPS  Z7, Z15, Z7
	VADDPS  Z15, Z7, Z7
	MOVQ    DI, R15
	VMOVUPS Z0, (R15)(AX*4)
	VMOVUPS Z4, 64(R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Z1, (R15)(AX*4)
	VMOVUPS Z5, 64(R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Z2, (R15)(AX*4)
	VMOVUPS Z6, 64(R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Z3, (R15)(AX*4)
	VMOVUPS Z7, 64(R15)(AX*4)
	ADDQ $32, AX
	JMP  cfavx512qnext

cfavx512qsingle:
	VXORPS  Z14, Z14, Z14
	VXORPS  Z13, Z13, Z13
	TESTQ   R11, R11
	JZ      2(PC)
	VMOVUPS (R11)(AX*4), Z14
	VMOVAPS Z14, Z0
	VMOVAPS Z14, Z1
	VMOVAPS Z14, Z2
	VMOVAPS Z14, Z3
	XORQ    R14, R14

cfavx512qse:
	MOVQ    xoffs+16(FP), R9
	MOVLQSX (R9)(R14*4), R15
	LEAQ    (SI)(R15*4), R15
	MOVQ    woffs+24(FP), R9
	MOVLQSX (R9)(R14*4), R13
	ADDQ    AX, R13
	VMOVUPS (DX)(R13*4), Z8
	VBROADCASTSS (R15), Z10
	VMULPS  Z8, Z10, Z11
	VADDPS  Z11, Z0, Z0
	VBROADCASTSS (R15)(R12*1), Z10
	VMULPS  Z8, Z10, Z11
	VADDPS  Z11, Z1, Z1
	VBROADCASTSS (R15)(R12*2), Z10
	VMULPS  Z8, Z10, Z11
	VADDPS  Z11, Z2, Z2
	VBROADCASTSS (R15)(R8*1), Z10
	VMULPS  Z8, Z10, Z11
	VADDPS  Z11, Z3, Z3
	INCQ    R14
	CMPQ    R14, R10
	JLT     cfavx512qse
	CMPQ    relu+80(FP), $0
	JEQ     9(PC)
	VMAXPS  Z0, Z15, Z0
	VADDPS  Z15, Z0, Z0
	VMAXPS  Z1, Z15, Z1
	VADDPS  Z15, Z1, Z1
	VMAXPS  Z2, Z15, Z2
	VADDPS  Z15, Z2, Z2
	VMAXPS  Z3, Z15, Z3
	VADDPS  Z15, Z3, Z3
	MOVQ    DI, R15
	VMOVUPS Z0, (R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Z1, (R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Z2, (R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Z3, (R15)(AX*4)
	ADDQ $16, AX

cfavx512qnext:
	CMPQ AX, BX
	JLT  cfavx512qgroup
	LEAQ (DI)(BX*4), DI
	LEAQ (DI)(BX*4), DI
	LEAQ (DI)(BX*4), DI
	LEAQ (DI)(BX*4), DI
	LEAQ (SI)(R12*4), SI
	SUBQ $4, CX
	JMP  cfavx512four

cfavx512one:
	TESTQ CX, CX
	JZ    cfavx512done
	XORQ AX, AX

cfavx512ogroup:
	MOVQ BX, R13
	SUBQ AX, R13
	CMPQ R13, $32
	JLT  cfavx512osingle
	VXORPS  Z14, Z14, Z14
	VXORPS  Z13, Z13, Z13
	TESTQ   R11, R11
	JZ      3(PC)
	VMOVUPS (R11)(AX*4), Z14
	VMOVUPS 64(R11)(AX*4), Z13
	VMOVAPS Z14, Z0
	VMOVAPS Z13, Z4
	XORQ    R14, R14

cfavx512ope:
	MOVQ    xoffs+16(FP), R9
	MOVLQSX (R9)(R14*4), R15
	LEAQ    (SI)(R15*4), R15
	MOVQ    woffs+24(FP), R9
	MOVLQSX (R9)(R14*4), R13
	ADDQ    AX, R13
	VMOVUPS (DX)(R13*4), Z8
	VMOVUPS 64(DX)(R13*4), Z9
	VBROADCASTSS (R15), Z10
	VMULPS  Z8, Z10, Z11
	VADDPS  Z11, Z0, Z0
	VMULPS  Z9, Z10, Z12
	VADDPS  Z12, Z4, Z4
	INCQ    R14
	CMPQ    R14, R10
	JLT     cfavx512ope
	CMPQ    relu+80(FP), $0
	JEQ     5(PC)
	VMAXPS  Z0, Z15, Z0
	VADDPS  Z15, Z0, Z0
	VMAXPS  Z4, Z15, Z4
	VADDPS  Z15, Z4, Z4
	MOVQ    DI, R15
	VMOVUPS Z0, (R15)(AX*4)
	VMOVUPS Z4, 64(R15)(AX*4)
	ADDQ $32, AX
	JMP  cfavx512onext

cfavx512osingle:
	VXORPS  Z14, Z14, Z14
	VXORPS  Z13, Z13, Z13
	TESTQ   R11, R11
	JZ      2(PC)
	VMOVUPS (R11)(AX*4), Z14
	VMOVAPS Z14, Z0
	XORQ    R14, R14

cfavx512ose:
	MOVQ    xoffs+16(FP), R9
	MOVLQSX (R9)(R14*4), R15
	LEAQ    (SI)(R15*4), R15
	MOVQ    woffs+24(FP), R9
	MOVLQSX (R9)(R14*4), R13
	ADDQ    AX, R13
	VMOVUPS (DX)(R13*4), Z8
	VBROADCASTSS (R15), Z10
	VMULPS  Z8, Z10, Z11
	VADDPS  Z11, Z0, Z0
	INCQ    R14
	CMPQ    R14, R10
	JLT     cfavx512ose
	CMPQ    relu+80(FP), $0
	JEQ     3(PC)
	VMAXPS  Z0, Z15, Z0
	VADDPS  Z15, Z0, Z0
	MOVQ    DI, R15
	VMOVUPS Z0, (R15)(AX*4)
	ADDQ $16, AX

cfavx512onext:
	CMPQ AX, BX
	JLT  cfavx512ogroup
	LEAQ (DI)(BX*4), DI
	ADDQ R12, SI
	DECQ CX
	JMP  cfavx512one

cfavx512done:
	VZEROUPPER
	RET

// func convRowsAVX2(out, x *float32, xoffs, woffs *int32, k, n, step int, w, bias *float32, f, relu int)
// f is a multiple of 8. Four outputs at a time (then one at a time), for
// one or two vectors of filters: Y0-Y3 and Y4-Y7 accumulate, each
// output on its own, so that four additions are in flight.
// Registers: DI output row, SI input window origin, R10 k, CX outputs left,
// R12 step·4, R8 3·step·4, DX w, R11 bias (0: none), BX f, AX filter
// offset, R14 e, R15 input pointer of position e, R13 woffs[e]+AX.
TEXT ·convRowsAVX2(SB), NOSPLIT, $0-88
	MOVQ   out+0(FP), DI
	MOVQ   x+8(FP), SI
	MOVQ   k+32(FP), R10
	MOVQ   n+40(FP), CX
	MOVQ   step+48(FP), R12
	SHLQ   $2, R12
	LEAQ   (R12)(R12*2), R8
	MOVQ   w+56(FP), DX
	MOVQ   bias+64(FP), R11
	MOVQ   f+72(FP), BX
	VXORPS Y15, Y15, Y15

cfavx2four:
	CMPQ CX, $4
	JLT  cfavx2one
	XORQ AX, AX

cfavx2qgroup:
	MOVQ BX, R13
	SUBQ AX, R13
	CMPQ R13, $16
	JLT  cfavx2qsingle
	VXORPS  Y14, Y14, Y14
	VXORPS  Y13, Y13, Y13
	TESTQ   R11, R11
	JZ      3(PC)
	VMOVUPS (R11)(AX*4), Y14
	VMOVUPS 32(R11)(AX*4), Y13
	VMOVAPS Y14, Y0
	VMOVAPS Y13, Y4
	VMOVAPS Y14, Y1
	VMOVAPS Y13, Y5
	VMOVAPS Y14, Y2
	VMOVAPS Y13, Y6
	VMOVAPS Y14, Y3
	VMOVAPS Y13, Y7
	XORQ    R14, R14

cfavx2qpe:
	MOVQ    xoffs+16(FP), R9
	MOVLQSX (R9)(R14*4), R15
	LEAQ    (SI)(R15*4), R15
	MOVQ    woffs+24(FP), R9
	MOVLQSX (R9)(R14*4), R13
	ADDQ    AX, R13
	VMOVUPS (DX)(R13*4), Y8
	VMOVUPS 32(DX)(R13*4), Y9
	VBROADCASTSS (R15), Y10
	VMULPS  Y8, Y10, Y11
	VADDPS  Y11, Y0, Y0
	VMULPS  Y9, Y10, Y12
	VADDPS  Y12, Y4, Y4
	VBROADCASTSS (R15)(R12*1), Y10
	VMULPS  Y8, Y10, Y11
	VADDPS  Y11, Y1, Y1
	VMULPS  Y9, Y10, Y12
	VADDPS  Y12, Y5, Y5
	VBROADCASTSS (R15)(R12*2), Y10
	VMULPS  Y8, Y10, Y11
	VADDPS  Y11, Y2, Y2
	VMULPS  Y9, Y10, Y12
	VADDPS  Y12, Y6, Y6
	VBROADCASTSS (R15)(R8*1), Y10
	VMULPS  Y8, Y10, Y11
	VADDPS  Y11, Y3, Y3
	VMULPS  Y9, Y10, Y12
	VADDPS  Y12, Y7, Y7
	INCQ    R14
	CMPQ    R14, R10
	JLT     cfavx2qpe
	CMPQ    relu+80(FP), $0
	JEQ     17(PC)
	VMAXPS  Y0, Y15, Y0
	VADDPS  Y15, Y0, Y0
	VMAXPS  Y4, Y15, Y4
	VADDPS  Y15, Y4, Y4
	VMAXPS  Y1, Y15, Y1
	VADDPS  Y15, Y1, Y1
	VMAXPS  Y5, Y15, Y5
	VADDPS  Y15, Y5, Y5
	VMAXPS  Y2, Y15, Y2
	VADDPS  Y15, Y2, Y2
	VMAXPS  Y6, Y15, Y6
	VADDPS  Y15, Y6, Y6
	VMAXPS  Y3, Y15, Y3
	VADDPS  Y15, Y3, Y3
	VMAXPS  Y7, Y15, Y7
	VADDPS  Y15, Y7, Y7
	MOVQ    DI, R15
	VMOVUPS Y0, (R15)(AX*4)
	VMOVUPS Y4, 32(R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Y1, (R15)(AX*4)
	VMOVUPS Y5, 32(R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Y2, (R15)(AX*4)
	VMOVUPS Y6, 32(R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Y3, (R15)(AX*4)
	VMOVUPS Y7, 32(R15)(AX*4)
	ADDQ $16, AX
	JMP  cfavx2qnext

cfavx2qsingle:
	VXORPS  Y14, Y14, Y14
	VXORPS  Y13, Y13, Y13
	TESTQ   R11, R11
	JZ      2(PC)
	VMOVUPS (R11)(AX*4), Y14
	VMOVAPS Y14, Y0
	VMOVAPS Y14, Y1
	VMOVAPS Y14, Y2
	VMOVAPS Y14, Y3
	XORQ    R14, R14

cfavx2qse:
	MOVQ    xoffs+16(FP), R9
	MOVLQSX (R9)(R14*4), R15
	LEAQ    (SI)(R15*4), R15
	MOVQ    woffs+24(FP), R9
	MOVLQSX (R9)(R14*4), R13
	ADDQ    AX, R13
	VMOVUPS (DX)(R13*4), Y8
	VBROADCASTSS (R15), Y10
	VMULPS  Y8, Y10, Y11
	VADDPS  Y11, Y0, Y0
	VBROADCASTSS (R15)(R12*1), Y10
	VMULPS  Y8, Y10, Y11
	VADDPS  Y11, Y1, Y1
	VBROADCASTSS (R15)(R12*2), Y10
	VMULPS  Y8, Y10, Y11
	VADDPS  Y11, Y2, Y2
	VBROADCASTSS (R15)(R8*1), Y10
	VMULPS  Y8, Y10, Y11
	VADDPS  Y11, Y3, Y3
	INCQ    R14
	CMPQ    R14, R10
	JLT     cfavx2qse
	CMPQ    relu+80(FP), $0
	JEQ     9(PC)
	VMAXPS  Y0, Y15, Y0
	VADDPS  Y15, Y0, Y0
	VMAXPS  Y1, Y15, Y1
	VADDPS  Y15, Y1, Y1
	VMAXPS  Y2, Y15, Y2
	VADDPS  Y15, Y2, Y2
	VMAXPS  Y3, Y15, Y3
	VADDPS  Y15, Y3, Y3
	MOVQ    DI, R15
	VMOVUPS Y0, (R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Y1, (R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Y2, (R15)(AX*4)
	LEAQ    (R15)(BX*4), R15
	VMOVUPS Y3, (R15)(AX*4)
	ADDQ $8, AX

cfavx2qnext:
	CMPQ AX, BX
	JLT  cfavx2qgroup
	LEAQ (DI)(BX*4), DI
	LEAQ (DI)(BX*4), DI
	LEAQ (DI)(BX*4), DI
	LEAQ (DI)(BX*4), DI
	LEAQ (SI)(R12*4), SI
	SUBQ $4, CX
	JMP  cfavx2four

cfavx2one:
	TESTQ CX, CX
	JZ    cfavx2done
	XORQ AX, AX

cfavx2ogroup:
	MOVQ BX, R13
	SUBQ AX, R13
	CMPQ R13, $16
	JLT  cfavx2osingle
	VXORPS  Y14, Y14, Y14
	VXORPS  Y13, Y13, Y13
	TESTQ   R11, R11
	JZ      3(PC)
	VMOVUPS (R11)(AX*4), Y14
	VMOVUPS 32(R11)(AX*4), Y13
	VMOVAPS Y14, Y0
	VMOVAPS Y13, Y4
	XORQ    R14, R14

cfavx2ope:
	MOVQ    xoffs+16(FP), R9
	MOVLQSX (R9)(R14*4), R15
	LEAQ    (SI)(R15*4), R15
	MOVQ    woffs+24(FP), R9
	MOVLQSX (R9)(R14*4), R13
	ADDQ    AX, R13
	VMOVUPS (DX)(R13*4), Y8
	VMOVUPS 32(DX)(R13*4), Y9
	VBROADCASTSS (R15), Y10
	VMULPS  Y8, Y10, Y11
	VADDPS  Y11, Y0, Y0
	VMULPS  Y9, Y10, Y12
	VADDPS  Y12, Y4, Y4
	INCQ    R14
	CMPQ    R14, R10
	JLT     cfavx2ope
	CMPQ    relu+80(FP), $0
	JEQ     5(PC)
	VMAXPS  Y0, Y15, Y0
	VADDPS  Y15, Y0, Y0
	VMAXPS  Y4, Y15, Y4
	VADDPS  Y15, Y4, Y4
	MOVQ    DI, R15
	VMOVUPS Y0, (R15)(AX*4)
	VMOVUPS Y4, 32(R15)(AX*4)
	ADDQ $16, AX
	JMP  cfavx2onext

cfavx2osingle:
	VXORPS  Y14, Y14, Y14
	VXORPS  Y13, Y13, Y13
	TESTQ   R11, R11
	JZ      2(PC)
	VMOVUPS (R11)(AX*4), Y14
	VMOVAPS Y14, Y0
	XORQ    R14, R14

cfavx2ose:
	MOVQ    xoffs+16(FP), R9
	MOVLQSX (R9)(R14*4), R15
	LEAQ    (SI)(R15*4), R15
	MOVQ    woffs+24(FP), R9
	MOVLQSX (R9)(R14*4), R13
	ADDQ    AX, R13
	VMOVUPS (DX)(R13*4), Y8
	VBROADCASTSS (R15), Y10
	VMULPS  Y8, Y10, Y11
	VADDPS  Y11, Y0, Y0
	INCQ    R14
	CMPQ    R14, R10
	JLT     cfavx2ose
	CMPQ    relu+80(FP), $0
	JEQ     3(PC)
	VMAXPS  Y0, Y15, Y0
	VADDPS  Y15, Y0, Y0
	MOVQ    DI, R15
	VMOVUPS Y0, (R15)(AX*4)
	ADDQ $8, AX

cfavx2onext:
	CMPQ AX, BX
	JLT  cfavx2ogroup
	LEAQ (DI)(BX*4), DI
	ADDQ R12, SI
	DECQ CX
	JMP  cfavx2one

cfavx2done:
	VZEROUPPER
	RET

// func convRowsGradAVX512(dw, dy, x *float32, xoffs, woffs *int32, k, n, step, f int)
// f is a multiple of 16. For each kernel row e and each one or two vectors
// of filters, one pass over the n outputs accumulates the products of
// output o into partial sum o mod 4 (Z0-Z3, and Z4-Z7 for the second
// vector), which are then added as (s0+s1)+(s2+s3) and added to dw.
// Registers: DX dw, R11 dy, R10 x, BX f, R9 f·4, R12 step·4, R8 3·step·4,
// R14 e, AX filter offset, SI input pointer, DI dy pointer, CX outputs
// left, R13 3·f·4 in the loop and woffs[e]+AX at the end.
TEXT ·convRowsGradAVX512(SB), NOSPLIT, $0-72
	MOVQ dw+0(FP), DX
	MOVQ dy+8(FP), R11
	MOVQ x+16(FP), R10
	MOVQ f+64(FP), BX
	LEAQ (BX*4), R9
	MOVQ step+56(FP), R12
	SHLQ $2, R12
	LEAQ (R12)(R12*2), R8
	XORQ R14, R14

bwavx512e:
	XORQ AX, AX

bwavx512group:
	MOVQ BX, R15
	SUBQ AX, R15
	CMPQ R15, $32
	JLT  bwavx512single
	VXORPS  Z0, Z0, Z0
	VXORPS  Z1, Z1, Z1
	VXORPS  Z2, Z2, Z2
	VXORPS  Z3, Z3, Z3
	VXORPS  Z4, Z4, Z4
	VXORPS  Z5, Z5, Z5
	VXORPS  Z6, Z6, Z6
	VXORPS  Z7, Z7, Z7
	MOVQ    n+48(FP), CX
	LEAQ    (R11)(AX*4), DI
	MOVQ    R10, SI
	MOVQ    xoffs+24(FP), R13
	MOVLQSX (R13)(R14*4), R13
	LEAQ    (SI)(R13*4), SI
	LEAQ    (R9)(R9*2), R13 // 3 rows of dy

bwavx512pfour:
	CMPQ    CX, $4
	JLT     bwavx512prest
	VBROADCASTSS (SI), Z8
	VBROADCASTSS (SI)(R12*1), Z9
	VBROADCASTSS (SI)(R12*2), Z10
	VBROADCASTSS (SI)(R8*1), Z11
	VMULPS  (DI), Z8, Z12
	VADDPS  Z12, Z0, Z0
	VMULPS  64(DI), Z8, Z13
	VADDPS  Z13, Z4, Z4
	VMULPS  (DI)(R9*1), Z9, Z12
	VADDPS  Z12, Z1, Z1
	VMULPS  64(DI)(R9*1), Z9, Z13
	VADDPS  Z13, Z5, Z5
	VMULPS  (DI)(R9*2), Z10, Z12
	VADDPS  Z12, Z2, Z2
	VMULPS  64(DI)(R9*2), Z10, Z13
	VADDPS  Z13, Z6, Z6
	VMULPS  (DI)(R13*1), Z11, Z12
	VADDPS  Z12, Z3, Z3
	VMULPS  64(DI)(R13*1), Z11, Z13
	VADDPS  Z13, Z7, Z7
	LEAQ    (SI)(R12*4), SI
	LEAQ    (DI)(R9*4), DI
	SUBQ    $4, CX
	JMP     bwavx512pfour

bwavx512prest:
	CMPQ    CX, $1
	JLT     bwavx512psum
	VBROADCASTSS (SI), Z8
	VMULPS  (DI), Z8, Z12
	VADDPS  Z12, Z0, Z0
	VMULPS  64(DI), Z8, Z13
	VADDPS  Z13, Z4, Z4
	CMPQ    CX, $2
	JLT     bwavx512psum
	VBROADCASTSS (SI)(R12*1), Z9
	VMULPS  (DI)(R9*1), Z9, Z12
	VADDPS  Z12, Z1, Z1
	VMULPS  64(DI)(R9*1), Z9, Z13
	VADDPS  Z13, Z5, Z5
	CMPQ    CX, $3
	JLT     bwavx512psum
	VBROADCASTSS (SI)(R12*2), Z10
	VMULPS  (DI)(R9*2), Z10, Z12
	VADDPS  Z12, Z2, Z2
	VMULPS  64(DI)(R9*2), Z10, Z13
	VADDPS  Z13, Z6, Z6

bwavx512psum:
	MOVQ    woffs+32(FP), R13
	MOVLQSX (R13)(R14*4), R13
	ADDQ    AX, R13
	VADDPS  Z1, Z0, Z0
	VADDPS  Z3, Z2, Z2
	VADDPS  Z2, Z0, Z0
	VMOVUPS (DX)(R13*4), Z14
	VADDPS  Z0, Z14, Z14
	VMOVUPS Z14, (DX)(R13*4)
	VADDPS  Z5, Z4, Z4
	VADDPS  Z7, Z6, Z6
	VADDPS  Z6, Z4, Z4
	VMOVUPS 64(DX)(R13*4), Z14
	VADDPS  Z4, Z14, Z14
	VMOVUPS Z14, 64(DX)(R13*4)

	ADDQ    $32, AX
	JMP     bwavx512next

bwavx512single:
	VXORPS  Z0, Z0, Z0
	VXORPS  Z1, Z1, Z1
	VXORPS  Z2, Z2, Z2
	VXORPS  Z3, Z3, Z3
	MOVQ    n+48(FP), CX
	LEAQ    (R11)(AX*4), DI
	MOVQ    R10, SI
	MOVQ    xoffs+24(FP), R13
	MOVLQSX (R13)(R14*4), R13
	LEAQ    (SI)(R13*4), SI
	LEAQ    (R9)(R9*2), R13 // 3 rows of dy

bwavx512sfour:
	CMPQ    CX, $4
	JLT     bwavx512srest
	VBROADCASTSS (SI), Z8
	VBROADCASTSS (SI)(R12*1), Z9
	VBROADCASTSS (SI)(R12*2), Z10
	VBROADCASTSS (SI)(R8*1), Z11
	VMULPS  (DI), Z8, Z12
	VADDPS  Z12, Z0, Z0
	VMULPS  (DI)(R9*1), Z9, Z12
	VADDPS  Z12, Z1, Z1
	VMULPS  (DI)(R9*2), Z10, Z12
	VADDPS  Z12, Z2, Z2
	VMULPS  (DI)(R13*1), Z11, Z12
	VADDPS  Z12, Z3, Z3
	LEAQ    (SI)(R12*4), SI
	LEAQ    (DI)(R9*4), DI
	SUBQ    $4, CX
	JMP     bwavx512sfour

bwavx512srest:
	CMPQ    CX, $1
	JLT     bwavx512ssum
	VBROADCASTSS (SI), Z8
	VMULPS  (DI), Z8, Z12
	VADDPS  Z12, Z0, Z0
	CMPQ    CX, $2
	JLT     bwavx512ssum
	VBROADCASTSS (SI)(R12*1), Z9
	VMULPS  (DI)(R9*1), Z9, Z12
	VADDPS  Z12, Z1, Z1
	CMPQ    CX, $3
	JLT     bwavx512ssum
	VBROADCASTSS (SI)(R12*2), Z10
	VMULPS  (DI)(R9*2), Z10, Z12
	VADDPS  Z12, Z2, Z2

bwavx512ssum:
	MOVQ    woffs+32(FP), R13
	MOVLQSX (R13)(R14*4), R13
	ADDQ    AX, R13
	VADDPS  Z1, Z0, Z0
	VADDPS  Z3, Z2, Z2
	VADDPS  Z2, Z0, Z0
	VMOVUPS (DX)(R13*4), Z14
	VADDPS  Z0, Z14, Z14
	VMOVUPS Z14, (DX)(R13*4)

	ADDQ    $16, AX

bwavx512next:
	CMPQ AX, BX
	JLT  bwavx512group
	INCQ R14
	CMPQ R14, k+40(FP)
	JLT  bwavx512e
	VZEROUPPER
	RET

// func convRowsGradAVX2(dw, dy, x *float32, xoffs, woffs *int32, k, n, step, f int)
// f is a multiple of 8. For each kernel row e and each one or two vectors
// of filters, one pass over the n outputs accumulates the products of
// output o into partial sum o mod 4 (Y0-Y3, and Y4-Y7 for the second
// vector), which are then added as (s0+s1)+(s2+s3) and added to dw.
// Registers: DX dw, R11 dy, R10 x, BX f, R9 f·4, R12 step·4, R8 3·step·4,
// R14 e, AX filter offset, SI input pointer, DI dy pointer, CX outputs
// left, R13 3·f·4 in the loop and woffs[e]+AX at the end.
TEXT ·convRowsGradAVX2(SB), NOSPLIT, $0-72
	MOVQ dw+0(FP), DX
	MOVQ dy+8(FP), R11
	MOVQ x+16(FP), R10
	MOVQ f+64(FP), BX
	LEAQ (BX*4), R9
	MOVQ step+56(FP), R12
	SHLQ $2, R12
	LEAQ (R12)(R12*2), R8
	XORQ R14, R14

bwavx2e:
	XORQ AX, AX

bwavx2group:
	MOVQ BX, R15
	SUBQ AX, R15
	CMPQ R15, $16
	JLT  bwavx2single
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	VXORPS  Y4, Y4, Y4
	VXORPS  Y5, Y5, Y5
	VXORPS  Y6, Y6, Y6
	VXORPS  Y7, Y7, Y7
	MOVQ    n+48(FP), CX
	LEAQ    (R11)(AX*4), DI
	MOVQ    R10, SI
	MOVQ    xoffs+24(FP), R13
	MOVLQSX (R13)(R14*4), R13
	LEAQ    (SI)(R13*4), SI
	LEAQ    (R9)(R9*2), R13 // 3 rows of dy

bwavx2pfour:
	CMPQ    CX, $4
	JLT     bwavx2prest
	VBROADCASTSS (SI), Y8
	VBROADCASTSS (SI)(R12*1), Y9
	VBROADCASTSS (SI)(R12*2), Y10
	VBROADCASTSS (SI)(R8*1), Y11
	VMULPS  (DI), Y8, Y12
	VADDPS  Y12, Y0, Y0
	VMULPS  32(DI), Y8, Y13
	VADDPS  Y13, Y4, Y4
	VMULPS  (DI)(R9*1), Y9, Y12
	VADDPS  Y12, Y1, Y1
	VMULPS  32(DI)(R9*1), Y9, Y13
	VADDPS  Y13, Y5, Y5
	VMULPS  (DI)(R9*2), Y10, Y12
	VADDPS  Y12, Y2, Y2
	VMULPS  32(DI)(R9*2), Y10, Y13
	VADDPS  Y13, Y6, Y6
	VMULPS  (DI)(R13*1), Y11, Y12
	VADDPS  Y12, Y3, Y3
	VMULPS  32(DI)(R13*1), Y11, Y13
	VADDPS  Y13, Y7, Y7
	LEAQ    (SI)(R12*4), SI
	LEAQ    (DI)(R9*4), DI
	SUBQ    $4, CX
	JMP     bwavx2pfour

bwavx2prest:
	CMPQ    CX, $1
	JLT     bwavx2psum
	VBROADCASTSS (SI), Y8
	VMULPS  (DI), Y8, Y12
	VADDPS  Y12, Y0, Y0
	VMULPS  32(DI), Y8, Y13
	VADDPS  Y13, Y4, Y4
	CMPQ    CX, $2
	JLT     bwavx2psum
	VBROADCASTSS (SI)(R12*1), Y9
	VMULPS  (DI)(R9*1), Y9, Y12
	VADDPS  Y12, Y1, Y1
	VMULPS  32(DI)(R9*1), Y9, Y13
	VADDPS  Y13, Y5, Y5
	CMPQ    CX, $3
	JLT     bwavx2psum
	VBROADCASTSS (SI)(R12*2), Y10
	VMULPS  (DI)(R9*2), Y10, Y12
	VADDPS  Y12, Y2, Y2
	VMULPS  32(DI)(R9*2), Y10, Y13
	VADDPS  Y13, Y6, Y6

bwavx2psum:
	MOVQ    woffs+32(FP), R13
	MOVLQSX (R13)(R14*4), R13
	ADDQ    AX, R13
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VMOVUPS (DX)(R13*4), Y14
	VADDPS  Y0, Y14, Y14
	VMOVUPS Y14, (DX)(R13*4)
	VADDPS  Y5, Y4, Y4
	VADDPS  Y7, Y6, Y6
	VADDPS  Y6, Y4, Y4
	VMOVUPS 32(DX)(R13*4), Y14
	VADDPS  Y4, Y14, Y14
	VMOVUPS Y14, 32(DX)(R13*4)

	ADDQ    $16, AX
	JMP     bwavx2next

bwavx2single:
	VXORPS  Y0, Y0, Y0
	VXORPS  Y1, Y1, Y1
	VXORPS  Y2, Y2, Y2
	VXORPS  Y3, Y3, Y3
	MOVQ    n+48(FP), CX
	LEAQ    (R11)(AX*4), DI
	MOVQ    R10, SI
	MOVQ    xoffs+24(FP), R13
	MOVLQSX (R13)(R14*4), R13
	LEAQ    (SI)(R13*4), SI
	LEAQ    (R9)(R9*2), R13 // 3 rows of dy

bwavx2sfour:
	CMPQ    CX, $4
	JLT     bwavx2srest
	VBROADCASTSS (SI), Y8
	VBROADCASTSS (SI)(R12*1), Y9
	VBROADCASTSS (SI)(R12*2), Y10
	VBROADCASTSS (SI)(R8*1), Y11
	VMULPS  (DI), Y8, Y12
	VADDPS  Y12, Y0, Y0
	VMULPS  (DI)(R9*1), Y9, Y12
	VADDPS  Y12, Y1, Y1
	VMULPS  (DI)(R9*2), Y10, Y12
	VADDPS  Y12, Y2, Y2
	VMULPS  (DI)(R13*1), Y11, Y12
	VADDPS  Y12, Y3, Y3
	LEAQ    (SI)(R12*4), SI
	LEAQ    (DI)(R9*4), DI
	SUBQ    $4, CX
	JMP     bwavx2sfour

bwavx2srest:
	CMPQ    CX, $1
	JLT     bwavx2ssum
	VBROADCASTSS (SI), Y8
	VMULPS  (DI), Y8, Y12
	VADDPS  Y12, Y0, Y0
	CMPQ    CX, $2
	JLT     bwavx2ssum
	VBROADCASTSS (SI)(R12*1), Y9
	VMULPS  (DI)(R9*1), Y9, Y12
	VADDPS  Y12, Y1, Y1
	CMPQ    CX, $3
	JLT     bwavx2ssum
	VBROADCASTSS (SI)(R12*2), Y10
	VMULPS  (DI)(R9*2), Y10, Y12
	VADDPS  Y12, Y2, Y2

bwavx2ssum:
	MOVQ    woffs+32(FP), R13
	MOVLQSX (R13)(R14*4), R13
	ADDQ    AX, R13
	VADDPS  Y1, Y0, Y0
	VADDPS  Y3, Y2, Y2
	VADDPS  Y2, Y0, Y0
	VMOVUPS (DX)(R13*4), Y14
	VADDPS  Y0, Y14, Y14
	VMOVUPS Y14, (DX)(R13*4)

	ADDQ    $8, AX

bwavx2next:
	CMPQ AX, BX
	JLT  bwavx2group
	INCQ R14
	CMPQ R14, k+40(FP)
	JLT  bwavx2e
	VZEROUPPER
	RET
