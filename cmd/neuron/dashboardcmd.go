package main

import (
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/neuron-go/neuron/dashboard"
	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/tensor"
)

const dashboardUsage = `Usage: neuron dashboard FILE... [-addr 127.0.0.1:8050]

Serves the training dashboard in the browser for finished runs: each FILE
is a history.csv or history.json that "neuron train" writes, a file of
Keras's CSVLogger or Keras's json.dump(history.history). The runs are
drawn side by side, to compare them. It serves until Ctrl-C.

"neuron train PROGRAM -dashboard ADDR" shows a run live while it trains.
`

// dashboardOptions are dashboard's flags.
type dashboardOptions struct {
	addr string
}

// dashboardFlags returns dashboard's flag set and the options it fills.
func dashboardFlags() (*flag.FlagSet, *dashboardOptions) {
	o := &dashboardOptions{}
	fs := newFlagSet("dashboard", dashboardUsage)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8050", "serve at `host:port` (an empty host means 127.0.0.1; 0.0.0.0 serves every interface)")
	return fs, o
}

// runDashboard is "neuron dashboard FILE...".
func runDashboard(args []string, s streams) error {
	fs, o := dashboardFlags()
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("missing FILE (a history.csv or history.json)")
	}
	srv, err := dashboard.New(dashboard.Config{Addr: o.addr})
	if err != nil {
		return usagef("-addr %q: %v", o.addr, err)
	}
	defer srv.Close()
	for _, p := range pos {
		if _, err := srv.OpenFile(p); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.stderr, "dashboard: %s\n", srv.URL())
	waitInterrupt(s.stderr, fmt.Sprintf("neuron dashboard: serving %d run(s) at %s; Ctrl-C to quit", len(pos), srv.URL()))
	return nil
}

// startDashboard starts a dashboard server at addr, given by flag, and
// says where it is.
func startDashboard(flag, addr string, stderr io.Writer) (*dashboard.Server, error) {
	srv, err := dashboard.New(dashboard.Config{Addr: addr})
	if err != nil {
		return nil, usagef("%s %q: %v", flag, addr, err)
	}
	fmt.Fprintf(stderr, "dashboard: %s\n", srv.URL())
	return srv, nil
}

// waitInterrupt prints msg and waits for Ctrl-C (or SIGTERM).
func waitInterrupt(stderr io.Writer, msg string) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	fmt.Fprintln(stderr, msg)
	<-sig
}

// dashboardResults shows the test set's predictions with a run: the
// confusion matrix and the first 16 images.
func dashboardResults(run *dashboard.Run, xTest, yTest datasets.Uint8Array, pred *tensor.Tensor, predLabels []int, classes []string) error {
	n := yTest.Len()
	res := dashboard.Results{Labels: make([]int, n), Predicted: predLabels, ClassNames: classes}
	for i := range n {
		res.Labels[i] = int(yTest.Data[i])
		res.Confidence = append(res.Confidence, float64(pred.Row(i).Data()[predLabels[i]]))
	}
	if len(xTest.Shape) == 3 {
		h, w := xTest.Shape[1], xTest.Shape[2]
		for i := range min(16, n) {
			img := image.NewGray(image.Rect(0, 0, w, h))
			copy(img.Pix, xTest.Data[i*h*w:(i+1)*h*w])
			res.Images = append(res.Images, img)
		}
	}
	return run.SetResults(res)
}
