package kerasfile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The weight layouts are written against these small interfaces, which the
// HDF5 package's files satisfy through an adapter (h5file.go) and which
// the writer fills in memory before encoding (memGroup).

// h5Group is an HDF5 group as the layouts see it.
type h5Group interface {
	// members returns the names of the group's members, sorted.
	members() ([]string, error)
	// group returns the member group of that name, or false.
	group(name string) (h5Group, bool, error)
	// dataset returns the member dataset of that name, or false.
	dataset(name string) (h5Dataset, bool, error)
	// attr returns the attribute of that name: a string, a []string, or a
	// number (int64 or float64), or false when absent.
	attr(name string) (any, bool, error)
}

// h5Dataset is an HDF5 dataset of numbers.
type h5Dataset interface {
	shape() []int
	// readFloat32 reads the values, converted to float32, into dst, whose
	// length is the product of the shape.
	readFloat32(dst []float32) error
	// readFloat32At reads the len(dst) values from element start.
	readFloat32At(dst []float32, start int) error
	// inPlace reports whether readFloat32At reads only its range, so
	// that parts of the dataset can be read at the same time.
	inPlace() bool
	// readInt64 reads a dataset of one integer (an optimizer's iteration).
	readInt64() (int64, error)
}

// lookupGroup follows a slash-separated path of groups from g.
func lookupGroup(g h5Group, path string) (h5Group, bool, error) {
	for _, part := range strings.Split(path, "/") {
		if part == "" {
			continue
		}
		next, ok, err := g.group(part)
		if err != nil || !ok {
			return nil, false, err
		}
		g = next
	}
	return g, true, nil
}

// lookupDataset follows a slash-separated path to a dataset.
func lookupDataset(g h5Group, path string) (h5Dataset, bool, error) {
	dir, base := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir, base = path[:i], path[i+1:]
	}
	g, ok, err := lookupGroup(g, dir)
	if err != nil || !ok {
		return nil, false, err
	}
	return g.dataset(base)
}

// numberedDatasets returns the datasets "0", "1", … of a vars group, in
// order; any other member is an error.
func numberedDatasets(g h5Group, where string) ([]h5Dataset, error) {
	names, err := g.members()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if len(names) > maxVars {
		return nil, invalidf("%s: %d variables; the limit is %d", where, len(names), maxVars)
	}
	out := make([]h5Dataset, len(names))
	for _, n := range names {
		i, err := strconv.Atoi(n)
		if err != nil || i < 0 || i >= len(names) || strconv.Itoa(i) != n {
			return nil, invalidf("%s: member %q: want datasets named 0 to %d", where, n, len(names)-1)
		}
		d, ok, err := g.dataset(n)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", where, n, err)
		}
		if !ok {
			return nil, invalidf("%s/%s is not a dataset", where, n)
		}
		out[i] = d
	}
	return out, nil
}

// maxVars bounds the variables of one group.
const maxVars = 1 << 16

// stringList reads an attribute that holds a list of names (Keras's
// layer_names and weight_names), following Keras's split of long lists
// into name0, name1, … attributes.
func stringList(g h5Group, name string) ([]string, bool, error) {
	v, ok, err := g.attr(name)
	if err != nil {
		return nil, false, err
	}
	if ok {
		l, err := asStrings(v, name)
		return l, true, err
	}
	var out []string
	for i := 0; ; i++ {
		v, ok, err := g.attr(name + strconv.Itoa(i))
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return out, i > 0, nil
		}
		l, err := asStrings(v, name)
		if err != nil {
			return nil, false, err
		}
		out = append(out, l...)
		if len(out) > maxLayers {
			return nil, false, invalidf("attribute %s: more than %d names", name, maxLayers)
		}
	}
}

func asStrings(v any, name string) ([]string, error) {
	switch v := v.(type) {
	case []string:
		return v, nil
	case string:
		return []string{v}, nil
	case []float64, []int64:
		// h5py writes an empty list as an empty float array.
		if n := lenOf(v); n == 0 {
			return nil, nil
		}
	}
	return nil, invalidf("attribute %s: want a list of strings, got %T", name, v)
}

func lenOf(v any) int {
	switch v := v.(type) {
	case []float64:
		return len(v)
	case []int64:
		return len(v)
	}
	return -1
}

// memGroup is an HDF5 group built in memory, for writing.
type memGroup struct {
	attrs    map[string]any
	attrKeys []string
	bytes    map[string]bool // string attributes written as h5py's bytes (ASCII)
	groups   map[string]*memGroup
	sets     map[string]*memDataset
	order    []string // members in creation order
}

// memDataset is a dataset built in memory: float32 values, or one int64.
type memDataset struct {
	dims   []int
	values []float32
	isInt  bool
	ival   int64
}

func newMemGroup() *memGroup {
	return &memGroup{attrs: map[string]any{}, groups: map[string]*memGroup{}, sets: map[string]*memDataset{}}
}

// mkdir returns the group at path below g, creating the missing ones.
func (g *memGroup) mkdir(path string) *memGroup {
	for _, part := range strings.Split(path, "/") {
		if part == "" {
			continue
		}
		next, ok := g.groups[part]
		if !ok {
			next = newMemGroup()
			g.groups[part] = next
			g.order = append(g.order, part)
		}
		g = next
	}
	return g
}

// put adds a dataset at path below g.
func (g *memGroup) put(path string, d *memDataset) {
	dir, base := "", path
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		dir, base = path[:i], path[i+1:]
	}
	p := g.mkdir(dir)
	if _, ok := p.sets[base]; !ok {
		p.order = append(p.order, base)
	}
	p.sets[base] = d
}

// setBytesAttr sets a string attribute that is written as h5py writes a
// Python bytes value: a variable-length ASCII string.
func (g *memGroup) setBytesAttr(name, v string) {
	g.setAttr(name, v)
	if g.bytes == nil {
		g.bytes = map[string]bool{}
	}
	g.bytes[name] = true
}

func (g *memGroup) setAttr(name string, v any) {
	if _, ok := g.attrs[name]; !ok {
		g.attrKeys = append(g.attrKeys, name)
	}
	g.attrs[name] = v
}

func (g *memGroup) members() ([]string, error) {
	out := slices.Clone(g.order)
	slices.Sort(out)
	return out, nil
}

func (g *memGroup) group(name string) (h5Group, bool, error) {
	c, ok := g.groups[name]
	if !ok {
		return nil, false, nil
	}
	return c, true, nil
}

func (g *memGroup) dataset(name string) (h5Dataset, bool, error) {
	d, ok := g.sets[name]
	if !ok {
		return nil, false, nil
	}
	return d, true, nil
}

func (g *memGroup) attr(name string) (any, bool, error) {
	v, ok := g.attrs[name]
	return v, ok, nil
}

func (d *memDataset) shape() []int { return d.dims }

func (d *memDataset) readFloat32(dst []float32) error {
	if d.isInt {
		if len(dst) != 1 {
			return fmt.Errorf("want 1 value, have %d", len(dst))
		}
		dst[0] = float32(d.ival)
		return nil
	}
	if len(dst) != len(d.values) {
		return fmt.Errorf("want %d values, have %d", len(dst), len(d.values))
	}
	copy(dst, d.values)
	return nil
}

func (d *memDataset) readFloat32At(dst []float32, start int) error {
	if d.isInt || start < 0 || start > len(d.values) || len(dst) > len(d.values)-start {
		return fmt.Errorf("values [%d, %d) of %d", start, start+len(dst), len(d.values))
	}
	copy(dst, d.values[start:])
	return nil
}

func (d *memDataset) inPlace() bool { return false }

func (d *memDataset) readInt64() (int64, error) {
	if d.isInt {
		return d.ival, nil
	}
	if len(d.values) != 1 {
		return 0, fmt.Errorf("want 1 value, have %d", len(d.values))
	}
	return int64(d.values[0]), nil
}
