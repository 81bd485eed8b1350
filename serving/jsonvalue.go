package serving

import (
	"fmt"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The request bodies are parsed by a parser of their own rather than
// encoding/json for two reasons. TF Serving's REST API takes the tokens
// NaN, Infinity and -Infinity as numbers, which encoding/json refuses; and
// a tensor of nested number lists is best read straight into one flat
// slice of values with its shape, not into a tree of interface values.

// maxDepth bounds the nesting of a request, so that a body of a million
// "[" cannot exhaust the stack.
const maxDepth = 64

// value is a parsed JSON value. Numbers, and nested lists of numbers of a
// regular shape, are tensors: their values are vals[off:off+n] of the
// parser's flat slice, in row-major order, and shape their dimensions
// (empty for a number).
type value struct {
	kind  kind
	shape []int
	off   int
	n     int
	str   string  // a string
	b     bool    // a boolean
	items []value // a list that is not a tensor
	keys  []string
	vals  []value // an object's values, matching keys
}

type kind uint8

const (
	kNull kind = iota
	kBool
	kString
	kTensor // a number or a regular nested list of numbers
	kList   // a list of anything else
	kObject
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a string", "numbers", "a list", "an object"}[k]
}

// get returns the value of key in an object, and whether it is there.
func (v *value) get(key string) (*value, bool) {
	for i, k := range v.keys {
		if k == key {
			return &v.vals[i], true
		}
	}
	return nil, false
}

// parser reads one JSON document.
type parser struct {
	s    []byte
	i    int
	nums []float64 // every number, in document order
	// ext allows TF Serving's NaN, Infinity and -Infinity.
	ext bool
}

// parseJSON parses body. ext allows the non-standard number tokens.
func parseJSON(body []byte, ext bool) (value, []float64, error) {
	p := &parser{s: body, ext: ext}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return value{}, nil, err
	}
	p.ws()
	if p.i != len(p.s) {
		return value{}, nil, p.errf("unexpected %s after the JSON value", p.near())
	}
	return v, p.nums, nil
}

func (p *parser) errf(format string, a ...any) error {
	return fmt.Errorf("malformed JSON at byte %d: %s", p.i, fmt.Sprintf(format, a...))
}

// near describes the input at the current position for an error.
func (p *parser) near() string {
	if p.i >= len(p.s) {
		return "end of input"
	}
	end := min(p.i+12, len(p.s))
	return strconv.Quote(string(p.s[p.i:end]))
}

func (p *parser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) lit(word string) bool {
	if len(p.s)-p.i >= len(word) && string(p.s[p.i:p.i+len(word)]) == word {
		p.i += len(word)
		return true
	}
	return false
}

func (p *parser) value(depth int) (value, error) {
	if depth > maxDepth {
		return value{}, p.errf("nested deeper than %d levels", maxDepth)
	}
	if p.i >= len(p.s) {
		return value{}, p.errf("unexpected end of input")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.list(depth)
	case c == '"':
		s, err := p.string()
		return value{kind: kString, str: s}, err
	case p.lit("true"):
		return value{kind: kBool, b: true}, nil
	case p.lit("false"):
		return value{kind: kBool}, nil
	case p.lit("null"):
		return value{kind: kNull}, nil
	case c == '-' || c >= '0' && c <= '9' || c == 'N' || c == 'I':
		return p.number()
	default:
		return value{}, p.errf("unexpected %s", p.near())
	}
}

func (p *parser) number() (value, error) {
	start := p.i
	var f float64
	switch {
	case p.lit("NaN"):
		f = math.NaN()
	case p.lit("Infinity"):
		f = math.Inf(1)
	case p.lit("-Infinity"):
		f = math.Inf(-1)
	default:
		// JSON's grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
		if p.s[p.i] == '-' {
			p.i++
		}
		digits := func() int {
			n := 0
			for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
				p.i++
				n++
			}
			return n
		}
		if p.i < len(p.s) && p.s[p.i] == '0' {
			p.i++
		} else if digits() == 0 {
			p.i = start
			return value{}, p.errf("unexpected %s", p.near())
		}
		if p.i < len(p.s) && p.s[p.i] == '.' {
			p.i++
			if digits() == 0 {
				return value{}, p.errf("a number needs digits after its decimal point")
			}
		}
		if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
			p.i++
			if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
				p.i++
			}
			if digits() == 0 {
				return value{}, p.errf("a number needs digits in its exponent")
			}
		}
		var err error
		f, err = strconv.ParseFloat(string(p.s[start:p.i]), 64)
		if err != nil {
			return value{}, fmt.Errorf("malformed JSON at byte %d: the number %s is out of range", start, p.s[start:p.i])
		}
		p.nums = append(p.nums, f)
		return value{kind: kTensor, off: len(p.nums) - 1, n: 1}, nil
	}
	if !p.ext {
		p.i = start
		return value{}, p.errf("%s is not a JSON number (this protocol takes standard JSON; TF Serving's /v1 API takes NaN and Infinity)", p.near())
	}
	p.nums = append(p.nums, f)
	return value{kind: kTensor, off: len(p.nums) - 1, n: 1}, nil
}

func (p *parser) string() (string, error) {
	p.i++ // the opening quote
	var b []byte
	start := p.i
	for {
		if p.i >= len(p.s) {
			return "", p.errf("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == '"':
			if b == nil {
				s := string(p.s[start:p.i])
				p.i++
				return s, nil
			}
			p.i++
			return string(b), nil
		case c == '\\':
			if b == nil {
				b = append([]byte{}, p.s[start:p.i]...)
			}
			p.i++
			if p.i >= len(p.s) {
				return "", p.errf("unterminated string")
			}
			e := p.s[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				b = append(b, e)
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", p.errf("bad \\u escape")
				}
				if utf16.IsSurrogate(r) && p.lit(`\u`) {
					r2, ok := p.hex4()
					if !ok {
						return "", p.errf("bad \\u escape")
					}
					r = utf16.DecodeRune(r, r2)
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", p.errf("bad escape \\%c", e)
			}
		case c < 0x20:
			return "", p.errf("control character in a string")
		default:
			if b != nil {
				b = append(b, c)
			}
			p.i++
		}
	}
}

func (p *parser) hex4() (rune, bool) {
	if len(p.s)-p.i < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.s[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

func (p *parser) object(depth int) (value, error) {
	p.i++
	v := value{kind: kObject}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return value{}, p.errf("expected a quoted key, got %s", p.near())
		}
		k, err := p.string()
		if err != nil {
			return value{}, err
		}
		for _, old := range v.keys {
			if old == k {
				return value{}, p.errf("duplicate key %q", k)
			}
		}
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return value{}, p.errf("expected ':' after key %q, got %s", k, p.near())
		}
		p.i++
		p.ws()
		x, err := p.value(depth + 1)
		if err != nil {
			return value{}, err
		}
		v.keys, v.vals = append(v.keys, k), append(v.vals, x)
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return v, nil
		}
		return value{}, p.errf("expected ',' or '}' in an object, got %s", p.near())
	}
}

// list parses a list; a list of tensors of one shape is a tensor. While
// the items are such tensors they are not kept: their values lie one
// after the other in p.nums.
func (p *parser) list(depth int) (value, error) {
	p.i++
	p.ws()
	off := len(p.nums)
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return value{kind: kTensor, shape: []int{0}, off: off}, nil
	}
	var first value
	var items []value // once the list is known not to be a tensor
	count := 0
	for {
		p.ws()
		x, err := p.value(depth + 1)
		if err != nil {
			return value{}, err
		}
		if items == nil {
			if count == 0 {
				first = x
			}
			if !(first.kind == kTensor && x.kind == kTensor && equalInts(x.shape, first.shape)) {
				// Not a tensor after all: make the uniform items so far.
				items = make([]value, 0, count+1)
				for j := range count {
					items = append(items, value{kind: kTensor, shape: first.shape, off: off + j*first.n, n: first.n})
				}
			}
		}
		if items != nil {
			items = append(items, x)
		}
		count++
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			break
		}
		return value{}, p.errf("expected ',' or ']' in a list, got %s", p.near())
	}
	if items != nil {
		return value{kind: kList, items: items}, nil
	}
	shape := append([]int{count}, first.shape...)
	return value{kind: kTensor, shape: shape, off: off, n: len(p.nums) - off}, nil
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// raggedShape explains why a list is not a tensor: the first item, at
// any depth, that is not a number or whose shape differs from its first
// sibling's.
func raggedShape(v *value) string { return explain(v, "") }

func explain(v *value, path string) string {
	if v.kind != kList {
		return fmt.Sprintf("item %s is %s, not a number", path, v.kind)
	}
	first := v.items[0]
	for i, x := range v.items {
		at := fmt.Sprintf("%s[%d]", path, i)
		if x.kind != kTensor {
			if x.kind == kList {
				return explain(&x, at)
			}
			return fmt.Sprintf("item %s is %s, not a number", at, x.kind)
		}
		if first.kind == kTensor && !equalInts(x.shape, first.shape) {
			return fmt.Sprintf("ragged nested list: item %s has shape %s, item %s[0] has %s", at, dims(x.shape), path, dims(first.shape))
		}
	}
	return "not a list of numbers"
}

// dims formats a shape as a JSON list: [2, 3].
func dims(s []int) string {
	b := []byte{'['}
	for i, d := range s {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(d), 10)
	}
	return string(append(b, ']'))
}
