package layers

import (
	"regexp"
	"strings"
)

var (
	camelWord  = regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	camelLower = regexp.MustCompile(`([a-z])([A-Z])`)
)

// DefaultName converts a Keras class name to the name Keras gives the
// first layer of that class, with Keras's to_snake_case rule:
// "MaxPooling2D" → "max_pooling2d", "Conv2D" → "conv2d", "LSTM" → "lstm".
// Models number the later ones ("dense_1").
func DefaultName(class string) string {
	s := camelWord.ReplaceAllString(class, "${1}_${2}")
	return strings.ToLower(camelLower.ReplaceAllString(s, "${1}_${2}"))
}
