package layers_test

import (
	"fmt"
	"log"

	"github.com/neuron-go/neuron/layers"
)

// Keras's docstring example: adapt on three texts, then map two others to
// indices, padded to 4 ("qux" is out of the vocabulary, index 1).
func ExampleTextVectorization() {
	vec := &layers.TextVectorization{MaxTokens: 5000, OutputSequenceLength: 4}
	if err := vec.Adapt([]string{"foo bar", "bar baz", "baz bada boom"}); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%q\n", vec.GetVocabulary(true))
	ids, err := vec.Vectorize([]string{"foo qux bar", "qux baz"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ids)

	// Counting modes: one column per vocabulary entry, [UNK] first.
	counts := &layers.TextVectorization{OutputMode: "count", Vocabulary: []string{"foo", "bar", "baz"}}
	c, _ := counts.Vectorize([]string{"foo bar", "Baz, foo FOO!"})
	fmt.Println(c)
	// Output:
	// ["" "[UNK]" "baz" "bar" "foo" "boom" "bada"]
	// [[4. 1. 3. 0.]
	//  [1. 2. 0. 0.]]
	// [[0. 1. 1. 0.]
	//  [0. 2. 0. 1.]]
}
