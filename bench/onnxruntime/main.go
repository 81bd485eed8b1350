// Command onnxruntime compares neuron's Predict with ONNX Runtime on the
// course models, in one run:
//
//	go run ./bench/onnxruntime
//
// It builds the ONNX graphs with graphs.py (Debian's python3-onnx, seeded
// random weights), runs ort.js under node with onnxruntime-node (found
// through NEURON_ORT_NODE_MODULES, default
// $HOME/.cache/neuron/npm/node_modules) for 1 and 2 intra-op threads, loads
// the same weights into neuron's course models, checks that both give the
// same outputs on 16 sample images, measures neuron with GOMAXPROCS 1 and
// 2, and prints both sides and their ratios:
//
//   - batch-1 latency p50 and p99 of one call. ONNX Runtime's figures have
//     the binding's own cost per call subtracted: the p50 of an Identity
//     graph with the same input, called the same way.
//   - batch-1024 throughput in images per second.
//
// Each thread count runs ONNX Runtime first and neuron right after, so both
// see about the same load; on a shared machine only the ratios of one run
// mean anything. -rounds N repeats that N times in turn and prints each
// figure's median, the ratios as the medians of each round's ratio.
package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

// ortResult is one line of ort.js's output.
type ortResult struct {
	Model         string    `json:"model"`
	Threads       int       `json:"threads"`
	P50           float64   `json:"p50_us"`
	P99           float64   `json:"p99_us"`
	IdentityP50   float64   `json:"identity_p50_us"`
	IdentityP99   float64   `json:"identity_p99_us"`
	Throughput    float64   `json:"batch1024_images_per_s"`
	SampleOutputs []float32 `json:"sample_outputs"`
}

// result is one side's figures for one model and thread count, latencies in µs.
type result struct {
	p50, p99, throughput float64
}

func main() {
	dir := flag.String("dir", "", "directory for the graphs (default: a new temporary directory)")
	threads := flag.String("threads", "1,2", "comma-separated thread counts")
	latencyCalls := flag.Int("latency-calls", 5000, "batch-1 calls timed for the latency quantiles")
	batchCalls := flag.Int("batch-calls", 20, "batch-1024 calls timed for the throughput")
	rounds := flag.Int("rounds", 1, "times each thread count is measured, ONNX Runtime and neuron in turn; the table shows each figure's median")
	python := flag.String("python", "/usr/bin/python3", "Python with onnx and numpy")
	node := flag.String("node", "node", "node executable")
	flag.Parse()
	if err := run(os.Stdout, *dir, *threads, *latencyCalls, *batchCalls, *rounds, *python, *node); err != nil {
		fmt.Fprintln(os.Stderr, "onnxruntime:", err)
		os.Exit(1)
	}
}

// run does the comparison and prints the table to w.
func run(w io.Writer, dir, threadList string, latencyCalls, batchCalls, rounds int, python, node string) error {
	if rounds < 1 {
		return fmt.Errorf("-rounds must be positive, got %d", rounds)
	}
	if latencyCalls < 1 {
		return fmt.Errorf("-latency-calls must be positive, got %d", latencyCalls)
	}
	if batchCalls < 1 {
		return fmt.Errorf("-batch-calls must be positive, got %d", batchCalls)
	}
	var counts []int
	for _, f := range strings.Split(threadList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return fmt.Errorf("-threads: %q is not a positive thread count", f)
		}
		counts = append(counts, n)
	}
	src, err := sourceDir()
	if err != nil {
		return err
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "neuron-ort-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	if out, err := exec.Command(python, filepath.Join(src, "graphs.py"), dir).CombinedOutput(); err != nil {
		return fmt.Errorf("graphs.py: %v\n%s", err, out)
	}
	nets, err := loadNets(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "neuron Predict vs ONNX Runtime (onnxruntime-node), %s, GOMAXPROCS/threads %s, %s\n",
		cpuName(), threadList, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	if rounds > 1 {
		fmt.Fprintf(w, "each figure the median of %d rounds, ONNX Runtime and neuron measured in turn\n", rounds)
	}
	fmt.Fprintf(w, "batch-1 latency in µs (ONNX Runtime minus its binding's cost per call, the p50 of an Identity graph); batch-1024 throughput in images/s\n\n")
	fmt.Fprintf(w, "%-5s %3s | %-22s %-22s %-11s | %-11s %-11s %-6s\n", "model", "thr",
		"ORT p50 / p99", "neuron p50 / p99", "ratio", "ORT img/s", "neuron", "ratio")
	for _, t := range counts {
		// Per model, each round's figures: ONNX Runtime's, neuron's, and
		// their ratios (neuron / ONNX Runtime).
		var theirs, ours, ratio [][]result
		for range rounds {
			ort, err := runORT(node, src, dir, t, latencyCalls, batchCalls)
			if err != nil {
				return err
			}
			var th, ou, ra []result
			for _, n := range nets {
				o, ok := ort[n.name]
				if !ok {
					return fmt.Errorf("ort.js printed no result for %s", n.name)
				}
				if err := n.check(o.SampleOutputs); err != nil {
					return err
				}
				r, err := n.measure(t, latencyCalls, batchCalls)
				if err != nil {
					return err
				}
				o1 := result{o.P50 - o.IdentityP50, o.P99 - o.IdentityP50, o.Throughput}
				th, ou = append(th, o1), append(ou, r)
				ra = append(ra, result{r.p50 / o1.p50, r.p99 / o1.p99, r.throughput / o1.throughput})
			}
			theirs, ours, ratio = append(theirs, th), append(ours, ou), append(ratio, ra)
		}
		for i, n := range nets {
			th, ou, ra := median(theirs, i), median(ours, i), median(ratio, i)
			fmt.Fprintf(w, "%-5s %3d | %-22s %-22s %-11s | %-11.0f %-11.0f %-6.2f\n", n.name, t,
				fmt.Sprintf("%.1f / %.1f", th.p50, th.p99),
				fmt.Sprintf("%.1f / %.1f", ou.p50, ou.p99),
				fmt.Sprintf("%.2f / %.2f", ra.p50, ra.p99),
				th.throughput, ou.throughput, ra.throughput)
		}
	}
	fmt.Fprintf(w, "\nratio: neuron / ONNX Runtime (latency: below 1 is neuron faster; throughput: above 1 is neuron faster)\n")
	return nil
}

// median returns, figure by figure, the median over the rounds of model
// i's results (the upper one of an even number). The ratios are medians of
// each round's ratio, not ratios of the medians: a round's two sides saw
// about the same load.
func median(rounds [][]result, i int) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rounds))
		for r := range rounds {
			v[r] = f(rounds[r][i])
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return result{
		pick(func(r result) float64 { return r.p50 }),
		pick(func(r result) float64 { return r.p99 }),
		pick(func(r result) float64 { return r.throughput }),
	}
}

// sourceDir finds this directory, where graphs.py and ort.js live.
func sourceDir() (string, error) {
	for _, d := range []string{".", "bench/onnxruntime"} {
		if _, err := os.Stat(filepath.Join(d, "ort.js")); err == nil {
			return filepath.Abs(d)
		}
	}
	return "", fmt.Errorf("graphs.py and ort.js not found: run from the repository root or bench/onnxruntime")
}

// runORT runs ort.js for one thread count and returns its results by model.
func runORT(node, src, dir string, threads, latencyCalls, batchCalls int) (map[string]ortResult, error) {
	mods := ortModules()
	if _, err := os.Stat(filepath.Join(mods, "onnxruntime-node")); err != nil {
		return nil, fmt.Errorf("onnxruntime-node not found in %s (set NEURON_ORT_NODE_MODULES; install with `npm install --ignore-scripts onnxruntime-node@1.30.0`)", mods)
	}
	cmd := exec.Command(node, filepath.Join(src, "ort.js"), dir, strconv.Itoa(threads), strconv.Itoa(latencyCalls), strconv.Itoa(batchCalls))
	cmd.Env = append(os.Environ(), "NODE_PATH="+mods)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("node ort.js: %v\n%s", err, stderr.Bytes())
	}
	res := map[string]ortResult{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r ortResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("ort.js printed %q: %v", sc.Text(), err)
		}
		res[r.Model] = r
	}
	return res, sc.Err()
}

// ortModules is the node_modules directory that holds onnxruntime-node.
func ortModules() string {
	if m := os.Getenv("NEURON_ORT_NODE_MODULES"); m != "" {
		return m
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "neuron", "npm", "node_modules")
}

// net is one course model with the graphs' weights.
type net struct {
	name   string
	model  *models.Sequential
	shape  []int // one example's shape in neuron (NHWC for the CNN)
	sample *tensor.Tensor
}

func loadNets(dir string) ([]*net, error) {
	raw, err := readFloats(filepath.Join(dir, "sample.f32"))
	if err != nil {
		return nil, err
	}
	nets := []*net{
		{name: "dnn", model: course.MNISTDNN(), shape: []int{28, 28}},
		{name: "cnn", model: course.FashionCNN(), shape: []int{28, 28, 1}},
	}
	for _, n := range nets {
		if err := n.model.Build(); err != nil {
			return nil, err
		}
		w, err := readFloats(filepath.Join(dir, n.name+".weights"))
		if err != nil {
			return nil, err
		}
		for _, t := range n.model.Weights() {
			d := t.Data()
			if len(w) < len(d) {
				return nil, fmt.Errorf("%s.weights holds fewer floats than the model's weights", n.name)
			}
			copy(d, w[:len(d)])
			w = w[len(d):]
		}
		if len(w) != 0 {
			return nil, fmt.Errorf("%s.weights holds %d floats more than the model's weights", n.name, len(w))
		}
		per := 28 * 28
		n.sample = tensor.FromSlice(raw, append([]int{len(raw) / per}, n.shape...)...)
	}
	return nets, nil
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

// check compares neuron's outputs on the sample with ONNX Runtime's: the
// same weights must give the same probabilities to float32 rounding.
func (n *net) check(want []float32) error {
	got, err := n.model.Predict(n.sample, models.PredictConfig{BatchSize: 16, Verbose: models.Silent})
	if err != nil {
		return err
	}
	g := got.Data()
	if len(g) != len(want) {
		return fmt.Errorf("%s: neuron gave %d outputs, ONNX Runtime %d", n.name, len(g), len(want))
	}
	for i := range g {
		if d := math.Abs(float64(g[i] - want[i])); !(d <= 1e-5) {
			return fmt.Errorf("%s: output %d is %v in neuron and %v in ONNX Runtime: the weights were not loaded alike", n.name, i, g[i], want[i])
		}
	}
	return nil
}

// measure times neuron's Predict on GOMAXPROCS threads, called as a user
// would: one Predict per batch.
func (n *net) measure(threads, latencyCalls, batchCalls int) (result, error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
	rng := rand.New(rand.NewPCG(1, 2))
	images := func(b int) *tensor.Tensor {
		d := make([]float32, b*28*28)
		for i := range d {
			d[i] = rng.Float32()
		}
		return tensor.FromSlice(d, append([]int{b}, n.shape...)...)
	}
	cfg1 := models.PredictConfig{BatchSize: 1, Verbose: models.Silent}
	x1 := images(1)
	for range min(500, latencyCalls) {
		if _, err := n.model.Predict(x1, cfg1); err != nil {
			return result{}, err
		}
	}
	t := make([]float64, latencyCalls)
	for i := range t {
		start := time.Now()
		if _, err := n.model.Predict(x1, cfg1); err != nil {
			return result{}, err
		}
		t[i] = float64(time.Since(start).Nanoseconds()) / 1e3
	}
	slices.Sort(t)
	q := func(p float64) float64 { return t[min(len(t)-1, int(p*float64(len(t))))] }

	const batch = 1024
	xb := images(batch)
	cfgB := models.PredictConfig{BatchSize: batch, Verbose: models.Silent}
	for range min(3, batchCalls) {
		if _, err := n.model.Predict(xb, cfgB); err != nil {
			return result{}, err
		}
	}
	start := time.Now()
	for range batchCalls {
		if _, err := n.model.Predict(xb, cfgB); err != nil {
			return result{}, err
		}
	}
	return result{q(0.5), q(0.99), float64(batchCalls*batch) / time.Since(start).Seconds()}, nil
}

// cpuName is /proc/cpuinfo's model name with its family and model.
func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	var name, fam, mod string
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case k == "model name" && name == "":
			name = v
		case k == "cpu family" && fam == "":
			fam = v
		case k == "model" && mod == "":
			mod = v
		}
	}
	return fmt.Sprintf("%s (family %s model %s, %d CPUs)", name, fam, mod, runtime.NumCPU())
}
