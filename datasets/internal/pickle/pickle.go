// Package pickle reads the Python pickles of the Keras data sets: CIFAR's
// python batches (a dict of a NumPy uint8 array, a list of labels and
// strings, written by Python 2's cPickle with protocol 2) and the ragged
// object arrays inside imdb.npz and reuters.npz (a NumPy object array of
// lists of ints, protocol 2 to 4).
//
// It is not a general unpickler. Like Keras's RestrictedUnpickler it
// allows exactly four globals — numpy.ndarray, numpy.dtype and
// _reconstruct from numpy.core.multiarray or numpy._core.multiarray — and
// applies REDUCE and BUILD only in the ways NumPy uses them to rebuild an
// array. Only the opcodes of protocols 2 to 5 that those files can hold
// are read; any other is an error naming it and its offset. Every length
// is checked against a byte budget before anything is allocated, the
// stack and the memo are bounded, and nothing is ever executed.
package pickle

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// List is a Python list. It is a pointer so that APPEND after a memo
// PUT reaches every reference, as in Python.
type List struct{ Items []any }

// Tuple is a Python tuple.
type Tuple []any

// Dict is a Python dict, keys in insertion order.
type Dict struct {
	Keys, Values []any
}

// Get returns the value of the key that equals k as a str or, for
// Python 2's byte strings, as bytes.
func (d *Dict) Get(k string) (any, bool) {
	for i, key := range d.Keys {
		switch key := key.(type) {
		case string:
			if key == k {
				return d.Values[i], true
			}
		case []byte:
			if string(key) == k {
				return d.Values[i], true
			}
		}
	}
	return nil, false
}

// DType is a NumPy dtype: Str is its type string as NumPy's dtype.str
// gives it without the byte order ("u1", "i8", "f4", "O8"), Order the
// byte order from its state ('|', '<', '>' or '=').
type DType struct {
	Str   string
	Order byte
}

// ItemSize returns the bytes per element: the number after the kind.
func (d *DType) ItemSize() int {
	n, err := strconv.Atoi(d.Str[1:])
	if err != nil {
		return 0
	}
	return n
}

// Array is a NumPy array. Numeric arrays have their raw bytes in Data
// (C order unless Fortran), object arrays their elements in Objects.
type Array struct {
	DType   *DType
	Shape   []int
	Fortran bool
	Data    []byte
	Objects []any
	built   bool
}

// Size returns the number of elements, the product of Shape.
func (a *Array) Size() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// global is one of the allowed callables.
type global int

const (
	gNDArray global = iota + 1
	gDType
	gReconstruct
)

func (g global) String() string {
	return [...]string{"", "numpy.ndarray", "numpy.dtype", "numpy.core.multiarray._reconstruct"}[g]
}

// allowed maps Keras's permitted globals (npz_utils._ALLOWED_PICKLE_GLOBALS).
var allowed = map[[2]string]global{
	{"numpy", "ndarray"}:                       gNDArray,
	{"numpy", "dtype"}:                         gDType,
	{"numpy.core.multiarray", "_reconstruct"}:  gReconstruct,
	{"numpy._core.multiarray", "_reconstruct"}: gReconstruct,
}

const (
	maxStack = 1 << 16
	maxMemo  = 1 << 24
)

// ErrRefused is wrapped by the error for a global outside the four NumPy
// ones, the sign of a tampered or foreign file.
var ErrRefused = errors.New("refused global")

// Load reads one pickle from r, up to its STOP opcode, and returns the
// value: nil, bool, int64, string (str), []byte (bytes, and Python 2's
// str), *List, Tuple, *Dict, *Array or *DType. maxBytes bounds the input
// read and the memory the strings and arrays take.
func Load(r io.Reader, maxBytes int64) (any, error) {
	u := &unpickler{r: bufio.NewReaderSize(io.LimitReader(r, maxBytes), 64<<10), budget: maxBytes, memo: map[uint32]any{}}
	v, err := u.run()
	if err != nil {
		return nil, fmt.Errorf("pickle: %w", err)
	}
	return v, nil
}

type unpickler struct {
	r      *bufio.Reader
	off    int64 // offset of the next byte
	budget int64 // bytes still allowed for strings and arrays
	stack  []any
	marks  []int // stack heights at each MARK
	memo   map[uint32]any
	// unbuilt counts arrays made by _reconstruct and not yet given their
	// state; a pickle that ends with one would hand out an array
	// without a dtype.
	unbuilt int
}

func (u *unpickler) byte1() (byte, error) {
	b, err := u.r.ReadByte()
	if err != nil {
		return 0, u.eof(err)
	}
	u.off++
	return b, nil
}

func (u *unpickler) eof(err error) error {
	if err == io.EOF {
		return fmt.Errorf("truncated at offset %d: %w", u.off, io.ErrUnexpectedEOF)
	}
	return err
}

func (u *unpickler) read(n int) ([]byte, error) {
	var b [8]byte
	if _, err := io.ReadFull(u.r, b[:n]); err != nil {
		return nil, u.eof(err)
	}
	u.off += int64(n)
	return b[:n], nil
}

// bytesN reads an n-byte string, charging it to the budget first and
// growing the buffer as the data arrives, so that a lying length fails
// at the end of the input, not in the allocator.
func (u *unpickler) bytesN(n uint64) ([]byte, error) {
	if n > uint64(u.budget) {
		return nil, fmt.Errorf("string of %d bytes at offset %d: more than the %d bytes left in the limit", n, u.off, u.budget)
	}
	u.budget -= int64(n)
	buf := make([]byte, 0, min(n, 1<<20))
	for uint64(len(buf)) < n {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		k, err := u.r.Read(buf[len(buf):min(uint64(cap(buf)), n)])
		buf = buf[:len(buf)+k]
		u.off += int64(k)
		if err != nil && uint64(len(buf)) < n {
			return nil, u.eof(err)
		}
	}
	return buf, nil
}

func (u *unpickler) line() (string, error) {
	var b strings.Builder
	for {
		c, err := u.byte1()
		if err != nil {
			return "", err
		}
		if c == '\n' {
			return b.String(), nil
		}
		if b.Len() >= 256 {
			return "", fmt.Errorf("line at offset %d longer than 256 bytes", u.off)
		}
		b.WriteByte(c)
	}
}

func (u *unpickler) push(v any) error {
	if len(u.stack) >= maxStack {
		return fmt.Errorf("stack deeper than %d at offset %d", maxStack, u.off)
	}
	u.stack = append(u.stack, v)
	return nil
}

func (u *unpickler) pop() (any, error) {
	n := len(u.stack)
	if n == 0 || (len(u.marks) > 0 && u.marks[len(u.marks)-1] == n) {
		return nil, fmt.Errorf("stack underflow at offset %d", u.off)
	}
	v := u.stack[n-1]
	u.stack = u.stack[:n-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	n := len(u.stack)
	if n == 0 || (len(u.marks) > 0 && u.marks[len(u.marks)-1] == n) {
		return nil, fmt.Errorf("stack underflow at offset %d", u.off)
	}
	return u.stack[n-1], nil
}

// popMark pops everything above the last MARK.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, fmt.Errorf("no MARK on the stack at offset %d", u.off)
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) put(i uint32) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	if _, ok := u.memo[i]; !ok && len(u.memo) >= maxMemo {
		return fmt.Errorf("memo larger than %d entries", maxMemo)
	}
	u.memo[i] = v
	return nil
}

func (u *unpickler) get(i uint32) error {
	v, ok := u.memo[i]
	if !ok {
		return fmt.Errorf("memo key %d at offset %d was never stored", i, u.off)
	}
	return u.push(v)
}

func (u *unpickler) run() (any, error) {
	for {
		at := u.off
		op, err := u.byte1()
		if err != nil {
			if at == 0 {
				return nil, fmt.Errorf("empty input, want a pickle")
			}
			return nil, err
		}
		if err := u.step(op); err != nil {
			if err == errStop {
				if u.unbuilt > 0 {
					return nil, fmt.Errorf("STOP at offset %d with %d arrays never given their state (BUILD)", at, u.unbuilt)
				}
				if len(u.stack) != 1 || len(u.marks) != 0 {
					return nil, fmt.Errorf("STOP at offset %d with %d values and %d marks on the stack, want one value", at, len(u.stack), len(u.marks))
				}
				return u.stack[0], nil
			}
			return nil, err
		}
	}
}

var errStop = errors.New("stop")

func (u *unpickler) step(op byte) error {
	at := u.off - 1
	switch op {
	case 0x80: // PROTO
		b, err := u.byte1()
		if err != nil {
			return err
		}
		if b < 2 || b > 5 {
			return fmt.Errorf("protocol %d at offset %d: want 2 to 5", b, at)
		}
	case 0x95: // FRAME: a length hint only
		if _, err := u.read(8); err != nil {
			return err
		}
	case '.': // STOP
		return errStop
	case '(': // MARK
		if len(u.marks) >= maxStack {
			return fmt.Errorf("more than %d MARKs at offset %d", maxStack, at)
		}
		u.marks = append(u.marks, len(u.stack))
	case '0': // POP
		if len(u.marks) > 0 && u.marks[len(u.marks)-1] == len(u.stack) {
			u.marks = u.marks[:len(u.marks)-1]
			return nil
		}
		_, err := u.pop()
		return err
	case '1': // POP_MARK
		_, err := u.popMark()
		return err
	case '2': // DUP
		v, err := u.top()
		if err != nil {
			return err
		}
		return u.push(v)
	case 'N':
		return u.push(nil)
	case 0x88:
		return u.push(true)
	case 0x89:
		return u.push(false)
	case 'J': // BININT
		b, err := u.read(4)
		if err != nil {
			return err
		}
		return u.push(int64(int32(binary.LittleEndian.Uint32(b))))
	case 'K': // BININT1
		b, err := u.byte1()
		if err != nil {
			return err
		}
		return u.push(int64(b))
	case 'M': // BININT2
		b, err := u.read(2)
		if err != nil {
			return err
		}
		return u.push(int64(binary.LittleEndian.Uint16(b)))
	case 0x8a: // LONG1: little-endian two's complement
		n, err := u.byte1()
		if err != nil {
			return err
		}
		if n > 8 {
			return fmt.Errorf("LONG1 of %d bytes at offset %d: only 64-bit integers are supported", n, at)
		}
		b, err := u.read(int(n))
		if err != nil {
			return err
		}
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		if n > 0 && n < 8 && b[n-1]&0x80 != 0 {
			v |= math.MaxUint64 << (8 * n)
		}
		return u.push(int64(v))
	case 'G': // BINFLOAT, big-endian
		b, err := u.read(8)
		if err != nil {
			return err
		}
		return u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case 'U', 'C': // SHORT_BINSTRING, SHORT_BINBYTES
		n, err := u.byte1()
		if err != nil {
			return err
		}
		b, err := u.bytesN(uint64(n))
		if err != nil {
			return err
		}
		return u.push(b)
	case 'T', 'B': // BINSTRING, BINBYTES
		b, err := u.read(4)
		if err != nil {
			return err
		}
		n := binary.LittleEndian.Uint32(b)
		if op == 'T' && int32(n) < 0 {
			return fmt.Errorf("BINSTRING of negative length at offset %d", at)
		}
		s, err := u.bytesN(uint64(n))
		if err != nil {
			return err
		}
		return u.push(s)
	case 0x8e: // BINBYTES8
		b, err := u.read(8)
		if err != nil {
			return err
		}
		s, err := u.bytesN(binary.LittleEndian.Uint64(b))
		if err != nil {
			return err
		}
		return u.push(s)
	case 0x8c, 'X', 0x8d: // SHORT_BINUNICODE, BINUNICODE, BINUNICODE8
		var n uint64
		switch op {
		case 0x8c:
			b, err := u.byte1()
			if err != nil {
				return err
			}
			n = uint64(b)
		case 'X':
			b, err := u.read(4)
			if err != nil {
				return err
			}
			n = uint64(binary.LittleEndian.Uint32(b))
		default:
			b, err := u.read(8)
			if err != nil {
				return err
			}
			n = binary.LittleEndian.Uint64(b)
		}
		s, err := u.bytesN(n)
		if err != nil {
			return err
		}
		if !utf8.Valid(s) {
			return fmt.Errorf("str at offset %d is not valid UTF-8", at)
		}
		return u.push(string(s))
	case ']':
		return u.push(&List{})
	case '}':
		return u.push(&Dict{})
	case ')':
		return u.push(Tuple{})
	case 'l': // LIST
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.push(&List{Items: items})
	case 't': // TUPLE
		items, err := u.popMark()
		if err != nil {
			return err
		}
		return u.push(Tuple(items))
	case 0x85, 0x86, 0x87: // TUPLE1..3
		n := int(op - 0x84)
		t := make(Tuple, n)
		for i := n - 1; i >= 0; i-- {
			v, err := u.pop()
			if err != nil {
				return err
			}
			t[i] = v
		}
		return u.push(t)
	case 'd': // DICT
		items, err := u.popMark()
		if err != nil {
			return err
		}
		d := &Dict{}
		if err := setItems(d, items, at); err != nil {
			return err
		}
		return u.push(d)
	case 'a', 'e': // APPEND, APPENDS
		var items []any
		if op == 'a' {
			v, err := u.pop()
			if err != nil {
				return err
			}
			items = []any{v}
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return err
			}
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		l, ok := t.(*List)
		if !ok {
			return fmt.Errorf("APPEND at offset %d to a %s, want a list", at, typeName(t))
		}
		l.Items = append(l.Items, items...)
	case 's', 'u': // SETITEM, SETITEMS
		var items []any
		if op == 's' {
			v, err := u.pop()
			if err != nil {
				return err
			}
			k, err := u.pop()
			if err != nil {
				return err
			}
			items = []any{k, v}
		} else {
			var err error
			if items, err = u.popMark(); err != nil {
				return err
			}
		}
		t, err := u.top()
		if err != nil {
			return err
		}
		d, ok := t.(*Dict)
		if !ok {
			return fmt.Errorf("SETITEM at offset %d on a %s, want a dict", at, typeName(t))
		}
		return setItems(d, items, at)
	case 'q': // BINPUT
		b, err := u.byte1()
		if err != nil {
			return err
		}
		return u.put(uint32(b))
	case 'r': // LONG_BINPUT
		b, err := u.read(4)
		if err != nil {
			return err
		}
		return u.put(binary.LittleEndian.Uint32(b))
	case 0x94: // MEMOIZE
		return u.put(uint32(len(u.memo)))
	case 'h': // BINGET
		b, err := u.byte1()
		if err != nil {
			return err
		}
		return u.get(uint32(b))
	case 'j': // LONG_BINGET
		b, err := u.read(4)
		if err != nil {
			return err
		}
		return u.get(binary.LittleEndian.Uint32(b))
	case 'c': // GLOBAL
		mod, err := u.line()
		if err != nil {
			return err
		}
		name, err := u.line()
		if err != nil {
			return err
		}
		return u.global(mod, name, at)
	case 0x93: // STACK_GLOBAL
		name, err := u.pop()
		if err != nil {
			return err
		}
		mod, err := u.pop()
		if err != nil {
			return err
		}
		ms, ok1 := mod.(string)
		ns, ok2 := name.(string)
		if !ok1 || !ok2 {
			return fmt.Errorf("STACK_GLOBAL at offset %d: module and name must be str", at)
		}
		return u.global(ms, ns, at)
	case 'R': // REDUCE
		args, err := u.pop()
		if err != nil {
			return err
		}
		f, err := u.pop()
		if err != nil {
			return err
		}
		v, err := u.reduce(f, args, at)
		if err != nil {
			return err
		}
		return u.push(v)
	case 'b': // BUILD
		state, err := u.pop()
		if err != nil {
			return err
		}
		obj, err := u.top()
		if err != nil {
			return err
		}
		return u.build(obj, state, at)
	default:
		return fmt.Errorf("opcode 0x%02x at offset %d is not supported (not one NumPy's arrays and CIFAR's batches use)", op, at)
	}
	return nil
}

func (u *unpickler) global(mod, name string, at int64) error {
	g, ok := allowed[[2]string{mod, name}]
	if !ok {
		return fmt.Errorf("global %s.%s at offset %d: %w (only NumPy's array reconstruction is allowed; the file may be corrupt or malicious)", mod, name, at, ErrRefused)
	}
	return u.push(g)
}

func setItems(d *Dict, items []any, at int64) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("SETITEMS at offset %d with an odd number of values", at)
	}
	for i := 0; i < len(items); i += 2 {
		k := items[i]
		switch k.(type) {
		case string, []byte, int64, bool, nil:
		default:
			return fmt.Errorf("dict key at offset %d is a %s: unhashable", at, typeName(k))
		}
		d.Keys = append(d.Keys, k)
		d.Values = append(d.Values, items[i+1])
	}
	return nil
}

// reduce applies one of the allowed callables as NumPy's pickles call
// them: _reconstruct(ndarray, shape, b'b') and dtype('u1', False, True).
func (u *unpickler) reduce(f, args any, at int64) (any, error) {
	g, ok := f.(global)
	t, tok := args.(Tuple)
	if !ok || !tok {
		return nil, fmt.Errorf("REDUCE at offset %d: %s called with %s, want an allowed global and a tuple", at, typeName(f), typeName(args))
	}
	switch g {
	case gReconstruct:
		if len(t) != 3 || t[0] != gNDArray {
			return nil, fmt.Errorf("REDUCE at offset %d: _reconstruct takes (numpy.ndarray, shape, typecode)", at)
		}
		u.unbuilt++
		return &Array{}, nil
	case gDType:
		if len(t) != 3 {
			return nil, fmt.Errorf("REDUCE at offset %d: numpy.dtype takes 3 arguments, got %d", at, len(t))
		}
		var s string
		switch v := t[0].(type) {
		case string:
			s = v
		case []byte:
			s = string(v)
		}
		if len(s) < 2 || len(s) > 4 || !strings.ContainsRune("biufcO", rune(s[0])) {
			return nil, fmt.Errorf("REDUCE at offset %d: numpy.dtype(%q): want a type such as 'u1', 'i8', 'f4' or 'O8'", at, s)
		}
		if n, err := strconv.Atoi(s[1:]); err != nil || n < 1 || n > 16 {
			return nil, fmt.Errorf("REDUCE at offset %d: numpy.dtype(%q): bad item size", at, s)
		}
		return &DType{Str: s, Order: '|'}, nil
	}
	return nil, fmt.Errorf("REDUCE at offset %d: %s cannot be called", at, g)
}

// build sets an array's or a dtype's state, as their __setstate__.
func (u *unpickler) build(obj, state any, at int64) error {
	t, ok := state.(Tuple)
	if !ok {
		return fmt.Errorf("BUILD at offset %d: state is a %s, want a tuple", at, typeName(state))
	}
	switch o := obj.(type) {
	case *DType:
		// (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
		if len(t) != 8 && len(t) != 9 {
			return fmt.Errorf("BUILD at offset %d: dtype state of %d values, want 8 or 9", at, len(t))
		}
		var bo string
		switch v := t[1].(type) {
		case string:
			bo = v
		case []byte:
			bo = string(v)
		}
		if len(bo) != 1 || !strings.Contains("|<>=", bo) {
			return fmt.Errorf("BUILD at offset %d: dtype byte order %q", at, bo)
		}
		if t[2] != nil || t[3] != nil || t[4] != nil {
			return fmt.Errorf("BUILD at offset %d: structured or subarray dtypes are not supported", at)
		}
		o.Order = bo[0]
		return nil
	case *Array:
		// (version, shape, dtype, is_fortran, data)
		if o.built {
			return fmt.Errorf("BUILD at offset %d: array built twice", at)
		}
		if len(t) != 5 {
			return fmt.Errorf("BUILD at offset %d: array state of %d values, want 5", at, len(t))
		}
		shapeT, ok := t[1].(Tuple)
		if !ok {
			return fmt.Errorf("BUILD at offset %d: array shape is a %s, want a tuple", at, typeName(t[1]))
		}
		size := uint64(1)
		shape := make([]int, len(shapeT))
		for i, d := range shapeT {
			n, ok := d.(int64)
			if !ok || n < 0 {
				return fmt.Errorf("BUILD at offset %d: array dimension %v", at, d)
			}
			shape[i] = int(n)
			if n != 0 && size > math.MaxInt64/uint64(n) {
				return fmt.Errorf("BUILD at offset %d: array shape %v too large", at, shape)
			}
			size *= uint64(n)
		}
		dt, ok := t[2].(*DType)
		if !ok {
			return fmt.Errorf("BUILD at offset %d: array dtype is a %s", at, typeName(t[2]))
		}
		fortran, ok := t[3].(bool)
		if !ok {
			return fmt.Errorf("BUILD at offset %d: is_fortran is a %s, want a bool", at, typeName(t[3]))
		}
		o.DType, o.Shape, o.Fortran, o.built = dt, shape, fortran, true
		u.unbuilt--
		if dt.Str[0] == 'O' {
			l, ok := t[4].(*List)
			if !ok {
				return fmt.Errorf("BUILD at offset %d: object array data is a %s, want a list", at, typeName(t[4]))
			}
			if uint64(len(l.Items)) != size {
				return fmt.Errorf("BUILD at offset %d: object array of shape %v holds %d objects, want %d", at, shape, len(l.Items), size)
			}
			o.Objects = l.Items
			return nil
		}
		var data []byte
		switch v := t[4].(type) {
		case []byte:
			data = v
		case string:
			// Python 2 str read as str: NumPy encodes it as latin-1.
			for _, r := range v {
				if r > 0xff {
					return fmt.Errorf("BUILD at offset %d: array data string is not latin-1", at)
				}
				data = append(data, byte(r))
			}
		default:
			return fmt.Errorf("BUILD at offset %d: array data is a %s, want bytes", at, typeName(t[4]))
		}
		if item := uint64(dt.ItemSize()); size > math.MaxInt64/item || uint64(len(data)) != size*item {
			return fmt.Errorf("BUILD at offset %d: array of shape %v and dtype %s holds %d bytes, want %d", at, shape, dt.Str, len(data), size*uint64(dt.ItemSize()))
		}
		o.Data = data
		return nil
	}
	return fmt.Errorf("BUILD at offset %d on a %s: only arrays and dtypes", at, typeName(obj))
}

func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case *List:
		return "list"
	case Tuple:
		return "tuple"
	case *Dict:
		return "dict"
	case *Array:
		return "numpy.ndarray"
	case *DType:
		return "numpy.dtype"
	case global:
		return v.String()
	}
	return fmt.Sprintf("%T", v)
}
