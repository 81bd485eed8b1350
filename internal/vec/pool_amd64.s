#include "textflag.h"

// Max pooling over channels-last windows; see pool.go. Each kernel walks
// n windows; for every window it walks the channels in groups of 16 (AVX-512)
// or 8 (AVX2; c is a multiple of the group size), and for every group the window's
// positions in the order of offs. A position replaces the running maximum
// where it is strictly greater (VCMPPS with _GT_OQ) or NaN (VCMPPS with
// _UNORD_Q against itself), which is what the Go code does.

// The AVX2 kernels move offsets into vector registers with VMOVQ, never
// the SSE MOVQ: on Zen 3 an SSE instruction while the upper halves of the
// Y registers are in use is very slow, and in the inner loops it made
// training's pooling 20 times slower (13 ms against 0.6 ms for the course
// CNN's first pooling, forward and backward, at batch 32).

// poolIota<> is the int32 vector 0, 1, ..., 15.
DATA poolIota<>+0(SB)/4, $0
DATA poolIota<>+4(SB)/4, $1
DATA poolIota<>+8(SB)/4, $2
DATA poolIota<>+12(SB)/4, $3
DATA poolIota<>+16(SB)/4, $4
DATA poolIota<>+20(SB)/4, $5
DATA poolIota<>+24(SB)/4, $6
DATA poolIota<>+28(SB)/4, $7
DATA poolIota<>+32(SB)/4, $8
DATA poolIota<>+36(SB)/4, $9
DATA poolIota<>+40(SB)/4, $10
DATA poolIota<>+44(SB)/4, $11
DATA poolIota<>+48(SB)/4, $12
DATA poolIota<>+52(SB)/4, $13
DATA poolIota<>+56(SB)/4, $14
DATA poolIota<>+60(SB)/4, $15
GLOBL poolIota<>(SB), RODATA|NOPTR, $64


// func maxPoolAVX512(dst, src *float32, offs *int32, nOffs, n, c, step int)
// c is a multiple of 16.
// Registers: DI dst, SI window origin, R9 offs, R10 nOffs, CX windows left,
// BX c, R12 step, AX channel, R11 position, R14 offs[R11]+AX.
TEXT ·maxPoolAVX512(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ offs+16(FP), R9
	MOVQ nOffs+24(FP), R10
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), BX
	MOVQ step+48(FP), R12

mp512win:
	XORQ AX, AX

mp512group:
	MOVLQSX (R9), R14
	ADDQ    AX, R14
	VMOVUPS (SI)(R14*4), Z0
	MOVQ    $1, R11

mp512pos:
	CMPQ      R11, R10
	JGE       mp512store
	MOVLQSX   (R9)(R11*4), R14
	ADDQ      AX, R14
	VMOVUPS   (SI)(R14*4), Z1
	VCMPPS    $0x1e, Z0, Z1, K2  // K2 = Z1 > Z0
	VCMPPS    $0x03, Z1, Z1, K3  // K3 = Z1 is NaN
	KORW      K3, K2, K2
	VMOVUPS   Z1, K2, Z0
	INCQ      R11
	JMP       mp512pos

mp512store:
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	CMPQ    AX, BX
	JLT     mp512group
	LEAQ    (DI)(BX*4), DI
	LEAQ    (SI)(R12*4), SI
	DECQ    CX
	JNZ     mp512win
	VZEROUPPER
	RET

// func maxPoolAVX2(dst, src *float32, offs *int32, nOffs, n, c, step int)
// c is a multiple of 8.
TEXT ·maxPoolAVX2(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ offs+16(FP), R9
	MOVQ nOffs+24(FP), R10
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), BX
	MOVQ step+48(FP), R12

mp256win:
	XORQ AX, AX

mp256group:
	MOVLQSX (R9), R14
	ADDQ    AX, R14
	VMOVUPS (SI)(R14*4), Y0
	MOVQ    $1, R11

mp256pos:
	CMPQ    R11, R10
	JGE     mp256store
	MOVLQSX (R9)(R11*4), R14
	ADDQ    AX, R14
	VMOVUPS (SI)(R14*4), Y1
	VCMPPS    $0x1e, Y0, Y1, Y2 // Y2 = Y1 > Y0
	VCMPPS    $0x03, Y1, Y1, Y3 // Y3 = Y1 is NaN
	VORPS     Y3, Y2, Y2
	VBLENDVPS Y2, Y1, Y0, Y0    // Y0 = Y2 ? Y1 : Y0
	INCQ    R11
	JMP     mp256pos

mp256store:
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, BX
	JLT     mp256group
	LEAQ    (DI)(BX*4), DI
	LEAQ    (SI)(R12*4), SI
	DECQ    CX
	JNZ     mp256win
	VZEROUPPER
	RET

// func maxPoolArgAVX512(dst *float32, arg *int32, src *float32, offs *int32, nOffs, base, n, c, step int)
// c is a multiple of 16.
// Registers as in maxPoolAVX512, plus R8 arg and DX the window origin's
// offset (base + o·step). Z30 holds DX + (0..15); a position's offsets are
// Z30 + R14.
TEXT ·maxPoolArgAVX512(SB), NOSPLIT, $0-72
	MOVQ      dst+0(FP), DI
	MOVQ      arg+8(FP), R8
	MOVQ      src+16(FP), SI
	MOVQ      offs+24(FP), R9
	MOVQ      nOffs+32(FP), R10
	MOVQ      base+40(FP), DX
	MOVQ      n+48(FP), CX
	MOVQ      c+56(FP), BX
	MOVQ      step+64(FP), R12
	VMOVDQU32 poolIota<>(SB), Z31

ma512win:
	VPBROADCASTD DX, Z30
	VPADDD       Z31, Z30, Z30
	XORQ         AX, AX

ma512group:
	MOVLQSX      (R9), R14
	ADDQ         AX, R14
	VMOVUPS      (SI)(R14*4), Z0
	VPBROADCASTD R14, Z1
	VPADDD       Z30, Z1, Z1
	MOVQ         $1, R11

ma512pos:
	CMPQ         R11, R10
	JGE          ma512store
	MOVLQSX      (R9)(R11*4), R14
	ADDQ         AX, R14
	VMOVUPS      (SI)(R14*4), Z2
	VCMPPS       $0x1e, Z0, Z2, K2 // K2 = Z2 > Z0
	VCMPPS       $0x03, Z2, Z2, K3 // K3 = Z2 is NaN
	KORW         K3, K2, K2
	VMOVUPS      Z2, K2, Z0
	VPBROADCASTD R14, Z3
	VPADDD       Z30, Z3, Z3
	VMOVDQU32    Z3, K2, Z1
	INCQ         R11
	JMP          ma512pos

ma512store:
	VMOVUPS   Z0, (DI)(AX*4)
	VMOVDQU32 Z1, (R8)(AX*4)
	ADDQ      $16, AX
	CMPQ      AX, BX
	JLT       ma512group
	LEAQ      (DI)(BX*4), DI
	LEAQ      (R8)(BX*4), R8
	LEAQ      (SI)(R12*4), SI
	ADDQ      R12, DX
	DECQ      CX
	JNZ       ma512win
	VZEROUPPER
	RET

// func maxPoolArgAVX2(dst *float32, arg *int32, src *float32, offs *int32, nOffs, base, n, c, step int)
// c is a multiple of 8. Y14 holds DX + (0..7).
TEXT ·maxPoolArgAVX2(SB), NOSPLIT, $0-72
	MOVQ    dst+0(FP), DI
	MOVQ    arg+8(FP), R8
	MOVQ    src+16(FP), SI
	MOVQ    offs+24(FP), R9
	MOVQ    nOffs+32(FP), R10
	MOVQ    base+40(FP), DX
	MOVQ    n+48(FP), CX
	MOVQ    c+56(FP), BX
	MOVQ    step+64(FP), R12
	VMOVDQU poolIota<>(SB), Y15

ma256win:
	VMOVQ        DX, X14
	VPBROADCASTD X14, Y14
	VPADDD       Y15, Y14, Y14
	XORQ         AX, AX

ma256group:
	MOVLQSX      (R9), R14
	ADDQ         AX, R14
	VMOVUPS      (SI)(R14*4), Y0
	VMOVQ        R14, X1
	VPBROADCASTD X1, Y1
	VPADDD       Y14, Y1, Y1
	MOVQ         $1, R11

ma256pos:
	CMPQ         R11, R10
	JGE          ma256store
	MOVLQSX      (R9)(R11*4), R14
	ADDQ         AX, R14
	VMOVUPS      (SI)(R14*4), Y2
	VCMPPS       $0x1e, Y0, Y2, Y4 // Y4 = Y2 > Y0
	VCMPPS       $0x03, Y2, Y2, Y5 // Y5 = Y2 is NaN
	VORPS        Y5, Y4, Y4
	VBLENDVPS    Y4, Y2, Y0, Y0    // Y0 = Y4 ? Y2 : Y0
	VMOVQ        R14, X3
	VPBROADCASTD X3, Y3
	VPADDD       Y14, Y3, Y3
	VBLENDVPS    Y4, Y3, Y1, Y1
	INCQ         R11
	JMP          ma256pos

ma256store:
	VMOVUPS Y0, (DI)(AX*4)
	VMOVDQU Y1, (R8)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, BX
	JLT     ma256group
	LEAQ    (DI)(BX*4), DI
	LEAQ    (R8)(BX*4), R8
	LEAQ    (SI)(R12*4), SI
	ADDQ    R12, DX
	DECQ    CX
	JNZ     ma256win
	VZEROUPPER
	RET

// func maxPoolBackwardAVX512(dx, gy *float32, arg *int32, offs *int32, nOffs, base, n, c, step int)
// c is a multiple of 16.
// Registers: DI window origin in dx, SI g, R8 arg, others as in
// maxPoolArgAVX512. For each position, the lanes whose arg is that
// position's offset load, add and store their element of dx.
TEXT ·maxPoolBackwardAVX512(SB), NOSPLIT, $0-72
	MOVQ      dx+0(FP), DI
	MOVQ      gy+8(FP), SI
	MOVQ      arg+16(FP), R8
	MOVQ      offs+24(FP), R9
	MOVQ      nOffs+32(FP), R10
	MOVQ      base+40(FP), DX
	MOVQ      n+48(FP), CX
	MOVQ      c+56(FP), BX
	MOVQ      step+64(FP), R12
	VMOVDQU32 poolIota<>(SB), Z31

mb512win:
	VPBROADCASTD DX, Z30
	VPADDD       Z31, Z30, Z30
	XORQ         AX, AX

mb512group:
	VMOVUPS   (SI)(AX*4), Z0
	VMOVDQU32 (R8)(AX*4), Z1
	XORQ      R11, R11

mb512pos:
	MOVLQSX      (R9)(R11*4), R14
	ADDQ         AX, R14
	VPBROADCASTD R14, Z2
	VPADDD       Z30, Z2, Z2
	VPCMPEQD     Z2, Z1, K2
	VMOVUPS.Z    (DI)(R14*4), K2, Z3
	VADDPS       Z0, Z3, Z3
	VMOVUPS      Z3, K2, (DI)(R14*4)
	INCQ         R11
	CMPQ         R11, R10
	JLT          mb512pos
	ADDQ         $16, AX
	CMPQ         AX, BX
	JLT          mb512group
	LEAQ         (SI)(BX*4), SI
	LEAQ         (R8)(BX*4), R8
	LEAQ         (DI)(R12*4), DI
	ADDQ         R12, DX
	DECQ         CX
	JNZ          mb512win
	VZEROUPPER
	RET

// func maxPoolBackwardAVX2(dx, gy *float32, arg *int32, offs *int32, nOffs, base, n, c, step int)
// c is a multiple of 8. Every lane is loaded and stored; those whose arg is
// not the position's offset store what they loaded.
TEXT ·maxPoolBackwardAVX2(SB), NOSPLIT, $0-72
	MOVQ    dx+0(FP), DI
	MOVQ    gy+8(FP), SI
	MOVQ    arg+16(FP), R8
	MOVQ    offs+24(FP), R9
	MOVQ    nOffs+32(FP), R10
	MOVQ    base+40(FP), DX
	MOVQ    n+48(FP), CX
	MOVQ    c+56(FP), BX
	MOVQ    step+64(FP), R12
	VMOVDQU poolIota<>(SB), Y15

mb256win:
	VMOVQ        DX, X14
	VPBROADCASTD X14, Y14
	VPADDD       Y15, Y14, Y14
	XORQ         AX, AX

mb256group:
	VMOVUPS (SI)(AX*4), Y0
	VMOVDQU (R8)(AX*4), Y1
	XORQ    R11, R11

mb256pos:
	MOVLQSX      (R9)(R11*4), R14
	ADDQ         AX, R14
	VMOVQ        R14, X2
	VPBROADCASTD X2, Y2
	VPADDD       Y14, Y2, Y2
	VPCMPEQD     Y2, Y1, Y4
	VMOVUPS      (DI)(R14*4), Y3
	VADDPS       Y0, Y3, Y5
	VBLENDVPS    Y4, Y5, Y3, Y3
	VMOVUPS      Y3, (DI)(R14*4)
	INCQ         R11
	CMPQ         R11, R10
	JLT          mb256pos
	ADDQ         $8, AX
	CMPQ         AX, BX
	JLT          mb256group
	LEAQ         (SI)(BX*4), SI
	LEAQ         (R8)(BX*4), R8
	LEAQ         (DI)(R12*4), DI
	ADDQ         R12, DX
	DECQ         CX
	JNZ          mb256win
	VZEROUPPER
	RET
