package serving_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neuron-go/neuron/internal/course"
	"github.com/neuron-go/neuron/serving"
)

// endless is a request body of n bytes that counts what was read of it.
type endless struct {
	n, read int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), e.n-e.read)
	for i := range k {
		p[i] = ' '
	}
	atomic.AddInt64(&e.read, k)
	return int(k), nil
}

// TestBodyLimit checks that a body over MaxBodyBytes is a 413 without
// being read whole: at once when its Content-Length says so, and after
// the limit when it comes in chunks of unknown length.
func TestBodyLimit(t *testing.T) {
	_, ts, _ := testServer(t, serving.Config{MaxBodyBytes: 1 << 10})
	for _, chunked := range []bool{false, true} {
		body := &endless{n: 64 << 20}
		req, err := http.NewRequest("POST", ts.URL+"/v1/models/sensors:predict", body)
		if err != nil {
			t.Fatal(err)
		}
		if !chunked {
			req.ContentLength = body.n
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			// The server may close the connection while the client still
			// writes; the status must still have been sent.
			t.Fatalf("chunked=%v: %v", chunked, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), `over the limit of 1024 bytes`) {
			t.Errorf("chunked=%v: %d %s, want 413", chunked, resp.StatusCode, b)
		}
		if read := atomic.LoadInt64(&body.read); read > 8<<20 {
			t.Errorf("chunked=%v: %d bytes of the body were sent before the 413, want far fewer than 64 MiB", chunked, read)
		}
	}
}

// TestSlowClient checks that a client that sends its headers a byte at a
// time (slowloris) is cut off by ReadHeaderTimeout.
func TestSlowClient(t *testing.T) {
	dir := t.TempDir()
	save(t, halfPlusThree(t, 3), filepath.Join(dir, "m.safetensors"))
	s, err := serving.New(serving.Config{
		Models:            []serving.ModelConfig{{Path: filepath.Join(dir, "m.safetensors")}},
		ReadHeaderTimeout: 200 * time.Millisecond,
		ReadTimeout:       400 * time.Millisecond,
		Logger:            slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	defer s.Shutdown(context.Background())
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	if _, err := c.Write([]byte("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	// Trickle a header that never ends.
	var werr error
	for i := 0; i < 50 && werr == nil; i++ {
		time.Sleep(50 * time.Millisecond)
		_, werr = c.Write([]byte("X"))
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1024)
	_, rerr := c.Read(buf)
	if werr == nil && rerr == nil {
		t.Fatal("the slow connection is still open")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the slow connection was cut after %v, want about 200ms", d)
	}

	// A body trickled a byte at a time is cut by ReadTimeout.
	c2, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	start = time.Now()
	if _, err := c2.Write([]byte("POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")); err != nil {
		t.Fatal(err)
	}
	done := make(chan string, 1)
	go func() {
		c2.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(c2)
		done <- string(b)
	}()
	for i := 0; i < 40; i++ {
		time.Sleep(50 * time.Millisecond)
		if _, err := c2.Write([]byte(" ")); err != nil {
			break
		}
	}
	got := <-done
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the slow body was cut after %v, want about 400ms", d)
	}
	if got != "" && !strings.Contains(got, "400 Bad Request") {
		t.Errorf("the slow body got %q", got)
	}
}

// TestPanicInHandler checks that a panic in a request is a 500 with the
// error body, logged, and that the server keeps serving.
func TestPanicInHandler(t *testing.T) {
	s, ts, logs := testServer(t, serving.Config{})
	if err := s.Handle("/boom", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("kaboom") })); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/v1/models/x", "GET /v2/health/ready", "/metrics", "/", "/boom"} {
		if err := s.Handle(p, http.NotFoundHandler()); err == nil {
			t.Errorf("Handle(%q) replaced a route", p)
		}
	}
	code, body := do(t, "GET", ts.URL+"/boom", "")
	if code != 500 || body != `{"error":"internal error"}`+"\n" {
		t.Errorf("panic: %d %s", code, body)
	}
	if !strings.Contains(logs.String(), `"panic":"kaboom"`) {
		t.Errorf("the panic is not logged: %s", logs)
	}
	if code, _ := do(t, "GET", ts.URL+"/v2/health/live", ""); code != 200 {
		t.Errorf("after the panic: %d", code)
	}
}

// TestDynamicBatching sends concurrent requests to a server that merges
// them and checks that the batches were merged (the batch size histogram)
// and that every answer is the request's own.
func TestDynamicBatching(t *testing.T) {
	s, ts, _ := testServer(t, serving.Config{MaxBatchSize: 16, BatchTimeout: 50 * time.Millisecond})
	_ = s
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			// Each request has 1 or 2 rows: x and x+1, answered x/2+3.
			x := float64(i)
			body := fmt.Sprintf(`{"instances": [[%v], [%v]]}`, x, x+1)
			want := fmt.Sprintf(`{"predictions":[[%v],[%v]]}`+"\n", x/2+3, (x+1)/2+3)
			if i%3 == 0 {
				body = fmt.Sprintf(`{"instances": [[%v]]}`, x)
				want = fmt.Sprintf(`{"predictions":[[%v]]}`+"\n", x/2+3)
			}
			resp, err := http.Post(ts.URL+"/v1/models/half_plus_three:predict", "application/json", strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != want {
				errs <- fmt.Errorf("request %d: %d %s, want %s", i, resp.StatusCode, b, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, metrics := do(t, "GET", ts.URL+"/metrics", "")
	count, sum := histogram(t, metrics, `neuron_serving_batch_size`, `model="half_plus_three"`)
	if sum != 20 || count >= n {
		t.Errorf("%v batches of %v rows in all, want 20 rows in fewer than %d batches", count, sum, n)
	}
}

// histogram returns the count and sum of a histogram's series.
func histogram(t *testing.T, metrics, name, labels string) (count, sum float64) {
	t.Helper()
	for _, line := range strings.Split(metrics, "\n") {
		var v float64
		if strings.HasPrefix(line, name+"_count{"+labels+"}") {
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
			count = v
		}
		if strings.HasPrefix(line, name+"_sum{"+labels+"}") {
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
			sum = v
		}
	}
	return count, sum
}

// TestMetrics checks the request counter and latency histogram.
func TestMetrics(t *testing.T) {
	_, ts, _ := testServer(t, serving.Config{})
	do(t, "POST", ts.URL+"/v1/models/half_plus_three:predict", `{"instances": [[1]]}`)
	do(t, "POST", ts.URL+"/v1/models/half_plus_three:predict", `{"instances": [[1]]}`)
	do(t, "POST", ts.URL+"/v2/models/half_plus_three/infer", `{`)
	_, m := do(t, "GET", ts.URL+"/metrics", "")
	for _, want := range []string{
		`neuron_serving_requests_total{code="200",model="half_plus_three",protocol="tfserving"} 2`,
		`neuron_serving_requests_total{code="400",model="half_plus_three",protocol="v2"} 1`,
		`neuron_serving_request_duration_seconds_count{model="half_plus_three",protocol="tfserving"} 2`,
		`neuron_serving_batch_size_count{model="half_plus_three"} 2`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics has no line %s", want)
		}
	}
}

// TestVersions checks TF Serving's directory layout: the latest version
// is served, the others are addressable, and a reload picks up a new
// version, keeps the old one when the new one is corrupt (logging why),
// and drops no request while it happens.
func TestVersions(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "hpt")
	save(t, halfPlusThree(t, 3), filepath.Join(base, "1", "model.safetensors"))
	save(t, halfPlusThree(t, 30), filepath.Join(base, "2", "model.safetensors"))
	if err := os.MkdirAll(filepath.Join(base, "tmp"), 0o755); err != nil { // not a version: ignored
		t.Fatal(err)
	}
	logs := &logBuffer{}
	s, err := serving.New(serving.Config{Models: []serving.ModelConfig{{Path: base}}, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	ask := func(path string) string {
		rec := httptestRecorder(s, "POST", path, `{"instances": [[2]]}`)
		return rec
	}
	if got := ask("/v1/models/hpt:predict"); got != `200 {"predictions":[[31]]}` {
		t.Errorf("latest: %s", got)
	}
	if got := ask("/v1/models/hpt/versions/1:predict"); got != `200 {"predictions":[[4]]}` {
		t.Errorf("version 1: %s", got)
	}

	// Requests keep coming while the versions change.
	stop := make(chan struct{})
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if got := ask("/v1/models/hpt:predict"); !strings.HasPrefix(got, "200 ") {
					failed.Add(1)
					t.Errorf("during a reload: %s", got)
				}
			}
		})
	}
	// A corrupt version 3: the server keeps serving version 2 and says why.
	v3 := filepath.Join(base, "3", "model.safetensors")
	if err := os.MkdirAll(filepath.Dir(v3), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(v3, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err == nil || !strings.Contains(err.Error(), "version 3") {
		t.Errorf("Reload with a corrupt version 3: %v", err)
	}
	if got := ask("/v1/models/hpt:predict"); got != `200 {"predictions":[[31]]}` {
		t.Errorf("after the corrupt version 3: %s", got)
	}
	if !strings.Contains(logs.String(), `"msg":"model version failed to load","model":"hpt","version":3`) {
		t.Errorf("the failure is not logged: %s", logs)
	}
	status := httptestRecorder(s, "GET", "/v1/models/hpt/versions/3", "")
	if !strings.HasPrefix(status, `200 {"model_version_status":[{"version":"3","state":"END","status":{"error_code":"UNKNOWN","error_message":"`) {
		t.Errorf("status of version 3: %s", status)
	}
	// Version 3 fixed: it is the latest.
	save(t, halfPlusThree(t, 300), v3)
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := ask("/v1/models/hpt:predict"); got != `200 {"predictions":[[301]]}` {
		t.Errorf("after version 3: %s", got)
	}
	// Version 3 replaced by a corrupt file: its old copy keeps serving.
	if err := os.WriteFile(v3, []byte("broken again, and longer"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err == nil {
		t.Error("Reload with version 3 corrupted: no error")
	}
	if got := ask("/v1/models/hpt/versions/3:predict"); got != `200 {"predictions":[[301]]}` {
		t.Errorf("version 3 corrupted: %s", got)
	}
	if !strings.Contains(logs.String(), "its previous copy keeps serving") {
		t.Errorf("the kept copy is not logged: %s", logs)
	}
	// Version 3 removed: version 2 is the latest again.
	if err := os.RemoveAll(filepath.Dir(v3)); err != nil {
		t.Fatal(err)
	}
	if err := s.Reload(); err != nil {
		t.Fatal(err)
	}
	if got := ask("/v1/models/hpt:predict"); got != `200 {"predictions":[[31]]}` {
		t.Errorf("after removing version 3: %s", got)
	}
	close(stop)
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d requests failed during the reloads", n)
	}
}

// TestPolling checks that a new version is found without a Reload call.
func TestPolling(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "hpt")
	save(t, halfPlusThree(t, 3), filepath.Join(base, "1", "model.safetensors"))
	s, err := serving.New(serving.Config{Models: []serving.ModelConfig{{Path: base}}, PollInterval: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	save(t, halfPlusThree(t, 30), filepath.Join(base, "2", "model.safetensors"))
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if httptestRecorder(s, "POST", "/v1/models/hpt:predict", `{"instances": [[2]]}`) == `200 {"predictions":[[31]]}` {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Error("version 2 was not picked up by polling")
}

// TestGracefulShutdown checks that Shutdown lets a request in flight
// finish: the request waits in a batch queue when Shutdown begins.
func TestGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	save(t, halfPlusThree(t, 3), filepath.Join(dir, "m.safetensors"))
	s, err := serving.New(serving.Config{
		Models:       []serving.ModelConfig{{Path: filepath.Join(dir, "m.safetensors")}},
		MaxBatchSize: 64, BatchTimeout: 400 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	result := make(chan string, 1)
	go func() {
		resp, err := http.Post("http://"+l.Addr().String()+"/v1/models/m:predict", "application/json", strings.NewReader(`{"instances": [[4]]}`))
		if err != nil {
			result <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		result <- fmt.Sprint(resp.StatusCode, " ", string(b))
	}()
	time.Sleep(150 * time.Millisecond) // the request now waits for its batch
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := <-result; got != "200 {\"predictions\":[[5]]}\n" {
		t.Errorf("the request in flight: %s", got)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
	}
	if _, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
		t.Error("the server still accepts connections after Shutdown")
	}
}

// TestCurl queries the server with curl, the client of TF Serving's
// guide, in both protocols.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	_, ts, _ := testServer(t, serving.Config{})
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-s", "-d", `{"instances": [[1.0],[2.0],[5.0]]}`, "-X", "POST", ts.URL + "/v1/models/half_plus_three:predict"}, `{"predictions":[[3.5],[4],[5.5]]}`},
		{[]string{"-s", ts.URL + "/v1/models/half_plus_three"}, `"state":"AVAILABLE"`},
		{[]string{"-s", "-H", "Content-Type: application/json", "-d", "@testdata/v2_kserve_iris.json", ts.URL + "/v2/models/iris/infer"}, `"name":"output-0","datatype":"FP32","shape":[2,1]`},
		{[]string{"-s", "-o", "/dev/null", "-w", "%{http_code}", ts.URL + "/v2/health/ready"}, `200`},
		{[]string{"-s", "-i", "-d", `{"instances": [1.0,5.0]}`, "-X", "POST", ts.URL + "/v1/models/half:predict"}, "HTTP/1.1 404 Not Found"},
	} {
		out, err := exec.Command(curl, tc.args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("curl %s: %v %s, want %s", strings.Join(tc.args, " "), err, out, tc.want)
		}
	}
}

// httptestRecorder runs one request through the handler and returns its
// status and body, trimmed.
func httptestRecorder(h http.Handler, method, path, body string) string {
	req, _ := http.NewRequest(method, path, strings.NewReader(body))
	rec := &bodyRecorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	return fmt.Sprint(rec.code, " ", strings.TrimSpace(rec.body.String()))
}

type bodyRecorder struct {
	header http.Header
	code   int
	body   strings.Builder
}

func (r *bodyRecorder) Header() http.Header { return r.header }
func (r *bodyRecorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
}
func (r *bodyRecorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return r.body.Write(b)
}

// TestBatchedMatchesUnbatched serves the course's MNIST network with and
// without dynamic batching and checks that each request's answer from a
// merged batch equals its answer alone to within float32 rounding (the
// matrix kernels may sum a batch of under four rows in another order).
func TestBatchedMatchesUnbatched(t *testing.T) {
	m := course.MNISTDNN()
	if err := m.Build(28, 28); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mnist.safetensors")
	save(t, m, path)
	serve := func(batch int) *httptest.Server {
		s, err := serving.New(serving.Config{Models: []serving.ModelConfig{{Path: path}}, MaxBatchSize: batch, BatchTimeout: 30 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(s)
		t.Cleanup(func() { ts.Close(); s.Shutdown(context.Background()) })
		return ts
	}
	alone, batched := serve(0), serve(64)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 10
	bodies := make([]string, n)
	for i := range bodies {
		var b strings.Builder
		b.WriteString(`{"inputs": [{"name": "input_layer", "shape": [1, 28, 28], "datatype": "FP32", "data": [`)
		for j := range 784 {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprint(&b, r.IntN(256))
		}
		b.WriteString("]}]}")
		bodies[i] = b.String()
	}
	answer := func(ts *httptest.Server, body string) []float64 {
		resp, err := http.Post(ts.URL+"/v2/models/mnist/infer", "application/json", strings.NewReader(body))
		if err != nil {
			t.Error(err)
			return nil
		}
		defer resp.Body.Close()
		var out struct{ Outputs []struct{ Data []float64 } }
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Outputs) != 1 {
			t.Errorf("%d: %v", resp.StatusCode, err)
			return nil
		}
		return out.Outputs[0].Data
	}
	want := make([][]float64, n)
	for i, b := range bodies {
		want[i] = answer(alone, b)
	}
	got := make([][]float64, n)
	var wg sync.WaitGroup
	for i, b := range bodies {
		wg.Go(func() { got[i] = answer(batched, b) })
	}
	wg.Wait()
	same, worst := 0, 0.0
	for i := range got {
		if len(got[i]) != 10 || len(want[i]) != 10 {
			t.Fatalf("request %d: %v, want %v", i, got[i], want[i])
		}
		for j := range got[i] {
			d := math.Abs(got[i][j] - want[i][j])
			worst = max(worst, d)
			if d == 0 {
				same++
			}
		}
	}
	// The raw pixels 0..255 make logits in the hundreds, whose float32
	// ulp (3e-5 at 300) bounds what a different summation order changes.
	if worst > 1e-4 {
		t.Errorf("batched answers differ from unbatched by up to %g", worst)
	}
	_, metrics := do(t, "GET", batched.URL+"/metrics", "")
	count, sum := histogram(t, metrics, "neuron_serving_batch_size", `model="mnist"`)
	t.Logf("%d requests in %v batches; %d of %d values equal bit for bit, the largest difference %g", n, count, same, n*10, worst)
	if sum != n || count >= n {
		t.Errorf("%v batches of %v rows: the requests were not merged", count, sum)
	}
}

// TestStartWithABrokenVersion checks that a server starts when one
// version of a model fails to load and another loads, and says why.
func TestStartWithABrokenVersion(t *testing.T) {
	dir := t.TempDir()
	save(t, halfPlusThree(t, 3), filepath.Join(dir, "1", "model.safetensors"))
	if err := os.MkdirAll(filepath.Join(dir, "2"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2", "model.safetensors"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	s, err := serving.New(serving.Config{Models: []serving.ModelConfig{{Name: "m", Path: dir}}, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	if got := httptestRecorder(s, "POST", "/v1/models/m:predict", `{"instances": [[2]]}`); got != `200 {"predictions":[[4]]}` {
		t.Errorf("version 1: %s", got)
	}
	if !strings.Contains(logs.String(), `"msg":"model version failed to load","model":"m","version":2`) {
		t.Errorf("the failure is not logged: %s", logs)
	}
	if got := httptestRecorder(s, "GET", "/v2/models/m/versions/2/ready", ""); got != `503 {"name":"m","ready":false}` {
		t.Errorf("version 2 ready: %s", got)
	}
}
