#include "textflag.h"

// func finiteAVX512(d *float32, n int) bool; n is a multiple of 64.
// Four accumulators of x - x; the sum is NaN (unordered with itself)
// exactly when some x was NaN or infinite.
TEXT ·finiteAVX512(SB), NOSPLIT, $0-17
	MOVQ   d+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPS Z4, Z4, Z4
	VXORPS Z5, Z5, Z5
	VXORPS Z6, Z6, Z6
	VXORPS Z7, Z7, Z7
	XORQ   AX, AX

loop512:
	CMPQ    AX, CX
	JGE     sum512
	VMOVUPS (SI)(AX*4), Z0
	VMOVUPS 64(SI)(AX*4), Z1
	VMOVUPS 128(SI)(AX*4), Z2
	VMOVUPS 192(SI)(AX*4), Z3
	VSUBPS  Z0, Z0, Z0
	VSUBPS  Z1, Z1, Z1
	VSUBPS  Z2, Z2, Z2
	VSUBPS  Z3, Z3, Z3
	VADDPS  Z0, Z4, Z4
	VADDPS  Z1, Z5, Z5
	VADDPS  Z2, Z6, Z6
	VADDPS  Z3, Z7, Z7
	ADDQ    $64, AX
	JMP     loop512

sum512:
	VADDPS   Z5, Z4, Z4
	VADDPS   Z7, Z6, Z6
	VADDPS   Z6, Z4, Z4
	VCMPPS   $3, Z4, Z4, K1 // _CMP_UNORD_Q
	KORTESTW K1, K1
	SETEQ    ret+16(FP)
	VZEROUPPER
	RET

// func finiteAVX2(d *float32, n int) bool; n is a multiple of 32.
TEXT ·finiteAVX2(SB), NOSPLIT, $0-17
	MOVQ   d+0(FP), SI
	MOVQ   n+8(FP), CX
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	XORQ   AX, AX

loop256:
	CMPQ    AX, CX
	JGE     sum256
	VMOVUPS (SI)(AX*4), Y0
	VMOVUPS 32(SI)(AX*4), Y1
	VMOVUPS 64(SI)(AX*4), Y2
	VMOVUPS 96(SI)(AX*4), Y3
	VSUBPS  Y0, Y0, Y0
	VSUBPS  Y1, Y1, Y1
	VSUBPS  Y2, Y2, Y2
	VSUBPS  Y3, Y3, Y3
	VADDPS  Y0, Y4, Y4
	VADDPS  Y1, Y5, Y5
	VADDPS  Y2, Y6, Y6
	VADDPS  Y3, Y7, Y7
	ADDQ    $32, AX
	JMP     loop256

sum256:
	VADDPS    Y5, Y4, Y4
	VADDPS    Y7, Y6, Y6
	VADDPS    Y6, Y4, Y4
	VCMPPS    $3, Y4, Y4, Y4
	VMOVMSKPS Y4, AX
	TESTL     AX, AX
	SETEQ     ret+16(FP)
	VZEROUPPER
	RET
