package kerasfile

import (
	"errors"
	"fmt"
	"io"

	"github.com/neuron-go/neuron/hdf5"
)

// openH5 opens an HDF5 file for the weight layouts. The datasets are read
// on demand, each straight into the tensor that takes it.
func openH5(r io.ReaderAt, size int64) (h5Group, error) {
	f, err := hdf5.Open(r, size)
	if err != nil {
		return nil, err
	}
	return h5g{f.Root()}, nil
}

type h5g struct{ g *hdf5.Group }

func (g h5g) members() ([]string, error) { return g.g.Names() }

func (g h5g) group(name string) (h5Group, bool, error) {
	o, err := g.g.Lookup(name)
	if errors.Is(err, hdf5.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	sub, ok := o.(*hdf5.Group)
	if !ok {
		return nil, false, nil
	}
	return h5g{sub}, true, nil
}

func (g h5g) dataset(name string) (h5Dataset, bool, error) {
	o, err := g.g.Lookup(name)
	if errors.Is(err, hdf5.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	d, ok := o.(*hdf5.Dataset)
	if !ok {
		return nil, false, nil
	}
	return h5d{d}, true, nil
}

func (g h5g) attr(name string) (any, bool, error) {
	v, err := g.g.Attr(name)
	if errors.Is(err, hdf5.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return v, true, nil
}

type h5d struct{ d *hdf5.Dataset }

func (d h5d) shape() []int                    { return d.d.Shape() }
func (d h5d) readFloat32(dst []float32) error { return d.d.ReadFloat32Into(dst) }
func (d h5d) readFloat32At(dst []float32, start int) error {
	return d.d.ReadFloat32At(dst, start)
}
func (d h5d) inPlace() bool { return d.d.Chunks() == nil }

func (d h5d) readInt64() (int64, error) {
	if d.d.Len() != 1 {
		return 0, fmt.Errorf("%s: want one integer, have %d values", d.d.Path(), d.d.Len())
	}
	if v, err := d.d.ReadInt64(); err == nil {
		return v[0], nil
	}
	// Some writers keep the count as a float.
	f, err := d.d.ReadFloat64()
	if err != nil {
		return 0, err
	}
	if f[0] != float64(int64(f[0])) {
		return 0, fmt.Errorf("%s: %v is not an integer", d.d.Path(), f[0])
	}
	return int64(f[0]), nil
}

// encodeH5 writes an in-memory tree as an HDF5 file in the layout libhdf5
// writes by default.
func encodeH5(w io.Writer, root *memGroup) error {
	hw := hdf5.NewWriter()
	if err := fill(hw.Root(), root); err != nil {
		return err
	}
	_, err := hw.WriteTo(w)
	return err
}

func fill(dst *hdf5.WriterGroup, src *memGroup) error {
	for _, k := range src.attrKeys {
		v := src.attrs[k]
		if s, ok := v.(string); ok && src.bytes[k] {
			v = []byte(s)
		}
		if l, ok := v.([]string); ok {
			// Keras 3 sets its name lists as Python lists of bytes, which
			// h5py writes as variable-length ASCII strings; an empty
			// one, as numpy makes it, as an empty float array.
			if len(l) == 0 {
				v = []float64{}
			} else {
				b := make([][]byte, len(l))
				for i, s := range l {
					b[i] = []byte(s)
				}
				v = b
			}
		}
		if err := dst.SetAttr(k, v); err != nil {
			return err
		}
	}
	for _, name := range src.order {
		if d, ok := src.sets[name]; ok {
			var data any = d.values
			if d.isInt {
				data = []int64{d.ival}
			}
			if _, err := dst.CreateDataset(name, d.dims, data); err != nil {
				return err
			}
			continue
		}
		g, err := dst.CreateGroup(name)
		if err != nil {
			return err
		}
		if err := fill(g, src.groups[name]); err != nil {
			return err
		}
	}
	return nil
}
