package main

import (
	"bufio"
	"bytes"
	"context"
	binpkg "encoding/binary"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neuron-go/neuron/internal/tfevent"
)

// served is a neuron command that serves a dashboard until interrupted.
type served struct {
	cmd    *exec.Cmd
	url    string
	stderr *syncBuffer
	done   chan error
}

// syncBuffer is a bytes.Buffer that the command writes while the test
// reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// serve starts neuron with args in dir and waits for the dashboard's URL.
func serve(t *testing.T, dir string, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	cmd.Stderr = io.MultiWriter(pw, stderr)
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd, stderr: stderr, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); pw.Close() }()
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if u, ok := strings.CutPrefix(sc.Text(), "dashboard: "); ok {
			s.url = u
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if s.url == "" {
		t.Fatalf("neuron %s printed no dashboard URL:\n%s", strings.Join(args, " "), stderr.String())
	}
	return s
}

// runs fetches the dashboard's runs.
func (s *served) runs(t *testing.T) []map[string]any {
	t.Helper()
	resp, err := http.Get(s.url + "api/runs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Runs []map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Runs
}

// stop interrupts the command, once it waits for Ctrl-C, and checks
// that it exits cleanly.
func (s *served) stop(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !strings.Contains(s.stderr.String(), "until Ctrl-C") && !strings.Contains(s.stderr.String(), "Ctrl-C to quit"); {
		if time.Now().After(deadline) {
			t.Fatalf("neuron never waited for Ctrl-C:\n%s", s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := <-s.done; err != nil {
		t.Fatalf("after Ctrl-C: %v\n%s", err, s.stderr.String())
	}
}

func TestDashboardCommand(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.csv"), []byte("epoch,accuracy,loss\r\n0,0.5,1.0\r\n1,0.75,0.5\r\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{"epoch": [0], "history": {"loss": [0.25]}}`), 0o644)
	s := serve(t, dir, "dashboard", "a.csv", "b.json", "-addr", ":0")
	if !strings.HasPrefix(s.url, "http://127.0.0.1:") {
		t.Errorf("-addr :0 serves at %s, want 127.0.0.1", s.url)
	}
	runs := s.runs(t)
	if len(runs) != 2 || runs[0]["name"] != "a.csv" || runs[1]["name"] != "b.json" {
		t.Fatalf("runs %v", runs)
	}
	ep := runs[0]["epochs"].([]any)
	if len(ep) != 2 || ep[1].(map[string]any)["logs"].(map[string]any)["loss"] != 0.5 {
		t.Fatalf("a.csv epochs %v", ep)
	}
	s.stop(t)

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"dashboard"}, "missing FILE"},
		{[]string{"dashboard", "nope.csv", "-addr", ":0"}, "nope.csv"},
		{[]string{"dashboard", "a.csv", "-addr", "nohost"}, `-addr "nohost"`},
		{[]string{"train", "mnist", "-dashboard", ""}, "-dashboard must not be empty"},
		{[]string{"train", "mnist", "-dashboard", "x"}, `-dashboard "x"`},
	} {
		r := neuron(t, dir, nil, c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("neuron %s: status %d, stderr %q, want %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
	}
}

// TestTrainDashboard trains with -dashboard and checks that the page's
// data are the run's history and test predictions.
func TestTrainDashboard(t *testing.T) {
	needData(t, "mnist")
	dir := t.TempDir()
	s := serve(t, dir, "train", "mnist", "-epochs", "2", "-limit", "300", "-verbose", "0", "-dashboard", "127.0.0.1:0")
	var run map[string]any
	deadline := time.Now().Add(90 * time.Second)
	for {
		runs := s.runs(t)
		if len(runs) == 1 && runs[0]["result"] != nil {
			run = runs[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run never finished: %v\n%s", runs, s.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.stop(t)
	b, err := os.ReadFile(filepath.Join(dir, "out", "mnist", "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ History map[string][]float64 }
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	ep := run["epochs"].([]any)
	if run["name"] != "mnist" || run["status"] != "finished" || len(ep) != 2 || !strings.Contains(run["summary"].(string), "203,530") {
		t.Fatalf("run %v", run)
	}
	for i, e := range ep {
		for k, v := range e.(map[string]any)["logs"].(map[string]any) {
			if h.History[k][i] != v.(float64) {
				t.Errorf("epoch %d %s: dashboard %v, history.json %v", i, k, v, h.History[k][i])
			}
		}
	}
	res := run["result"].(map[string]any)
	total := 0.0
	for _, row := range res["confusion"].([]any) {
		for _, c := range row.([]any) {
			total += c.(float64)
		}
	}
	if total != 300 || len(res["samples"].([]any)) != 16 || len(run["batches"].([]any)) != 20 {
		t.Errorf("confusion total %v, %d samples, %d batches (want 300, 16, 20)", total, len(res["samples"].([]any)), len(run["batches"].([]any)))
	}
}

// TestTrainTensorBoard checks the TensorBoard logs of a run against its
// history.json.
func TestTrainTensorBoard(t *testing.T) {
	needData(t, "fashion")
	dir := t.TempDir()
	args := []string{"train", "fashion", "-epochs", "2", "-limit", "300", "-verbose", "0", "-tensorboard", "tb"}
	r := neuron(t, dir, nil, args...)
	wantOK(t, r, strings.Join(args, " "))
	b, err := os.ReadFile(filepath.Join(dir, "out", "fashion", "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ History map[string][]float64 }
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	read := func(sub string) map[string]map[int64]*tfevent.Summary_Value {
		out := map[string]map[int64]*tfevent.Summary_Value{}
		files, _ := filepath.Glob(filepath.Join(dir, "tb", sub, "events.out.tfevents.*"))
		for _, f := range files {
			data, _ := os.ReadFile(f)
			evs, err := tfevent.ReadEvents(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				for _, v := range e.GetSummary().GetValue() {
					if out[v.Tag] == nil {
						out[v.Tag] = map[int64]*tfevent.Summary_Value{}
					}
					out[v.Tag][e.Step] = v
				}
			}
		}
		return out
	}
	train, val := read("train"), read("validation")
	scalar := func(v *tfevent.Summary_Value) float64 {
		if v == nil || len(v.GetTensor().GetTensorContent()) != 4 {
			return math.NaN()
		}
		return float64(math.Float32frombits(binpkg.LittleEndian.Uint32(v.GetTensor().GetTensorContent())))
	}
	for e := range 2 {
		for tag, k := range map[string]string{"epoch_loss": "loss", "epoch_accuracy": "accuracy"} {
			if got, want := scalar(train[tag][int64(e)]), float64(float32(h.History[k][e])); got != want {
				t.Errorf("train %s epoch %d: %v, history %v", tag, e, got, want)
			}
			if got, want := scalar(val[tag][int64(e)]), float64(float32(h.History["val_"+k][e])); got != want {
				t.Errorf("validation %s epoch %d: %v, history %v", tag, e, got, want)
			}
		}
	}
	if train["dense/kernel/histogram"][1] == nil {
		t.Error("no histogram of dense/kernel at epoch 1")
	}
	for _, tag := range []string{"predictions", "confusion_matrix"} {
		img := val[tag][1].GetTensor().GetStringVal()
		if len(img) != 3 || !bytes.HasPrefix(img[2], []byte("\x89PNG")) {
			t.Errorf("validation image %q at step 1: %d strings", tag, len(img))
		}
	}
}
