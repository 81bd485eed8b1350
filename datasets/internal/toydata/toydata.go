// Package toydata builds tiny data sets in the MNIST file formats for the
// loaders' tests: 6 training and 2 test images of 3×3 pixels, as IDX
// files or as an .npz archive. Building them in code keeps binary
// fixtures out of the repository and lets each test break them its own way.
package toydata

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// Sizes of the toy data set.
const (
	Train = 6
	Test  = 2
	Side  = 3
)

// Files are the IDX file names, in the order of Arrays.
var Files = [4]string{
	"train-images-idx3-ubyte.gz",
	"train-labels-idx1-ubyte.gz",
	"t10k-images-idx3-ubyte.gz",
	"t10k-labels-idx1-ubyte.gz",
}

// NPZKeys are the array names in an .npz archive, in the order of Arrays.
var NPZKeys = [4]string{"x_train", "y_train", "x_test", "y_test"}

// Shapes are the shapes of x_train, y_train, x_test and y_test.
var Shapes = [4][]int{{Train, Side, Side}, {Train}, {Test, Side, Side}, {Test}}

// Arrays returns the data of x_train, y_train, x_test and y_test. marker
// is the first training label, so that a test can tell copies apart.
func Arrays(marker byte) [4][]byte {
	x := make([]byte, Train*Side*Side)
	for i := range x {
		x[i] = byte(i)
	}
	xt := make([]byte, Test*Side*Side)
	for i := range xt {
		xt[i] = byte(255 - i)
	}
	return [4][]byte{x, {marker, 0, 4, 1, 9, 2}, xt, {7, 2}}
}

// IDX returns the four gzip-compressed IDX files by name.
func IDX(marker byte) map[string][]byte {
	a := Arrays(marker)
	m := map[string][]byte{}
	for i, name := range Files {
		m[name] = Gzip(IDXBytes(Shapes[i], a[i]))
	}
	return m
}

// NPZ returns an .npz archive holding the four arrays, like Keras's
// mnist.npz.
func NPZ(marker byte) []byte {
	a := Arrays(marker)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, k := range NPZKeys {
		w, err := zw.Create(k + ".npy")
		if err != nil {
			panic(err)
		}
		w.Write(NPYBytes(Shapes[i], a[i]))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// IDXBytes returns an uncompressed IDX file of unsigned bytes.
func IDXBytes(dims []int, data []byte) []byte {
	b := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return append(b, data...)
}

// NPYBytes returns a version 1.0 .npy file of uint8 values.
func NPYBytes(shape []int, data []byte) []byte {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = fmt.Sprint(d)
	}
	tuple := "(" + strings.Join(s, ", ") + ")"
	if len(shape) == 1 {
		tuple = fmt.Sprintf("(%d,)", shape[0])
	}
	dict := fmt.Sprintf("{'descr': '|u1', 'fortran_order': False, 'shape': %s, }\n", tuple)
	b := []byte("\x93NUMPY\x01\x00")
	b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)))
	return append(append(b, dict...), data...)
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// SHA256 returns b's SHA-256 in lowercase hex, as the loaders pin it.
func SHA256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
