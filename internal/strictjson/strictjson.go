// Package strictjson decodes JSON read from files, such as model files,
// more strictly than encoding/json does, and names the offending value in
// every error.
//
// encoding/json accepts an object that repeats a key (the last value wins),
// matches keys to struct fields without regard to case, decodes null into
// any field as "leave it alone", and silently drops the extra elements of
// an array decoded into a shorter Go array. A file that relies on any of
// these is either damaged or crafted, so Decode rejects them all.
package strictjson

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of objects and arrays Decode accepts.
const MaxDepth = 64

// Decode decodes the JSON value in data into v, which must be a non-nil
// pointer. Beyond encoding/json's rules it requires that
//
//   - data holds one JSON value in valid UTF-8, with only white space after
//     it, nested at most MaxDepth deep;
//   - no object repeats a key;
//   - every key of an object decoded into a struct is exactly, case
//     included, the JSON name of one of its fields (unknown keys are
//     errors);
//   - null appears only where the Go type is a pointer, an interface or a
//     json.RawMessage;
//   - each value has the Go type's kind: a string for a string, an integer
//     within range for an integer type, a finite number within range for a
//     float, an array of exactly the right length for a Go array.
//
// Values decoded by their own UnmarshalJSON or UnmarshalText method (and
// json.RawMessage) are checked for duplicate keys only; such methods must
// check the rest themselves, for example with Decode.
//
// Errors name the path of the value at fault, as in
// `layers[2].config.units: want an integer, got "5"`.
func Decode(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("strictjson: Decode needs a non-nil pointer, got %T", v)
	}
	root, err := parse(data)
	if err != nil {
		return err
	}
	if err := check(root, rv.Type().Elem(), ""); err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("strictjson: %w", err)
	}
	return nil
}

// Check reports whether data is one well-formed JSON value in valid UTF-8,
// without repeated keys and within MaxDepth, as Decode requires.
func Check(data []byte) error {
	_, err := parse(data)
	return err
}

// node is a parsed JSON value.
type node struct {
	kind  byte   // '{', '[', '"' (string), '0' (number), 'b' (bool), 'n' (null)
	text  string // string value or number literal
	keys  []string
	vals  []*node // object values, in the order of keys; array elements
	truth bool
}

// describe names a JSON value's kind for errors.
func (n *node) describe() string {
	switch n.kind {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		s := n.text
		if len(s) > 40 {
			s = s[:40] + "…"
		}
		return strconv.Quote(s)
	case '0':
		return n.text
	case 'b':
		return strconv.FormatBool(n.truth)
	}
	return "null"
}

// frame is an object or array being parsed.
type frame struct {
	n    *node
	path string
	seen map[string]bool
	key  string // the key whose value comes next (objects)
	// haveKey is true between a key and its value.
	haveKey bool
}

// parse reads data into a tree, rejecting repeated keys, deep nesting,
// invalid UTF-8 and trailing data.
func parse(data []byte) (*node, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []*frame
	var root *node
	for {
		var path string
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.n.kind == '{' && top.haveKey {
				path = Join(top.path, top.key)
			} else if top.n.kind == '{' {
				path = top.path
			} else {
				path = fmt.Sprintf("%s[%d]", top.path, len(top.n.vals))
			}
		}
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("%s: malformed JSON: %w", where(path), err)
		}
		// An object key.
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.n.kind == '{' && !top.haveKey && tok != json.Delim('}') {
				k, ok := tok.(string)
				if !ok {
					return nil, fmt.Errorf("%s: malformed JSON: want a key", where(top.path))
				}
				if top.seen[k] {
					return nil, fmt.Errorf("%s: duplicate key %q", where(top.path), k)
				}
				top.seen[k] = true
				top.key, top.haveKey = k, true
				continue
			}
		}
		var n *node
		closed := false
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= MaxDepth {
					return nil, fmt.Errorf("%s: nested more than %d deep", where(path), MaxDepth)
				}
				n = &node{kind: byte(t)}
				stack = append(stack, &frame{n: n, path: path, seen: map[string]bool{}})
			default: // '}' or ']'
				closed = true
				n = stack[len(stack)-1].n
				stack = stack[:len(stack)-1]
			}
		case string:
			n = &node{kind: '"', text: t}
		case json.Number:
			n = &node{kind: '0', text: string(t)}
		case bool:
			n = &node{kind: 'b', truth: t}
		case nil:
			n = &node{kind: 'n'}
		}
		if n.kind == '{' || n.kind == '[' {
			if !closed {
				continue // its contents come next
			}
		}
		if len(stack) == 0 {
			root = n
			break
		}
		top := stack[len(stack)-1]
		if top.n.kind == '{' {
			top.n.keys = append(top.n.keys, top.key)
			top.haveKey = false
		}
		top.n.vals = append(top.n.vals, n)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return root, nil
}

var (
	rawType          = reflect.TypeFor[json.RawMessage]()
	floatType        = reflect.TypeFor[Float]()
	unmarshalerType  = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerT = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// check compares a parsed value with the Go type it will be decoded into.
func check(n *node, t reflect.Type, path string) error {
	if t == rawType {
		return nil
	}
	if t == floatType {
		if n.kind == '"' && (n.text == "NaN" || n.text == "+Inf" || n.text == "-Inf") {
			return nil
		}
		if n.kind != '0' {
			return fmt.Errorf("%s: want a number, \"NaN\", \"+Inf\" or \"-Inf\", got %s", where(path), n.describe())
		}
		if f, err := strconv.ParseFloat(n.text, 64); err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("%s: %s is out of range for a 64-bit float", where(path), n.text)
		}
		return nil
	}
	if t.Kind() == reflect.Pointer {
		if n.kind == 'n' {
			return nil
		}
		return check(n, t.Elem(), path)
	}
	if t.Kind() == reflect.Interface {
		return nil
	}
	if n.kind == 'n' {
		return fmt.Errorf("%s: null is not allowed here", where(path))
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	if reflect.PointerTo(t).Implements(textUnmarshalerT) {
		if n.kind != '"' {
			return fmt.Errorf("%s: want a string, got %s", where(path), n.describe())
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Bool:
		if n.kind != 'b' {
			return fmt.Errorf("%s: want true or false, got %s", where(path), n.describe())
		}
	case reflect.String:
		if n.kind != '"' {
			return fmt.Errorf("%s: want a string, got %s", where(path), n.describe())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n.kind != '0' {
			return fmt.Errorf("%s: want an integer, got %s", where(path), n.describe())
		}
		if _, err := strconv.ParseInt(n.text, 10, t.Bits()); err != nil {
			return fmt.Errorf("%s: want an integer of %d bits, got %s", where(path), t.Bits(), n.text)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.kind != '0' {
			return fmt.Errorf("%s: want a non-negative integer, got %s", where(path), n.describe())
		}
		if _, err := strconv.ParseUint(n.text, 10, t.Bits()); err != nil {
			return fmt.Errorf("%s: want a non-negative integer of %d bits, got %s", where(path), t.Bits(), n.text)
		}
	case reflect.Float32, reflect.Float64:
		if n.kind != '0' {
			return fmt.Errorf("%s: want a number, got %s", where(path), n.describe())
		}
		f, err := strconv.ParseFloat(n.text, t.Bits())
		if err != nil || math.IsInf(f, 0) {
			return fmt.Errorf("%s: %s is out of range for a %d-bit float", where(path), n.text, t.Bits())
		}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			if n.kind != '"' {
				return fmt.Errorf("%s: want a base64 string, got %s", where(path), n.describe())
			}
			if _, err := base64.StdEncoding.DecodeString(n.text); err != nil {
				return fmt.Errorf("%s: not valid base64: %v", where(path), err)
			}
			return nil
		}
		if n.kind != '[' {
			return fmt.Errorf("%s: want an array, got %s", where(path), n.describe())
		}
		if t.Kind() == reflect.Array && len(n.vals) != t.Len() {
			return fmt.Errorf("%s: want %d elements, got %d", where(path), t.Len(), len(n.vals))
		}
		for i, e := range n.vals {
			if err := check(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.kind != '{' {
			return fmt.Errorf("%s: want an object, got %s", where(path), n.describe())
		}
		if t.Key().Kind() != reflect.String {
			return fmt.Errorf("%s: strictjson: map keys of type %v are not supported", where(path), t.Key())
		}
		for i, k := range n.keys {
			if err := check(n.vals[i], t.Elem(), Join(path, k)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		if n.kind != '{' {
			return fmt.Errorf("%s: want an object, got %s", where(path), n.describe())
		}
		fields := structFields(t)
		for i, k := range n.keys {
			ft, ok := fields[k]
			if !ok {
				return &UnknownKeyError{Path: path, Key: k, Known: knownKeys(fields)}
			}
			if err := check(n.vals[i], ft, Join(path, k)); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("%s: strictjson: Go type %v is not supported", where(path), t)
	}
	return nil
}

// structFields maps the JSON names of a struct's fields to their types,
// following embedded structs as encoding/json does (without its rules for
// conflicting names, which the config types do not need).
func structFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range structFields(ft) {
					if _, dup := out[k]; !dup {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func knownKeys(fields map[string]reflect.Type) []string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// UnknownKeyError is Decode's error for a key that is not the JSON name
// of a field of the struct it would go into. Callers that translate
// another library's configs (Keras files) use it to tell which keys the
// struct lacks.
type UnknownKeyError struct {
	// Path is the path of the object holding the key, "" at the top.
	Path string
	// Key is the unknown key.
	Key string
	// Known lists the struct's keys, sorted.
	Known []string
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("%s: unknown key %q (known: %s)", where(e.Path), e.Key, strings.Join(e.Known, ", "))
}

// Join appends a key to a path: "config" + "units" is "config.units"; keys
// that are not identifiers are quoted: `tensors["dense/kernel"]`.
func Join(path, key string) string {
	if isIdent(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// where names a path for an error message.
func where(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

// Float is a float64 that survives a JSON round trip exactly, NaN and
// infinities included: finite values are JSON numbers (Go prints the
// shortest decimal that parses back to the same float64), the others the
// strings "NaN", "+Inf" and "-Inf".
type Float float64

// MarshalJSON implements json.Marshaler.
func (f Float) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *Float) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = Float(math.NaN())
		return nil
	case `"+Inf"`:
		*f = Float(math.Inf(1))
		return nil
	case `"-Inf"`:
		*f = Float(math.Inf(-1))
		return nil
	}
	if len(b) == 0 || !(b[0] == '-' || b[0] >= '0' && b[0] <= '9') {
		return fmt.Errorf("want a number, \"NaN\", \"+Inf\" or \"-Inf\", got %.40s", b)
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsInf(v, 0) {
		return fmt.Errorf("%.40s is not a finite 64-bit float", b)
	}
	*f = Float(v)
	return nil
}
