// Package hdf5 reads and writes the subset of HDF5 that Keras model files
// use, in pure Go.
//
// # Reading
//
// Open or OpenFile reads the superblock and the root group; everything
// else is read on demand through the io.ReaderAt, so a large file is never
// held in memory:
//
//	f, err := hdf5.OpenFile("model.weights.h5")
//	root := f.Root()
//	names, err := root.Names()                   // members, as h5py lists them
//	v, err := root.Attr("keras_version")         // string, int64, []string, ...
//	d, err := f.Root().Dataset("layers/dense/vars/0")
//	w, err := d.ReadFloat32()                    // shape in d.Shape()
//
// The reader handles superblock versions 0 to 3; object headers version 1
// and 2 with continuation blocks; old-style groups (symbol table: v1
// B-tree, local heap, symbol table nodes) and new-style groups (compact
// link messages, or dense links in a fractal heap indexed by a v2 B-tree);
// soft links; attributes in the object header and in dense storage;
// contiguous, compact and chunked datasets, with the chunk indexes of old
// files (v1 B-tree) and of libver="latest" files (single chunk, implicit,
// fixed array, extensible array, v2 B-tree); the deflate, shuffle and
// fletcher32 filters; integers of 1 to 8 bytes, IEEE floats of 2, 4 and 8
// bytes, both byte orders; fixed- and variable-length strings; h5py's bool
// enumeration; named (committed) datatypes shared by datasets and
// attributes; scalar, simple and null dataspaces.
//
// Member and attribute order follows h5py's Group and AttributeManager:
// creation order when the object tracks it (track_order=True), else names
// sorted by bytes. (h5py iterates a File object itself by name even when
// the root group tracks creation order; Names on the root follows
// f["/"].)
//
// # Safety
//
// A file is untrusted input. Every address is checked against the file's
// size, every count against the structure holding it, chains of
// continuation blocks and B-tree nodes against cycles, checksums of
// version-2 structures are verified, and inflated chunks may not grow past
// the chunk's declared size. The work a file can cause is bounded too: a
// chunk index may list each chunk once, the nodes of one B-tree may not add
// up to more than the file, and a chunked dataset may not declare more
// than 64 MiB plus 2048 bytes per byte of file (a sparse dataset of mostly
// unwritten chunks past that is refused: the price of never allocating
// what a small file asks for). Malformed files give errors wrapping
// ErrFormat (a *FormatError naming the object, structure and address);
// valid features outside the subset give errors wrapping ErrUnsupported.
//
// # Writing
//
// NewWriter builds a file in memory; WriteTo or WriteFile (atomic) writes
// it in the layout libhdf5 uses by default: superblock version 0,
// old-style groups (symbol tables), contiguous little-endian datasets and
// attributes in version-1 object headers, which h5py and every HDF5 tool
// open:
//
//	w := hdf5.NewWriter()
//	w.Root().SetAttr("keras_version", []byte("3.5.0"))
//	g, _ := w.Root().CreateGroup("model_weights")
//	g.SetAttr("layer_names", hdf5.FixedStrings{"dense"})
//	g.CreateDataset("dense/dense/kernel:0", []int{784, 10}, kernel)
//	err := w.WriteFile("model.h5")
//
// Go values map to h5py's types: string is a variable-length UTF-8 string
// (h5py str), []byte attribute a variable-length ASCII string (h5py bytes),
// FixedStrings a numpy "S" array, []bool h5py's bool enumeration.
package hdf5
