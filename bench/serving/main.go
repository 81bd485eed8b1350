// Command serving is the load test of neuron serve against ONNX Runtime
// behind node's http server, on the course's MNIST DNN and CNN:
//
//	go run ./bench/serving [-requests 3000] [-duration 10s] [-clients 1,8,64] [-soak 2m]
//
// What is compared. Both servers run on 127.0.0.1 as separate processes
// and get the same TF Serving predict requests over keep-alive HTTP/1.1:
// POST /v1/models/dnn:predict (or cnn) with {"instances": [IMAGE]}, one
// 28×28 image of 784 numbers per request (28×28×1 for the CNN), and answer
// {"predictions": [[10 probabilities]]}. Each side parses the JSON,
// predicts and writes JSON.
//
//   - neuron: "neuron serve" (built from this tree) serving the course's
//     models, first with no dynamic batching, then with -max-batch-size 32
//     -batch-timeout 1ms, which merges concurrent requests into one
//     Predictor call. Go uses both cores.
//   - ONNX Runtime: server.js, onnxruntime-node (NEURON_ORT_NODE_MODULES,
//     default $HOME/.cache/neuron/npm/node_modules) in node's http server,
//     one session.run per request, -ort-threads intra-op threads (1 by
//     default: concurrent requests already use the cores).
//
// The models are bench/onnxruntime's: graphs.py (Debian's python3-onnx)
// writes the ONNX graphs and the same seeded weights in Keras's layout,
// which are loaded into neuron's course models and saved for neuron serve;
// before timing, both servers' predictions for 16 sample images are
// checked against each other.
//
// For each model and number of concurrent clients, the load generator (in
// this process, on the same two cores as the servers) sends -requests
// requests, or as many as fit in -duration, after a warm-up, and reports
// the throughput (requests per second) and the p50 and p99 latency of a
// request. Any failed request (an error or a status other than 200) makes
// the run fail. -soak runs 64 clients against neuron serve with batching
// on the DNN for that long and reports the server's resident memory at
// the start and the end.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

// config holds the flags.
type config struct {
	requests   int
	duration   time.Duration
	clients    []int
	soak       time.Duration
	ortThreads int
	python     string
	node       string
	dir        string
	batch      int
	batchDelay time.Duration
}

func main() {
	var c config
	clients := flag.String("clients", "1,8,64", "comma-separated numbers of concurrent clients")
	flag.IntVar(&c.requests, "requests", 3000, "requests per measurement (at most)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "time per measurement (at most)")
	flag.DurationVar(&c.soak, "soak", 0, "after the tables, load neuron serve (batching, DNN, 64 clients) for this long and report its RSS (0: no soak)")
	flag.IntVar(&c.ortThreads, "ort-threads", 1, "ONNX Runtime intra-op threads")
	flag.IntVar(&c.batch, "max-batch-size", 32, "neuron serve's -max-batch-size in the batching runs")
	flag.DurationVar(&c.batchDelay, "batch-timeout", time.Millisecond, "neuron serve's -batch-timeout in the batching runs")
	flag.StringVar(&c.python, "python", "/usr/bin/python3", "Python with onnx and numpy, for graphs.py")
	flag.StringVar(&c.node, "node", "node", "node executable")
	flag.StringVar(&c.dir, "dir", "", "directory for the models and the neuron binary (default: a new temporary directory)")
	flag.Parse()
	for f := range strings.SplitSeq(*clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 || n > 1024 {
			fmt.Fprintf(os.Stderr, "serving: -clients: want numbers from 1 to 1024, got %q\n", f)
			os.Exit(2)
		}
		c.clients = append(c.clients, n)
	}
	if c.requests <= 0 || c.duration <= 0 || c.soak < 0 || c.ortThreads <= 0 || c.batch < 2 {
		fmt.Fprintln(os.Stderr, "serving: -requests, -duration, -ort-threads must be positive, -soak >= 0, -max-batch-size >= 2")
		os.Exit(2)
	}
	if err := run(os.Stdout, c); err != nil {
		fmt.Fprintln(os.Stderr, "serving:", err)
		os.Exit(1)
	}
}

// stats are one measurement's figures.
type stats struct {
	n, failed int
	rps       float64
	p50, p99  time.Duration
}

func run(w io.Writer, c config) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	dir := c.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "neuron-serving-bench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	mods := ortModules()
	if _, err := os.Stat(filepath.Join(mods, "onnxruntime-node")); err != nil {
		return fmt.Errorf("onnxruntime-node not found in %s (set NEURON_ORT_NODE_MODULES; install with `npm install --ignore-scripts onnxruntime-node@1.30.0`)", mods)
	}
	if out, err := exec.Command(c.python, filepath.Join(root, "bench", "onnxruntime", "graphs.py"), dir).CombinedOutput(); err != nil {
		return fmt.Errorf("graphs.py: %v\n%s", err, out)
	}
	if err := saveModels(dir); err != nil {
		return err
	}
	neuronBin := filepath.Join(dir, "neuron")
	build := exec.Command("go", "build", "-o", neuronBin, "./cmd/neuron")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building neuron: %v\n%s", err, out)
	}
	sample, err := readFloats(filepath.Join(dir, "sample.f32"))
	if err != nil {
		return err
	}
	bodies := map[string][]byte{"dnn": instances(sample[:784], false), "cnn": instances(sample[:784], true)}

	ort, err := startORT(c.node, filepath.Join(root, "bench", "serving", "server.js"), dir, mods, c.ortThreads)
	if err != nil {
		return err
	}
	defer ort.stop()
	plain, err := startNeuron(neuronBin, dir)
	if err != nil {
		return err
	}
	defer plain.stop()
	if err := crossCheck(plain.url, ort.url, sample); err != nil {
		return err
	}

	fmt.Fprintf(w, "serving load test: %s, %d CPUs, %s, node %s, onnxruntime-node %s (%d intra-op thread(s))\n",
		cpuName(), runtime.NumCPU(), runtime.Version(), commandVersion(c.node), ortVersion(mods), c.ortThreads)
	fmt.Fprintf(w, "each request: TF Serving predict, 1 image as JSON (%d bytes DNN, %d CNN); at most %d requests or %v per row\n\n",
		len(bodies["dnn"]), len(bodies["cnn"]), c.requests, c.duration)
	results := map[string]stats{} // key: side/model/clients
	measure := func(side, url string) error {
		for _, model := range []string{"dnn", "cnn"} {
			for _, n := range c.clients {
				s := load(url+"/v1/models/"+model+":predict", bodies[model], n, c.requests, c.duration)
				if s.failed > 0 {
					return fmt.Errorf("%s %s, %d clients: %d of %d requests failed", side, model, n, s.failed, s.n)
				}
				results[side+"/"+model+"/"+strconv.Itoa(n)] = s
			}
		}
		return nil
	}
	// ONNX Runtime and neuron without batching run while both servers are
	// up; then neuron's server is replaced by one that batches.
	if err := measure("ort", ort.url); err != nil {
		return err
	}
	if err := measure("neuron", plain.url); err != nil {
		return err
	}
	plain.stop()
	batched, err := startNeuron(neuronBin, dir, "-max-batch-size", strconv.Itoa(c.batch), "-batch-timeout", c.batchDelay.String())
	if err != nil {
		return err
	}
	defer batched.stop()
	if err := measure("batched", batched.url); err != nil {
		return err
	}

	fmt.Fprintf(w, "%-5s %7s | %-24s | %-24s | %-24s | %s\n", "model", "clients", "ONNX Runtime (node http)", "neuron serve", fmt.Sprintf("neuron, batching %d", c.batch), "req/s ratio")
	fmt.Fprintf(w, "%-5s %7s | %-24s | %-24s | %-24s | %s\n", "", "", " req/s      p50      p99", " req/s      p50      p99", " req/s      p50      p99", "neuron/ORT, batching/ORT")
	total := 0
	for _, model := range []string{"dnn", "cnn"} {
		for _, n := range c.clients {
			k := "/" + model + "/" + strconv.Itoa(n)
			o, p, b := results["ort"+k], results["neuron"+k], results["batched"+k]
			total += o.n + p.n + b.n
			fmt.Fprintf(w, "%-5s %7d | %s | %s | %s | %.2f, %.2f\n", model, n, o, p, b, p.rps/o.rps, b.rps/o.rps)
		}
	}
	fmt.Fprintf(w, "\n%d requests, 0 failed. Latency is the time from sending a request to reading its whole response, on the client.\n", total)

	if c.soak > 0 {
		url := batched.url + "/v1/models/dnn:predict"
		load(url, bodies["dnn"], 64, 2000, c.duration) // warm up
		start := rss(batched.cmd.Process.Pid)
		s := load(url, bodies["dnn"], 64, math.MaxInt32, c.soak)
		end := rss(batched.cmd.Process.Pid)
		fmt.Fprintf(w, "soak: neuron serve with batching, DNN, 64 clients for %v: %d requests, %d failed, %.0f req/s, p50 %v p99 %v; RSS %s at the start, %s at the end\n",
			c.soak, s.n, s.failed, s.rps, s.p50.Round(time.Microsecond), s.p99.Round(time.Microsecond), mib(start), mib(end))
		if s.failed > 0 {
			return fmt.Errorf("soak: %d of %d requests failed", s.failed, s.n)
		}
	}
	return nil
}

// String formats a row's cell.
func (s stats) String() string {
	return fmt.Sprintf("%6.0f %8s %8s", s.rps, fmtDur(s.p50), fmtDur(s.p99))
}

func fmtDur(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%dµs", d.Microseconds())
	}
	return fmt.Sprintf("%.2fms", float64(d)/1e6)
}

// load sends body to url from clients goroutines until requests requests
// are done or the time is up, after a warm-up of a few requests per
// client.
func load(url string, body []byte, clients, requests int, limit time.Duration) stats {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	send := func() (time.Duration, bool) {
		start := time.Now()
		resp, err := client.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, false
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start), err == nil && resp.StatusCode == http.StatusOK
	}
	var wg sync.WaitGroup
	for range clients { // warm-up: a connection per client, the servers' caches
		wg.Go(func() {
			for range 5 {
				send()
			}
		})
	}
	wg.Wait()
	var next, failed atomic.Int64
	lat := make([][]time.Duration, clients)
	deadline := time.Now().Add(limit)
	start := time.Now()
	for i := range clients {
		wg.Go(func() {
			for next.Add(1) <= int64(requests) && time.Now().Before(deadline) {
				d, ok := send()
				if !ok {
					failed.Add(1)
					continue
				}
				lat[i] = append(lat[i], d)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	s := stats{n: len(all) + int(failed.Load()), failed: int(failed.Load())}
	if len(all) > 0 {
		s.rps = float64(len(all)) / elapsed.Seconds()
		s.p50 = all[len(all)/2]
		s.p99 = all[min(len(all)-1, len(all)*99/100)]
	}
	return s
}

// instances is a TF Serving predict body for one image: rows of 28
// numbers, each a list of one channel for the CNN.
func instances(img []float32, channel bool) []byte {
	var b bytes.Buffer
	b.WriteString(`{"instances": [[`)
	for r := range 28 {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('[')
		for c := range 28 {
			if c > 0 {
				b.WriteByte(',')
			}
			v := strconv.FormatFloat(float64(img[28*r+c]), 'g', -1, 32)
			if channel {
				v = "[" + v + "]"
			}
			b.WriteString(v)
		}
		b.WriteByte(']')
	}
	b.WriteString("]]}")
	return b.Bytes()
}

// crossCheck sends the 16 sample images to both servers and compares
// their predictions: the same weights must give the same probabilities
// to float32 rounding.
func crossCheck(neuronURL, ortURL string, sample []float32) error {
	for _, model := range []string{"dnn", "cnn"} {
		var parts []string
		for i := 0; i < len(sample)/784; i++ {
			b := instances(sample[784*i:784*(i+1)], model == "cnn")
			parts = append(parts, string(b[len(`{"instances": [`):len(b)-2]))
		}
		body := []byte(`{"instances": [` + strings.Join(parts, ",") + "]}")
		var got [2][][]float64
		for i, url := range []string{neuronURL, ortURL} {
			resp, err := http.Post(url+"/v1/models/"+model+":predict", "application/json", bytes.NewReader(body))
			if err != nil {
				return err
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var r struct{ Predictions [][]float64 }
			if resp.StatusCode != 200 || json.Unmarshal(raw, &r) != nil {
				return fmt.Errorf("cross-check %s: %s answered %s %.200s", model, url, resp.Status, raw)
			}
			got[i] = r.Predictions
		}
		if len(got[0]) != 16 || len(got[1]) != 16 {
			return fmt.Errorf("cross-check %s: %d and %d predictions for 16 images", model, len(got[0]), len(got[1]))
		}
		for i := range got[0] {
			for j := range got[0][i] {
				if d := math.Abs(got[0][i][j] - got[1][i][j]); d > 1e-5 || len(got[1][i]) != 10 {
					return fmt.Errorf("cross-check %s: image %d class %d: neuron %v, ONNX Runtime %v", model, i, j, got[0][i][j], got[1][i][j])
				}
			}
		}
	}
	return nil
}

// saveModels loads graphs.py's weights into the course's models and saves
// them as dnn.safetensors and cnn.safetensors for neuron serve.
func saveModels(dir string) error {
	for name, m := range map[string]*models.Sequential{"dnn": course.MNISTDNN(), "cnn": course.FashionCNN()} {
		if err := m.Build(); err != nil {
			return err
		}
		w, err := readFloats(filepath.Join(dir, name+".weights"))
		if err != nil {
			return err
		}
		for _, t := range m.Weights() {
			d := t.Data()
			if len(w) < len(d) {
				return fmt.Errorf("%s.weights holds fewer floats than the model's weights", name)
			}
			copy(d, w[:len(d)])
			w = w[len(d):]
		}
		if len(w) != 0 {
			return fmt.Errorf("%s.weights holds %d floats more than the model's weights", name, len(w))
		}
		if err := saving.Save(m, filepath.Join(dir, name+".safetensors")); err != nil {
			return err
		}
	}
	return nil
}

func readFloats(path string) ([]float32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%s: %d bytes is not a whole number of float32s", path, len(b))
	}
	f := make([]float32, len(b)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return f, nil
}

// server is a server process under test.
type server struct {
	cmd  *exec.Cmd
	url  string
	once sync.Once
}

func (s *server) stop() {
	s.once.Do(func() {
		s.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { s.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-done
		}
	})
}

// start runs cmd and waits for a line of its output (stdout or stderr)
// from which find extracts the address it listens on.
func start(cmd *exec.Cmd, stderr bool, find func(line string) string) (*server, error) {
	var pipe io.ReadCloser
	var err error
	var errBuf bytes.Buffer
	if stderr {
		pipe, err = cmd.StderrPipe()
	} else {
		cmd.Stderr = &errBuf
		pipe, err = cmd.StdoutPipe()
	}
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		found := false
		for sc.Scan() {
			if a := find(sc.Text()); a != "" && !found {
				found = true
				addr <- a
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if ok {
			s.url = "http://" + a
			return s, nil
		}
	case <-time.After(2 * time.Minute):
	}
	s.stop()
	return nil, fmt.Errorf("%s did not start: %s", filepath.Base(cmd.Path), errBuf.Bytes())
}

var servingLine = regexp.MustCompile(`msg=serving address=(127\.0\.0\.1:[0-9]+)`)

func startNeuron(bin, dir string, flags ...string) (*server, error) {
	args := append([]string{"serve", "-addr", "127.0.0.1:0", "-poll", "0"}, flags...)
	args = append(args, filepath.Join(dir, "dnn.safetensors"), filepath.Join(dir, "cnn.safetensors"))
	cmd := exec.Command(bin, args...)
	return start(cmd, true, func(l string) string {
		if m := servingLine.FindStringSubmatch(l); m != nil {
			return m[1]
		}
		return ""
	})
}

func startORT(node, script, dir, mods string, threads int) (*server, error) {
	cmd := exec.Command(node, script, dir, strconv.Itoa(threads))
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	return start(cmd, false, func(l string) string {
		var v struct{ Port int }
		if json.Unmarshal([]byte(l), &v) == nil && v.Port > 0 {
			return "127.0.0.1:" + strconv.Itoa(v.Port)
		}
		return ""
	})
}

// repoRoot finds the repository's root from the working directory.
func repoRoot() (string, error) {
	for _, d := range []string{".", "../..", ".."} {
		if _, err := os.Stat(filepath.Join(d, "bench", "onnxruntime", "graphs.py")); err == nil {
			return filepath.Abs(d)
		}
	}
	return "", errors.New("run from the repository root or bench/serving")
}

// ortModules is the node_modules directory that holds onnxruntime-node.
func ortModules() string {
	if m := os.Getenv("NEURON_ORT_NODE_MODULES"); m != "" {
		return m
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "neuron", "npm", "node_modules")
}

func ortVersion(mods string) string {
	b, err := os.ReadFile(filepath.Join(mods, "onnxruntime-node", "package.json"))
	var v struct{ Version string }
	if err != nil || json.Unmarshal(b, &v) != nil {
		return "?"
	}
	return v.Version
}

func commandVersion(cmd string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, cmd, "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

func cpuName() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for line := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// rss returns a process's resident set size in bytes from /proc, or -1.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil && len(f) == 2 && f[1] == "kB" {
				return n << 10
			}
		}
	}
	return -1
}

func mib(n int64) string {
	if n < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}
