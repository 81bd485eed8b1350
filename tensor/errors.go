package tensor

import (
	"fmt"
	"strings"
)

// ShapeError reports operands whose shapes do not fit an operation. Operations
// panic with a *ShapeError; callers at a user-facing boundary may recover it
// with RecoverShapeError and return it as an error.
type ShapeError struct {
	Op     string  // the operation, e.g. "MatMul"
	Shapes [][]int // the shapes of the operands involved
	Msg    string  // what is wrong
}

// Error implements the error interface.
func (e *ShapeError) Error() string {
	parts := make([]string, len(e.Shapes))
	for i, s := range e.Shapes {
		parts[i] = fmt.Sprint(s)
	}
	if len(parts) == 0 {
		return "tensor: " + e.Op + ": " + e.Msg
	}
	return "tensor: " + e.Op + ": " + e.Msg + ": " + strings.Join(parts, ", ")
}

func shapeErr(op, msg string, shapes ...[]int) *ShapeError {
	cp := make([][]int, len(shapes))
	for i, s := range shapes {
		cp[i] = append([]int(nil), s...)
	}
	return &ShapeError{Op: op, Shapes: cp, Msg: msg}
}

// RecoverShapeError turns a *ShapeError panic into an error stored in *err; any
// other panic continues. Use it with defer at a boundary that returns errors:
//
//	defer tensor.RecoverShapeError(&err)
func RecoverShapeError(err *error) {
	if r := recover(); r != nil {
		if se, ok := r.(*ShapeError); ok {
			*err = se
			return
		}
		panic(r)
	}
}
