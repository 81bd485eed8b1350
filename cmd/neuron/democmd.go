package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/neuron-go/neuron/serving"
	"github.com/neuron-go/neuron/serving/demo"
)

// demoOptions are demo's flags.
type demoOptions struct {
	out, addr, model, src string
	scale                 bool
}

const demoUsage = `Usage: neuron demo [-out DIR | -addr HOST:PORT] [-model FILE [-scale]] [-src DIR]

Builds the digit demo: a page on which you draw a digit and watch the
course's MNIST model's ten probabilities change as you draw. The model
runs in the page, compiled to WebAssembly from neuron's Go code, so the
page needs no server once loaded. Building needs the go command.

With -out, writes the page as plain files (index.html, demo.js,
wasm_exec.js, main.wasm, model.safetensors, config.json) into DIR, for any
static web server. Otherwise serves it at http://HOST:PORT/ until Ctrl-C.

-model puts another saved model of digits in the page (one taking 28×28
images, as "neuron train mnist -save FILE" makes); give -scale if it was
trained on pixels divided by 255 ("neuron train mnist -scale").
`

// demoFlags returns demo's flag set and the options it fills.
func demoFlags() (*flag.FlagSet, *demoOptions) {
	o := &demoOptions{}
	fs := newFlagSet("demo", demoUsage)
	fs.StringVar(&o.out, "out", "", "write the page's files into `DIR` instead of serving them")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "serve the page at `HOST:PORT`")
	fs.StringVar(&o.model, "model", "", "saved model `FILE` to put in the page (default: the course's MNIST model)")
	fs.BoolVar(&o.scale, "scale", false, "divide the pixels by 255, for a model trained with -scale")
	fs.StringVar(&o.src, "src", "", "neuron's source `DIR` to build main.wasm from (default: the one this program was built from)")
	return fs, o
}

// runDemo is "neuron demo": it builds the digit demo and writes or serves it.
func runDemo(args []string, s streams) error {
	fs, o := demoFlags()
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	addrSet := false
	fs.Visit(func(f *flag.Flag) { addrSet = addrSet || f.Name == "addr" })
	if o.out != "" && addrSet {
		return usagef("-out and -addr exclude each other: write files or serve them")
	}
	opts := demo.Options{Scale: o.scale, Source: o.src}
	if o.model != "" {
		if opts.Model, err = os.ReadFile(o.model); err != nil {
			return fmt.Errorf("-model: %w", err)
		}
	}
	var ln net.Listener
	if o.out == "" {
		// Listen first, so that a bad or busy address fails before the build.
		if ln, err = net.Listen("tcp", o.addr); err != nil {
			return usagef("-addr %q: %v", o.addr, err)
		}
		defer ln.Close()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintln(s.stderr, "building main.wasm…")
	site, err := demo.Build(ctx, opts)
	if err != nil {
		return err
	}
	if o.out != "" {
		if err := site.WriteDir(o.out); err != nil {
			return err
		}
		fmt.Fprintf(s.stdout, "wrote the demo to %s; serve that directory and open index.html\n", o.out)
		return nil
	}
	srv := &http.Server{Handler: site.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(s.stdout, "serving the digit demo at http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// The -demo flag of neuron serve: the digit demo at /demo/ next to the
// models' routes.
func init() {
	serveExtensions = append(serveExtensions, func(fs *flag.FlagSet) func(*serving.Server) error {
		on := fs.Bool("demo", false, "also serve the draw-a-digit page (see neuron demo) at /demo/; needs the go command")
		return func(srv *serving.Server) error {
			if !*on {
				return nil
			}
			site, err := demo.Build(context.Background(), demo.Options{})
			if err != nil {
				return fmt.Errorf("-demo: %w", err)
			}
			return srv.Handle("/demo/", http.StripPrefix("/demo", site.Handler()))
		}
	})
}
