#include "textflag.h"

// func adamAVX512(w, grad, m, v *float32, n int, alpha, c1, c2, eps float32)
// n is a multiple of 16.
TEXT ·adamAVX512(SB), NOSPLIT, $8-56
	// Flush denormal operands and results to zero (DAZ and FTZ) for the
	// loop, and put the caller's MXCSR back before returning.
	STMXCSR saved-8(SP)
	MOVL    saved-8(SP), AX
	ORL     $0x8040, AX
	MOVL    AX, saved-4(SP)
	LDMXCSR saved-4(SP)
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	VBROADCASTSS alpha+40(FP), Z10
	VBROADCASTSS c1+44(FP), Z11
	VBROADCASTSS c2+48(FP), Z12
	VBROADCASTSS eps+52(FP), Z13
	XORQ AX, AX

loop512:
	CMPQ AX, CX
	JGE  done512
	VMOVUPS (SI)(AX*4), Z0     // g
	VMOVUPS (R8)(AX*4), Z1     // m
	VMOVUPS (R9)(AX*4), Z2     // v
	VSUBPS  Z1, Z0, Z3         // g - m
	VMULPS  Z11, Z3, Z3        // (g - m)*c1
	VADDPS  Z3, Z1, Z1         // m = m + (g - m)*c1
	VMULPS  Z0, Z0, Z4         // g*g
	VSUBPS  Z2, Z4, Z4         // g*g - v
	VMULPS  Z12, Z4, Z4        // (g*g - v)*c2
	VADDPS  Z4, Z2, Z2         // v = v + (g*g - v)*c2
	VMOVUPS Z1, (R8)(AX*4)
	VMOVUPS Z2, (R9)(AX*4)
	VSQRTPS Z2, Z5             // sqrt(v)
	VADDPS  Z13, Z5, Z5        // sqrt(v) + eps
	VMULPS  Z10, Z1, Z6        // alpha*m
	VDIVPS  Z5, Z6, Z6         // alpha*m / (sqrt(v) + eps)
	VMOVUPS (DI)(AX*4), Z7
	VSUBPS  Z6, Z7, Z7
	VMOVUPS Z7, (DI)(AX*4)
	ADDQ    $16, AX
	JMP     loop512

done512:
	LDMXCSR saved-8(SP)
	VZEROUPPER
	RET

// func adamAVX2(w, grad, m, v *float32, n int, alpha, c1, c2, eps float32)
// n is a multiple of 8.
TEXT ·adamAVX2(SB), NOSPLIT, $8-56
	STMXCSR saved-8(SP)
	MOVL    saved-8(SP), AX
	ORL     $0x8040, AX
	MOVL    AX, saved-4(SP)
	LDMXCSR saved-4(SP)
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	VBROADCASTSS alpha+40(FP), Y10
	VBROADCASTSS c1+44(FP), Y11
	VBROADCASTSS c2+48(FP), Y12
	VBROADCASTSS eps+52(FP), Y13
	XORQ AX, AX

loop256:
	CMPQ AX, CX
	JGE  done256
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS (R8)(AX*4), Y1
	VMOVUPS (R9)(AX*4), Y2
	VSUBPS  Y1, Y0, Y3
	VMULPS  Y11, Y3, Y3
	VADDPS  Y3, Y1, Y1
	VMULPS  Y0, Y0, Y4
	VSUBPS  Y2, Y4, Y4
	VMULPS  Y12, Y4, Y4
	VADDPS  Y4, Y2, Y2
	VMOVUPS Y1, (R8)(AX*4)
	VMOVUPS Y2, (R9)(AX*4)
	VSQRTPS Y2, Y5
	VADDPS  Y13, Y5, Y5
	VMULPS  Y10, Y1, Y6
	VDIVPS  Y5, Y6, Y6
	VMOVUPS (DI)(AX*4), Y7
	VSUBPS  Y6, Y7, Y7
	VMOVUPS Y7, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     loop256

done256:
	LDMXCSR saved-8(SP)
	VZEROUPPER
	RET

// func reluAVX512(y, x *float32, n int); n is a multiple of 16.
// VMAXPS returns its second source (Go's first operand) when either is NaN
// or both are zeros, so max(0, x) keeps a NaN x; adding +0 then turns −0
// into +0 and leaves everything else as it is (a NaN comes out quiet).
TEXT ·reluAVX512(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Z0, Z0, Z0
	XORQ AX, AX

relu512:
	CMPQ AX, CX
	JGE  relu512done
	VMOVUPS (SI)(AX*4), Z1
	VMAXPS  Z1, Z0, Z1
	VADDPS  Z0, Z1, Z1
	VMOVUPS Z1, (DI)(AX*4)
	ADDQ    $16, AX
	JMP     relu512

relu512done:
	VZEROUPPER
	RET

// func reluAVX2(y, x *float32, n int); n is a multiple of 8. As reluAVX512.
TEXT ·reluAVX2(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	XORQ AX, AX

relu256:
	CMPQ AX, CX
	JGE  relu256done
	VMOVUPS (SI)(AX*4), Y1
	VMAXPS  Y1, Y0, Y1
	VADDPS  Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     relu256

relu256done:
	VZEROUPPER
	RET

// func reluBackwardAVX512(dx, grad, y *float32, n int); n is a multiple of 16.
// dx += (y > 0) ? grad : 0
TEXT ·reluBackwardAVX512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPS Z0, Z0, Z0
	XORQ AX, AX

reluB512:
	CMPQ AX, CX
	JGE  reluB512done
	VMOVUPS   (DX)(AX*4), Z1
	VCMPPS    $14, Z0, Z1, K1      // K1 = y > 0
	VMOVUPS.Z (SI)(AX*4), K1, Z2   // grad where y > 0, else 0
	VADDPS    (DI)(AX*4), Z2, Z2
	VMOVUPS   Z2, (DI)(AX*4)
	ADDQ      $16, AX
	JMP       reluB512

reluB512done:
	VZEROUPPER
	RET

// func reluBackwardAVX2(dx, grad, y *float32, n int); n is a multiple of 8.
TEXT ·reluBackwardAVX2(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ y+16(FP), DX
	MOVQ n+24(FP), CX
	VXORPS Y0, Y0, Y0
	XORQ AX, AX

reluB256:
	CMPQ AX, CX
	JGE  reluB256done
	VMOVUPS (DX)(AX*4), Y1
	VCMPPS  $14, Y0, Y1, Y3        // Y3 = y > 0 ? all ones : 0
	VANDPS  (SI)(AX*4), Y3, Y2
	VADDPS  (DI)(AX*4), Y2, Y2
	VMOVUPS Y2, (DI)(AX*4)
	ADDQ    $8, AX
	JMP     reluB256

reluB256done:
	VZEROUPPER
	RET
