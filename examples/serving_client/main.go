// Command serving_client asks a model served by "neuron serve" what digit
// an MNIST test image is, as a client of TensorFlow Serving or of a KServe
// / Triton server would: with Go's HTTP client and JSON, in either
// protocol.
//
// Usage:
//
//	go run ./examples/serving_client [-addr 127.0.0.1:8501] [-model mnist] [-protocol v1|v2] [-scale] [-cnn] [-print] INDEX...
//
// For each INDEX it sends X_test[INDEX] (the raw pixels 0..255, as "neuron
// train mnist" trains on them; -scale divides them by 255 as the fashion
// and cnn programs do; -cnn shapes them (28, 28, 1)) and prints the
// predicted digit, its probability and the true label. -print writes the
// request body instead of sending it, for curl:
//
//	go run ./examples/serving_client -print 0 > digit.json
//	curl -s -d @digit.json 127.0.0.1:8501/v1/models/mnist:predict
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/neuron-go/neuron/datasets/mnist"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8501", "the server's `HOST:PORT`")
	model := flag.String("model", "mnist", "the model's `NAME`")
	protocol := flag.String("protocol", "v1", "v1 (TF Serving's REST API) or v2 (KServe / Triton)")
	scale := flag.Bool("scale", false, "divide the pixels by 255")
	cnn := flag.Bool("cnn", false, "shape each image (28, 28, 1), as the CNN takes it")
	printOnly := flag.Bool("print", false, "print the request body instead of sending it")
	flag.Parse()
	if err := run(os.Stdout, *addr, *model, *protocol, *scale, *cnn, *printOnly, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "serving_client:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, addr, model, protocol string, scale, cnn, printOnly bool, args []string) error {
	if protocol != "v1" && protocol != "v2" {
		return fmt.Errorf("-protocol must be v1 or v2, got %q", protocol)
	}
	if len(args) == 0 {
		return fmt.Errorf("missing INDEX (an image of the test set, 0 to 9999)")
	}
	_, _, xTest, yTest, err := mnist.LoadData()
	if err != nil {
		return err
	}
	var idx []int
	for _, a := range args {
		i, err := strconv.Atoi(a)
		if err != nil || i < 0 || i >= xTest.Len() {
			return fmt.Errorf("INDEX %q is not an image of the test set (0 to %d)", a, xTest.Len()-1)
		}
		idx = append(idx, i)
	}
	// The images, one nested list of rows each.
	images := make([]any, len(idx))
	var flat []float64
	for k, i := range idx {
		img := xTest.Row(i)
		rows := make([][]any, 28)
		for r := range rows {
			rows[r] = make([]any, 28)
			for c := range rows[r] {
				v := float64(img.Data[r*28+c])
				if scale {
					v /= 255
				}
				flat = append(flat, v)
				rows[r][c] = v
				if cnn {
					rows[r][c] = []float64{v}
				}
			}
		}
		images[k] = rows
	}
	var body any
	var url string
	if protocol == "v1" {
		body = map[string]any{"instances": images}
		url = "http://" + addr + "/v1/models/" + model + ":predict"
	} else {
		shape := []int{len(idx), 28, 28}
		if cnn {
			shape = append(shape, 1)
		}
		// The v2 input's name is the model's (neuron serve's metadata,
		// GET /v2/models/NAME, lists it): "input_layer" for a Sequential.
		body = map[string]any{"inputs": []any{map[string]any{"name": "input_layer", "shape": shape, "datatype": "FP32", "data": flat}}}
		url = "http://" + addr + "/v2/models/" + model + "/infer"
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	if printOnly {
		_, err := w.Write(append(b, '\n'))
		return err
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s %s", url, resp.Status, bytes.TrimSpace(rb))
	}
	var probs [][]float64
	if protocol == "v1" {
		var r struct{ Predictions [][]float64 }
		if err := json.Unmarshal(rb, &r); err != nil {
			return fmt.Errorf("the response: %v", err)
		}
		probs = r.Predictions
	} else {
		var r struct {
			Outputs []struct {
				Shape []int
				Data  []float64
			}
		}
		if err := json.Unmarshal(rb, &r); err != nil || len(r.Outputs) != 1 || len(r.Outputs[0].Shape) != 2 {
			return fmt.Errorf("the response is not one output of shape (n, classes): %s", rb)
		}
		n := r.Outputs[0].Shape[1]
		for k := range idx {
			probs = append(probs, r.Outputs[0].Data[k*n:(k+1)*n])
		}
	}
	if len(probs) != len(idx) {
		return fmt.Errorf("%d predictions for %d images", len(probs), len(idx))
	}
	for k, i := range idx {
		best := 0
		for c, p := range probs[k] {
			if p > probs[k][best] {
				best = c
			}
		}
		fmt.Fprintf(w, "X_test[%d]: predicted %d (p=%.4f), label %d\n", i, best, probs[k][best], yTest.Data[i])
	}
	return nil
}
