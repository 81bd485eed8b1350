package dashboard

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/tensor"
)

func newServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func get(t *testing.T, s *Server, path string, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", s.URL()+strings.TrimPrefix(path, "/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDefaultAddrIsLoopback(t *testing.T) {
	s := newServer(t, Config{})
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Fatalf("URL %q: want 127.0.0.1", s.URL())
	}
	s2 := newServer(t, Config{Addr: ":0"})
	if host, _, _ := net.SplitHostPort(s2.ln.Addr().String()); host != "127.0.0.1" {
		t.Fatalf("Addr \":0\" listens on %s, want 127.0.0.1", s2.ln.Addr())
	}
	for _, bad := range []string{"8050", "localhost", "127.0.0.1:x"} {
		if _, err := New(Config{Addr: bad}); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("Addr %q: error %v, want one naming it", bad, err)
		}
	}
	if _, err := New(Config{Hosts: []string{"evil.example:80"}}); err == nil || !strings.Contains(err.Error(), "Hosts") {
		t.Errorf("a Host with a port: error %v", err)
	}
}

// A page elsewhere that rebinds its name to 127.0.0.1 sends its own name
// as Host, and its own origin: both are refused.
func TestRefusesForeignHostAndOrigin(t *testing.T) {
	s := newServer(t, Config{Hosts: []string{"trainbox"}})
	port := s.ln.Addr().(*net.TCPAddr).Port
	cases := []struct {
		hdr  map[string]string
		want int
	}{
		{nil, 200},
		{map[string]string{"Host": fmt.Sprintf("localhost:%d", port)}, 200},
		{map[string]string{"Host": fmt.Sprintf("[::1]:%d", port)}, 200},
		{map[string]string{"Host": fmt.Sprintf("trainbox:%d", port)}, 200},
		{map[string]string{"Host": fmt.Sprintf("evil.example:%d", port)}, 403},
		{map[string]string{"Host": "rebind.127.0.0.1.nip.io"}, 403},
		{map[string]string{"Origin": "http://evil.example"}, 403},
		{map[string]string{"Origin": fmt.Sprintf("http://evil.example:%d", port)}, 403},
		{map[string]string{"Origin": "null"}, 403},
		{map[string]string{"Origin": fmt.Sprintf("http://127.0.0.1:%d", port)}, 200},
		{map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
	}
	for _, path := range []string{"/", "/api/runs", "/static/app.js"} {
		for _, c := range cases {
			if code, body := get(t, s, path, c.hdr); code != c.want {
				t.Errorf("GET %s with %v: status %d, want %d (%s)", path, c.hdr, code, c.want, strings.TrimSpace(body))
			}
		}
	}
	code, body := get(t, s, "/api/events", map[string]string{"Host": "evil.example"})
	if code != 403 || !strings.Contains(body, `"evil.example"`) {
		t.Errorf("events with a foreign Host: %d %q", code, body)
	}
	resp, err := http.Post(s.URL()+"api/runs", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", resp.StatusCode)
	}
	if code, _ := get(t, s, "/../../etc/passwd", nil); code == 200 {
		t.Errorf("a path outside the page was served")
	}
	if code, _ := get(t, s, "/static/../server.go", nil); code == 200 {
		t.Errorf("a source file was served")
	}
}

func TestPageIsSelfContained(t *testing.T) {
	s := newServer(t, Config{})
	_, page := get(t, s, "/", nil)
	for _, bad := range []string{"http://", "https://", "//cdn", "innerHTML"} {
		if strings.Contains(page, bad) {
			t.Errorf("index.html has %q: it must load nothing from elsewhere", bad)
		}
	}
	for _, f := range []string{"app.js", "app.css", "uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE"} {
		if code, body := get(t, s, "/static/"+f, nil); code != 200 || len(body) < 100 {
			t.Errorf("/static/%s: %d, %d bytes", f, code, len(body))
		}
	}
	_, js := get(t, s, "/static/app.js", nil)
	for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("} {
		if strings.Contains(js, bad) {
			t.Errorf("app.js uses %s: names must be written as text", bad)
		}
	}
	req, _ := http.NewRequest("GET", s.URL(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
}

// fakeModel is the callbacks.Model of a run fed by hand.
type fakeModel struct{ lr float64 }

func (*fakeModel) Weights() []*tensor.Tensor   { return nil }
func (f *fakeModel) LearningRate() float64     { return f.lr }
func (f *fakeModel) SetLearningRate(v float64) { f.lr = v }

// A browser that never reads its stream must not slow training: its
// updates are dropped, and it gets the whole state when it reads again.
func TestSlowClientNeverBlocks(t *testing.T) {
	s := newServer(t, Config{ClientBuffer: 8})
	// A client that sends the request and never reads the answer.
	conn, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/events HTTP/1.1\r\nHost: %s\r\n\r\n", s.ln.Addr())
	deadline := time.Now().Add(5 * time.Second)
	for !s.hasClients() {
		if time.Now().After(deadline) {
			t.Fatal("the client never connected")
		}
		time.Sleep(time.Millisecond)
	}
	r := s.NewRun("slow")
	m := &fakeModel{lr: 0.01}
	r.SetParams(map[string]int{"epochs": 1, "steps": 200000})
	if err := r.OnTrainBegin(m); err != nil {
		t.Fatal(err)
	}
	_ = r.OnEpochBegin(0)
	// With a long metric name each update is ~1 KB, so 200000 of them are
	// far more than the socket buffers hold: a blocking write would hang.
	long := strings.Repeat("m", 1000)
	done := make(chan time.Duration)
	go func() {
		start := time.Now()
		for i := range 200000 {
			_ = r.OnBatchEnd(i, callbacks.Logs{"loss": 1 / float64(i+1), long: 0.5})
		}
		done <- time.Since(start)
	}()
	select {
	case d := <-done:
		t.Logf("200000 steps in %v with a client that never reads; %d updates dropped", d, s.dropped.Load())
	case <-time.After(60 * time.Second):
		t.Fatal("training was blocked by a client that does not read")
	}
	if s.dropped.Load() == 0 {
		t.Fatal("no update was dropped for a client that never reads")
	}

	// A client that reads gets the whole state first.
	resp, err := http.Get(s.URL() + "api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ev, data := readEvent(t, bufio.NewReader(resp.Body))
	if ev != "snapshot" {
		t.Fatalf("first event %q, want snapshot", ev)
	}
	var snap struct{ Runs []runJSON }
	var raw struct {
		Runs []struct {
			Batches [][]*float64 `json:"batches"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	_ = snap
	if n := len(raw.Runs[0].Batches); n != 200000 {
		t.Fatalf("snapshot has %d batches, want 200000", n)
	}
	last := raw.Runs[0].Batches[199999]
	if *last[1] != 199999 || *last[2] != 0.01 || *last[3] != 1.0/200000 {
		t.Fatalf("last batch %v", deref(last))
	}
}

func deref(p []*float64) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = math.NaN()
		if v != nil {
			out[i] = *v
		}
	}
	return out
}

// readEvent reads one Server-Sent Event, skipping comments.
func readEvent(t *testing.T, r *bufio.Reader) (event string, data []byte) {
	t.Helper()
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading events: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && event != "":
			return event, data
		case strings.HasPrefix(line, "event: "):
			event = line[len("event: "):]
		case strings.HasPrefix(line, "data: "):
			data = append(data, line[len("data: "):]...)
		}
	}
}

// The updates of a Fit reach a browser in order, and their numbers are
// the History's.
func TestEventsFollowFit(t *testing.T) {
	s := newServer(t, Config{})
	resp, err := http.Get(s.URL() + "api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if ev, _ := readEvent(t, br); ev != "snapshot" {
		t.Fatalf("first event %q", ev)
	}
	x, y := toyData(96, 1)
	m := toyModel(t)
	run := s.NewRun("toy")
	h, err := m.Fit(x, y, models.FitConfig{Epochs: 2, BatchSize: 32, ValidationSplit: 0.25, Verbose: models.Silent, Callbacks: []callbacks.Callback{run}})
	if err != nil {
		t.Fatal(err)
	}
	var batches, epochs int
	var lastEpoch map[string]float64
	for epochs < 2 {
		ev, data := readEvent(t, br)
		switch ev {
		case "batch":
			var b struct {
				Index int
				Keys  []string
				Steps int
				Batch []float64
			}
			if err := json.Unmarshal(data, &b); err != nil {
				t.Fatal(err)
			}
			if b.Index != batches || b.Steps != 3 || strings.Join(b.Keys, ",") != "accuracy,loss" || b.Batch[2] != 0.001 {
				t.Fatalf("batch event %s (want index %d, 3 steps, lr 0.001)", data, batches)
			}
			batches++
		case "epoch":
			var e struct {
				Index  int
				Record struct {
					Epoch int
					Logs  map[string]float64
				}
			}
			if err := json.Unmarshal(data, &e); err != nil {
				t.Fatal(err)
			}
			if e.Index != epochs || e.Record.Epoch != epochs {
				t.Fatalf("epoch event %s", data)
			}
			lastEpoch = e.Record.Logs
			for k, v := range lastEpoch {
				if h.History[k][epochs] != v {
					t.Errorf("epoch %d %s: %v, history %v", epochs, k, v, h.History[k][epochs])
				}
			}
			epochs++
		}
	}
	if batches != 6 || len(lastEpoch) != 4 {
		t.Fatalf("%d batches and epoch keys %v, want 6 and loss, accuracy and their val_", batches, lastEpoch)
	}
	if ev, data := readEvent(t, br); ev != "run" || !strings.Contains(string(data), `"status":"finished"`) || !strings.Contains(string(data), "Total params: 1,091") {
		t.Fatalf("after Fit: %s %s", ev, data)
	}
	if err := run.OnTrainBegin(m); err == nil {
		t.Error("a run trained twice: no error")
	}
}

func TestNamesAreEscapedInJSON(t *testing.T) {
	s := newServer(t, Config{})
	s.AddHistory("<script>alert(1)</script>", &models.History{History: map[string][]float64{"</script><b>": {1}}, Epoch: []int{0}})
	_, body := get(t, s, "/api/runs", nil)
	if strings.Contains(body, "<") || !strings.Contains(body, `\u003cscript\u003ealert(1)\u003c/script\u003e`) {
		t.Fatalf("the names are not escaped: %s", body)
	}
}

func TestResults(t *testing.T) {
	s := newServer(t, Config{})
	r := s.NewRun("r")
	// Worked by hand: true 0,0,1,2,2 predicted 0,1,1,2,0.
	if err := r.SetResults(Results{Labels: []int{0, 0, 1, 2, 2}, Predicted: []int{0, 1, 1, 2, 0}, ClassNames: []string{"a", "b", "c"}}); err != nil {
		t.Fatal(err)
	}
	got := r.snapshot().Result
	want := [][]int{{1, 1, 0}, {0, 1, 0}, {1, 0, 1}}
	if fmt.Sprint(got.Confusion) != fmt.Sprint(want) || got.Accuracy != 0.6 || len(got.Samples) != 5 {
		t.Fatalf("confusion %v accuracy %v samples %d", got.Confusion, got.Accuracy, len(got.Samples))
	}
	for _, bad := range []Results{
		{Labels: []int{0}, Predicted: []int{0, 1}},
		{Labels: []int{-1}, Predicted: []int{0}},
		{Labels: []int{3}, Predicted: []int{0}, ClassNames: []string{"a"}},
		{Labels: []int{0}, Predicted: []int{0}, Confidence: []float64{1, 2}},
	} {
		if err := r.SetResults(bad); err == nil {
			t.Errorf("SetResults(%+v): no error", bad)
		}
	}
}

// A run's Classification data are predicted when training ends.
func TestClassificationAtTrainEnd(t *testing.T) {
	s := newServer(t, Config{})
	x, y := toyData(90, 2)
	m := toyModel(t)
	run := s.NewRun("toy")
	run.Classification = &Classification{X: x, Y: y, ClassNames: []string{"row", "column", "diagonal"}, Samples: 4}
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 3, Verbose: models.Silent, Callbacks: []callbacks.Callback{run}}); err != nil {
		t.Fatal(err)
	}
	res := run.snapshot().Result
	pred, err := m.Predict(x, models.PredictConfig{Verbose: models.Silent})
	if err != nil {
		t.Fatal(err)
	}
	am := pred.ArgMax()
	conf := make([][]int, 3)
	for i := range conf {
		conf[i] = make([]int, 3)
	}
	for i, p := range am {
		conf[int(y.Data()[i])][p]++
	}
	if fmt.Sprint(res.Confusion) != fmt.Sprint(conf) || len(res.Samples) != 4 || !strings.HasPrefix(res.Samples[0].Image, "data:image/png;base64,") {
		t.Fatalf("confusion %v, want %v; %d samples", res.Confusion, conf, len(res.Samples))
	}
	bad := s.NewRun("bad")
	bad.Classification = &Classification{X: x, Y: y.Reshape(45, 2)}
	if _, err := m.Fit(x, y, models.FitConfig{Epochs: 1, Verbose: models.Silent, Callbacks: []callbacks.Callback{bad}}); err == nil || !strings.Contains(err.Error(), "X has 90 examples but Y has 45") {
		t.Fatalf("mismatched Classification: %v", err)
	}
}

func TestOpenFile(t *testing.T) {
	s := newServer(t, Config{})
	dir := t.TempDir()
	// As Keras 3's CSVLogger writes a run with validation (its format:
	// epoch, then the sorted keys; Python's repr of each float; \r\n).
	csvPath := filepath.Join(dir, "log.csv")
	os.WriteFile(csvPath, []byte("epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.8125,0.5234375,0.75,NA\r\n1,0.9,0.25,0.875,0.3125\r\n"), 0o644)
	r, err := s.OpenFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	snap := r.snapshot()
	if len(snap.Epochs) != 2 || snap.Epochs[1].Logs["val_loss"] != 0.3125 || !math.IsNaN(float64(snap.Epochs[0].Logs["val_loss"])) || snap.Epochs[0].Logs["accuracy"] != 0.8125 {
		t.Fatalf("epochs %+v", snap.Epochs)
	}
	// Keras's json.dump(history.history), NaN as Python writes it.
	jsonPath := filepath.Join(dir, "h.json")
	os.WriteFile(jsonPath, []byte(`{"loss": [0.5, NaN, 0.25], "learning_rate": [0.01, 0.01, 0.001]}`), 0o644)
	r, err = s.OpenFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	snap = r.snapshot()
	if len(snap.Epochs) != 3 || snap.Epochs[2].Logs["loss"] != 0.25 || *snap.Epochs[2].LR != 0.001 {
		t.Fatalf("epochs %+v", snap.Epochs)
	}
	for name, content := range map[string]string{
		"bad.csv":  "epoch,loss\r\n0,abc\r\n",
		"bad2.csv": "epoch,loss\r\n0\r\n",
		"bad.json": `{"loss": "x"}`,
		"no.json":  `{}`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		if _, err := s.OpenFile(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %v, want one naming the file", name, err)
		}
	}
	if _, err := s.OpenFile(dir); err == nil {
		t.Error("a directory opened as a history")
	}
}

func FuzzParseHistory(f *testing.F) {
	f.Add([]byte("epoch,accuracy,loss\r\n0,0.5,1.0\r\n"), true)
	f.Add([]byte(`{"epoch": [0], "history": {"loss": [1.0, NaN]}}`), false)
	f.Add([]byte(`{"loss": [1, 2], "x": [Infinity]}`), false)
	f.Fuzz(func(t *testing.T, data []byte, isCSV bool) {
		h, _, err := parseHistory(data, isCSV)
		if err != nil {
			return
		}
		s := &Server{}
		r := s.addFinished("f", "f", h, nil)
		_ = marshal(r.snapshot())
	})
}
