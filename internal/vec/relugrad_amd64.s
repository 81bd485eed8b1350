#include "textflag.h"

// func reluGradAVX512(dg, y *float32, n int); n is a multiple of 16.
// g = (y > 0 ? g : 0) + 0
TEXT ·reluGradAVX512(SB), NOSPLIT, $0-24
	MOVQ   dg+0(FP), DI
	MOVQ   y+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Z0, Z0, Z0
	XORQ   AX, AX

loop512:
	VMOVUPS   (SI)(AX*4), Z1
	VCMPPS    $14, Z0, Z1, K1    // K1 = y > 0
	VMOVUPS.Z (DI)(AX*4), K1, Z2 // g where y > 0, else 0
	VADDPS    Z2, Z0, Z2         // 0 + that
	VMOVUPS   Z2, (DI)(AX*4)
	ADDQ      $16, AX
	CMPQ      AX, CX
	JLT       loop512
	VZEROUPPER
	RET

// func reluGradAVX2(dg, y *float32, n int); n is a multiple of 8.
TEXT ·reluGradAVX2(SB), NOSPLIT, $0-24
	MOVQ   dg+0(FP), DI
	MOVQ   y+8(FP), SI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	XORQ   AX, AX

loop256:
	VMOVUPS (SI)(AX*4), Y1
	VCMPPS  $14, Y0, Y1, Y3 // Y3 = y > 0 ? all ones : 0
	VANDPS  (DI)(AX*4), Y3, Y2
	VADDPS  Y2, Y0, Y2
	VMOVUPS Y2, (DI)(AX*4)
	ADDQ    $8, AX
	CMPQ    AX, CX
	JLT     loop256
	VZEROUPPER
	RET
