#include "textflag.h"

// func prefetchRowsAsm(base unsafe.Pointer, idx *int, rows, rowBytes int)
// issues a PREFETCHT1 for every 64-byte line of each row base[idx[i]·rowBytes:]
// (rowBytes is the row's length in bytes). A prefetch never faults.
TEXT ·prefetchRowsAsm(SB), NOSPLIT, $0-32
	MOVQ base+0(FP), DI
	MOVQ idx+8(FP), SI
	MOVQ rows+16(FP), CX
	MOVQ rowBytes+24(FP), DX

row:
	TESTQ CX, CX
	JLE   done
	MOVQ  (SI), AX
	IMULQ DX, AX
	ADDQ  DI, AX    // the row's first byte
	LEAQ  (AX)(DX*1), BX // one past its last
	ANDQ  $-64, AX  // from the line holding the first byte

line:
	CMPQ AX, BX
	JGE  next
	PREFETCHT1 (AX)
	ADDQ $64, AX
	JMP  line

next:
	ADDQ $8, SI
	DECQ CX
	JMP  row

done:
	RET
