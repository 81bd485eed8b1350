package serving_test

import (
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/serving"
)

// FuzzRequest sends arbitrary bodies to both protocols' inference
// endpoints of a two-input, two-output model: every answer is a success or
// a 4xx with the error body, never a panic or a 500.
func FuzzRequest(f *testing.F) {
	for _, name := range []string{"tfserving_row_named.json", "tfserving_columnar.json", "tfserving_row_typo.json", "tfserving_row_with_tag.json", "v2_spec_example.json", "v2_kserve_iris.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"inputs": [{"name":"signal","shape":[1,5],"datatype":"INT8","data":[1,2,3,4,5]},{"name":"sensor","shape":[1,2,2],"datatype":"FP64","data":[[[1,2],[3,4]]]}], "outputs": [{"name": "total"}]}`))
	f.Add([]byte(`{"instances": [{"signal": [NaN, Infinity, -Infinity, 1e38, -0], "sensor": [[1, 2], [3, 4]]}]}`))
	dir := f.TempDir()
	save(f, sensors(f), filepath.Join(dir, "sensors.safetensors"))
	s, err := serving.New(serving.Config{
		Models:       []serving.ModelConfig{{Path: filepath.Join(dir, "sensors.safetensors")}},
		MaxBodyBytes: 1 << 16,
		Logger:       slog.New(slog.DiscardHandler),
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, path := range []string{"/v1/models/sensors:predict", "/v2/models/sensors/infer"} {
			req, _ := http.NewRequest("POST", path, strings.NewReader(string(body)))
			rec := &bodyRecorder{header: http.Header{}}
			s.ServeHTTP(rec, req)
			out := rec.body.String()
			switch {
			case rec.code == 200:
				if !strings.HasPrefix(out, `{"predictions":`) && !strings.HasPrefix(out, `{"outputs":`) && !strings.HasPrefix(out, `{"model_name":`) {
					t.Errorf("%s: 200 with %q", path, out)
				}
			case rec.code >= 400 && rec.code < 500:
				if !strings.HasPrefix(out, `{"error":"`) {
					t.Errorf("%s: %d with %q", path, rec.code, out)
				}
			default:
				t.Errorf("%s: %d %q for the body %q", path, rec.code, out, body)
			}
		}
	})
}
