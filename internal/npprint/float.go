package npprint

import (
	"math"
	"strconv"
	"strings"
)

// floatFormat is NumPy's FloatingFormat with floatmode "maxprec" and sign
// "-": the columns are sized from the printed elements, and each element is
// printed with the shortest digits that identify it (as a float32 or a
// float64), at most precision of them after the point.
type floatFormat struct {
	bits      int // 32 or 64: the element type
	precision int // the most fraction digits
	minDigits int // in scientific notation, the fraction digits always printed
	exp       bool
	padLeft   int // width of the integer part (sign included)
	padRight  int // width of the fraction part
	expSize   int // digits of the exponent
}

func newFloatFormat(vals []float64, bits, precision int, suppress bool) *floatFormat {
	f := &floatFormat{bits: bits, precision: precision, expSize: -1}
	var finite []float64
	for _, v := range vals {
		if !math.IsInf(v, 0) && !math.IsNaN(v) {
			finite = append(finite, v)
		}
	}
	// Scientific notation is chosen from the finite non-zero magnitudes.
	maxV, minV, found := 0.0, 0.0, false
	for _, v := range finite {
		if v == 0 {
			continue
		}
		a := math.Abs(v)
		if !found {
			maxV, minV, found = a, a, true
		}
		maxV = max(maxV, a)
		minV = min(minV, a)
	}
	if found {
		ratio := maxV / minV
		if bits == 32 {
			ratio = float64(float32(maxV) / float32(minV)) // NumPy divides in float32
		}
		f.exp = maxV >= 1e8 || (!suppress && (minV < 0.0001 || ratio > 1000))
	}

	switch {
	case len(finite) == 0:
		f.padLeft, f.padRight = 0, 0
	case f.exp:
		for _, v := range finite {
			ip, fp, ex := f.sci(v, precision)
			f.padLeft = max(f.padLeft, len(ip))
			f.padRight = max(f.padRight, len(fp)) // the new precision
			f.expSize = max(f.expSize, len(ex)-1)
		}
		f.precision = f.padRight
		f.minDigits = f.precision
		f.padRight = f.expSize + 2 + f.precision
	default:
		for _, v := range finite {
			ip, fp := f.positional(v)
			f.padLeft = max(f.padLeft, len(ip))
			f.padRight = max(f.padRight, len(fp))
		}
	}

	if len(finite) != len(vals) {
		negInf := 0
		for _, v := range vals {
			if math.IsInf(v, -1) {
				negInf = 1
			}
		}
		offset := f.padRight + 1
		f.padLeft = max(f.padLeft, len("nan")-offset, len("inf")+negInf-offset)
	}
	return f
}

// positional returns the integer and fraction digits of v in fixed-point
// notation: the shortest fraction digits that identify v, or v rounded to
// f.precision fraction digits when those are more, trailing zeros trimmed.
func (f *floatFormat) positional(v float64) (ip, fp string) {
	s := strconv.FormatFloat(v, 'f', -1, f.bits)
	ip, fp, _ = strings.Cut(s, ".")
	if fp == "" {
		// v is a whole number. NumPy prints all of its integer digits
		// exactly, where the shortest form may end in zeros: a float32
		// 46461872 prints as 46461872., not 46461870.
		ip = strconv.FormatFloat(v, 'f', 0, 64)
	} else if len(fp) > f.precision {
		s = strconv.FormatFloat(v, 'f', f.precision, 64)
		ip, fp, _ = strings.Cut(s, ".")
		fp = strings.TrimRight(fp, "0")
	}
	return ip, fp
}

// sci returns the mantissa's integer and fraction digits and the exponent
// (with its sign, at least two digits) of v in scientific notation, with
// the shortest digits that identify v or at most precision fraction
// digits.
func (f *floatFormat) sci(v float64, precision int) (ip, fp, ex string) {
	s := strconv.FormatFloat(v, 'e', -1, f.bits)
	m, ex, _ := strings.Cut(s, "e")
	ip, fp, _ = strings.Cut(m, ".")
	if len(fp) > precision {
		s = strconv.FormatFloat(v, 'e', precision, 64)
		m, ex, _ = strings.Cut(s, "e")
		ip, fp, _ = strings.Cut(m, ".")
		fp = strings.TrimRight(fp, "0")
	}
	return ip, fp, ex
}

func (f *floatFormat) format(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		ret := "nan"
		if math.IsInf(v, 1) {
			ret = "inf"
		} else if math.IsInf(v, -1) {
			ret = "-inf"
		}
		return padLeft(ret, f.padLeft+f.padRight+1)
	}
	if f.exp {
		ip, fp, ex := f.sci(v, f.precision)
		if len(fp) < f.minDigits {
			// More digits of v's exact value than identify it, as
			// Dragon4's min_digits prints.
			m, e, _ := strings.Cut(strconv.FormatFloat(v, 'e', f.minDigits, 64), "e")
			ip, fp, _ = strings.Cut(m, ".")
			ex = e
		}
		sign, digits := ex[:1], ex[1:]
		for len(digits) < f.expSize {
			digits = "0" + digits
		}
		return padLeft(ip, f.padLeft) + "." + fp + "e" + sign + digits
	}
	ip, fp := f.positional(v)
	return padLeft(ip, f.padLeft) + "." + fp + strings.Repeat(" ", f.padRight-len(fp))
}

// scalarString is str() of a NumPy float scalar (Python's repr for
// float64): fixed-point with at least one fraction digit between 1e-4 and
// 1e16, scientific notation otherwise.
func scalarString(v float64, bits int) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	if a := math.Abs(v); a == 0 || (a >= 1e-4 && a < 1e16) {
		s := strconv.FormatFloat(v, 'f', -1, bits)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	return strconv.FormatFloat(v, 'e', -1, bits)
}
