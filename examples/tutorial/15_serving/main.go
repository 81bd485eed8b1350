// Command 15_serving is the tutorial's chapter on serving: it serves a
// model saved by chapter 14's program over TensorFlow Serving's REST API
// with package serving, asks it for the class of the first test image, as a
// client of TensorFlow Serving would, and checks the answer against the
// model's own Predict.
//
// Usage:
//
//	go run ./examples/tutorial/15_serving [-model out/14_saving/mnist.safetensors] [-addr 127.0.0.1:8501] [-serve]
//
// -serve keeps the server running after the example request, until Ctrl-C.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"

	"github.com/neuron-go/neuron/datasets/mnist"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
	"github.com/neuron-go/neuron/serving"
)

func main() {
	model := flag.String("model", "out/14_saving/mnist.safetensors", "the model file to serve (go run ./examples/tutorial/14_saving writes it)")
	addr := flag.String("addr", "127.0.0.1:8501", "the address to listen on (TF Serving's REST port is 8501)")
	serve := flag.Bool("serve", false, "keep serving after the example request, until Ctrl-C")
	flag.Parse()
	if err := run(*model, *addr, *serve); err != nil {
		log.Fatal(err)
	}
}

func run(model, addr string, serve bool) error {
	// The server: one model, named mnist in the URLs. Its log lines are
	// kept for -serve, where they show each model version it loads.
	logger := slog.New(slog.DiscardHandler)
	if serve {
		logger = slog.Default()
	}
	srv, err := serving.New(serving.Config{
		Models: []serving.ModelConfig{{Name: "mnist", Path: model}},
		Logger: logger,
	})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	go srv.Serve(l)
	defer srv.Shutdown(context.Background())
	url := "http://" + l.Addr().String() + "/v1/models/mnist:predict"
	fmt.Println("serving", model, "at", url)

	// A client: the first test image, scaled as the model was trained, as
	// {"instances": [image]}.
	_, _, xTest, yTest, err := mnist.LoadData()
	if err != nil {
		return err
	}
	image := make([][]float32, 28)
	for r := range image {
		image[r] = make([]float32, 28)
		for c := range image[r] {
			image[r][c] = float32(xTest.Data[r*28+c]) / 255
		}
	}
	body, err := json.Marshal(map[string]any{"instances": [][][]float32{image}})
	if err != nil {
		return err
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Predictions [][]float64 `json:"predictions"`
		Error       string      `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || len(answer.Predictions) != 1 {
		return fmt.Errorf("%s: %s", resp.Status, answer.Error)
	}
	p := answer.Predictions[0]
	fmt.Printf("predictions[0]: %.4f\n", p)
	fmt.Printf("predicted %d, true %d\n", slices.Index(p, slices.Max(p)), yTest.Data[0])

	// The same image through the model's own Predict, in this process.
	m, err := saving.Load(model)
	if err != nil {
		return err
	}
	local, err := m.Predict(xTest.Slice(0, 1).DivScalar(255), models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		return err
	}
	same := len(p) == local.Size()
	for i, v := range local.Data() {
		same = same && float32(p[i]) == v
	}
	fmt.Println("the server's answer is the model's own Predict, bit for bit:", same)

	if serve {
		fmt.Println("serving until Ctrl-C")
		stop, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
		defer cancel()
		<-stop.Done()
	}
	return nil
}
