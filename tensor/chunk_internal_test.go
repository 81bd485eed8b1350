package tensor

import (
	"os"
	"strconv"
)

func init() {
	if v, err := strconv.Atoi(os.Getenv("NEURON_CHUNK")); err == nil {
		chunkFloats = v
	}
}
