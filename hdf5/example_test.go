package hdf5_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/neuron-go/neuron/hdf5"
)

// Writing a file shaped like Keras's legacy h5 format and reading it back.
func ExampleNewWriter() {
	w := hdf5.NewWriter()
	w.Root().SetAttr("keras_version", []byte("2.13.1"))
	mw, _ := w.Root().CreateGroup("model_weights")
	mw.SetAttr("layer_names", hdf5.FixedStrings{"dense"})
	_, err := mw.CreateDataset("dense/dense/kernel:0", []int{2, 2}, []float32{1, 2, 3, 4})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		log.Fatal(err)
	}

	f, err := hdf5.Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		log.Fatal(err)
	}
	v, _ := f.Root().Attr("keras_version")
	d, err := f.Root().Dataset("model_weights/dense/dense/kernel:0")
	if err != nil {
		log.Fatal(err)
	}
	k, _ := d.ReadFloat32()
	fmt.Println(v, d.Shape(), d.DType(), k)
	// Output: 2.13.1 [2 2] float32 [1 2 3 4]
}

// Reading a file written by h5py: members, attributes and a dataset.
func ExampleOpenFile() {
	f, err := hdf5.OpenFile("testdata/default.h5")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	names, _ := f.Root().Names()
	fmt.Println(names)
	g, _ := f.Root().Group("model_weights")
	ln, _ := g.Attr("layer_names")
	fmt.Printf("%q\n", ln)
	d, _ := f.Root().Dataset("model_weights/dense/dense/bias:0")
	b, _ := d.ReadFloat32()
	fmt.Println(d.Shape(), b)
	// Output:
	// [committed_f4 model_weights types uses_committed]
	// ["dense" "dense_1" "dropout"]
	// [3] [0.1 -0.2 0.3]
}

// Listing every dataset of a file with its shape and type, as h5py's
// visititems would.
func ExampleGroup_Walk() {
	f, err := hdf5.OpenFile("testdata/sb1.h5")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	err = f.Root().Walk(func(path string, o hdf5.Object) error {
		if d, ok := o.(*hdf5.Dataset); ok {
			fmt.Println(path, d.Shape(), d.DType(), d.Chunks())
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// /c [30] float32 [4]
	// /x [3 2] int16 []
}
