package imdb_test

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/datasets/imdb"
	"github.com/neuron-go/neuron/layers"
)

// The Keras tutorial reads the reviews with
//
//	train = keras.utils.text_dataset_from_directory("aclImdb/train")
//
// With the unpacked archive in NEURON_IMDB_DIR, this prints
//
//	25000 training and 25000 test reviews
//	vocabulary size: 20000
func Example() {
	xTrain, _, xTest, _, err := imdb.LoadTexts("", imdb.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(xTrain), "training and", len(xTest), "test reviews")
	vec := &layers.TextVectorization{MaxTokens: 20000, OutputSequenceLength: 200}
	if err := vec.Adapt(xTrain); err != nil {
		log.Fatal(err)
	}
	fmt.Println("vocabulary size:", vec.VocabularySize())
}

// (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10000),
// here on a small file in Keras's format; without Dir, Keras's imdb.npz
// is found in a cache or downloaded.
func ExampleLoadData() {
	xTrain, yTrain, xTest, _, err := imdb.LoadData(imdb.LoadOptions{
		Options:  datasets.Options{Dir: "../internal/seqdata/testdata"},
		NumWords: 10000,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(xTrain), len(xTest), xTrain[0], yTrain[0])
	// Output: 6 4 [1 7 8] 1
}
