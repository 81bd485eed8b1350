package imdb_test

import (
	"fmt"
	"log"

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
