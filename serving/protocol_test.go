package serving_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/serving"
)

// TestTFServingDocumentedRequests sends the request bodies of TF
// Serving's REST API guide and checks the answers against arithmetic on
// their numbers (the models' weights are set by hand).
func TestTFServingDocumentedRequests(t *testing.T) {
	_, ts, _ := testServer(t, serving.Config{})

	// The guide's example: {"predictions": [3.5, 4.0, 5.5]}.
	code, body := do(t, "POST", ts.URL+"/v1/models/half_plus_three:predict", fixture(t, "tfserving_half_plus_three.json"))
	if code != 200 || body != `{"predictions":[[3.5],[4],[5.5]]}`+"\n" {
		t.Errorf("half_plus_three: %d %s", code, body)
	}
	code, body = do(t, "POST", ts.URL+"/v1/models/half_plus_three/versions/1:predict", `{"signature_name": "serving_default", "inputs": [[1.0], [2.0], [5.0]]}`)
	if code != 200 || body != `{"outputs":[[3.5],[4],[5.5]]}`+"\n" {
		t.Errorf("half_plus_three, columnar, version 1: %d %s", code, body)
	}

	// Row format, several named inputs and outputs: a list of objects.
	// signal sums: 15, 15; all nine values: 25, 38.
	code, body = do(t, "POST", ts.URL+"/v1/models/sensors:predict", fixture(t, "tfserving_row_named.json"))
	if want := `{"predictions":[{"signal_sum":[15],"total":[25]},{"signal_sum":[15],"total":[38]}]}` + "\n"; code != 200 || body != want {
		t.Errorf("sensors, row format: %d %s, want %s", code, body, want)
	}
	// Columnar format: an object of outputs.
	code, body = do(t, "POST", ts.URL+"/v1/models/sensors:predict", fixture(t, "tfserving_columnar.json"))
	if want := `{"outputs":{"signal_sum":[[15],[15]],"total":[[25],[38]]}}` + "\n"; code != 200 || body != want {
		t.Errorf("sensors, columnar format: %d %s, want %s", code, body, want)
	}
	// The guide's row example as printed: its stray "]" is not JSON.
	code, body = do(t, "POST", ts.URL+"/v1/models/sensors:predict", fixture(t, "tfserving_row_typo.json"))
	if code != 400 || !strings.Contains(body, `"error":"malformed JSON at byte`) {
		t.Errorf("the guide's typo: %d %s, want 400 malformed JSON", code, body)
	}
	// Its string input "tag" is not one of this model's.
	code, body = do(t, "POST", ts.URL+"/v1/models/sensors:predict", fixture(t, "tfserving_row_with_tag.json"))
	if code != 400 || !strings.Contains(body, `instances[0] has an unknown input \"tag\" (the model takes signal, sensor)`) {
		t.Errorf("the guide's tag input: %d %s", code, body)
	}
}

// TestTFServingStatusAndMetadata checks the model status and metadata
// documents against the layout TF Serving answers with.
func TestTFServingStatusAndMetadata(t *testing.T) {
	_, ts, _ := testServer(t, serving.Config{})
	code, body := do(t, "GET", ts.URL+"/v1/models/half_plus_three", "")
	if want := `{"model_version_status":[{"version":"1","state":"AVAILABLE","status":{"error_code":"OK","error_message":""}}]}` + "\n"; code != 200 || body != want {
		t.Errorf("status: %d %s, want %s", code, body, want)
	}
	code, body = do(t, "GET", ts.URL+"/v1/models/half_plus_three/versions/1", "")
	if code != 200 || !strings.Contains(body, `"version":"1","state":"AVAILABLE"`) {
		t.Errorf("status of version 1: %d %s", code, body)
	}
	code, body = do(t, "GET", ts.URL+"/v1/models/sensors/metadata", "")
	if code != 200 {
		t.Fatalf("metadata: %d %s", code, body)
	}
	doc := decode(t, body)
	spec := doc["model_spec"].(map[string]any)
	if spec["name"] != "sensors" || spec["version"] != "1" || spec["signature_name"] != "" {
		t.Errorf("model_spec: %v", spec)
	}
	sig := doc["metadata"].(map[string]any)["signature_def"].(map[string]any)["signature_def"].(map[string]any)["serving_default"].(map[string]any)
	if sig["method_name"] != "tensorflow/serving/predict" {
		t.Errorf("method_name: %v", sig["method_name"])
	}
	sensor := sig["inputs"].(map[string]any)["sensor"].(map[string]any)
	if got := fmt.Sprint(sensor["tensor_shape"]); sensor["dtype"] != "DT_FLOAT" || got != "map[dim:[map[name: size:-1] map[name: size:2] map[name: size:2]] unknown_rank:false]" {
		t.Errorf("sensor: %v", sensor)
	}
	if _, ok := sig["outputs"].(map[string]any)["total"]; !ok {
		t.Errorf("outputs: %v", sig["outputs"])
	}
}

// TestV2DocumentedRequests sends the Open Inference Protocol's example and
// KServe's FP32 sample, and checks the v2 health and metadata endpoints.
func TestV2DocumentedRequests(t *testing.T) {
	_, ts, _ := testServer(t, serving.Config{})
	// The specification's example has a BOOL input "input1" that this
	// model (of one input, "input0") does not take.
	code, body := do(t, "POST", ts.URL+"/v2/models/mymodel/infer", fixture(t, "v2_spec_example.json"))
	if code != 400 || !strings.Contains(body, `unexpected inference input 'input1': the model takes input0`) {
		t.Errorf("the specification's example: %d %s", code, body)
	}
	// Without it, the identity model answers with its input: the
	// response echoes the id and has the requested output only.
	req := strings.Replace(fixture(t, "v2_spec_example.json"), `,
    {
      "name" : "input1",
      "shape" : [ 3 ],
      "datatype" : "BOOL",
      "data" : [ true ]
    }`, "", 1)
	code, body = do(t, "POST", ts.URL+"/v2/models/mymodel/versions/1/infer", req)
	if want := `{"model_name":"mymodel","model_version":"1","id":"42","outputs":[{"name":"output0","datatype":"FP32","shape":[2,2],"data":[1,2,3,4]}]}` + "\n"; code != 200 || body != want {
		t.Errorf("input0 alone: %d %s, want %s", code, body, want)
	}
	// KServe's sample: nested FP32 data; the sums are 15.8 and 15.5.
	code, body = do(t, "POST", ts.URL+"/v2/models/iris/infer", fixture(t, "v2_kserve_iris.json"))
	if code != 200 {
		t.Fatalf("iris: %d %s", code, body)
	}
	out := decode(t, body)["outputs"].([]any)[0].(map[string]any)
	data := out["data"].([]any)
	if out["name"] != "output-0" || fmt.Sprint(out["shape"]) != "[2 1]" || len(data) != 2 || !near(data[0], 15.8) || !near(data[1], 15.5) {
		t.Errorf("iris: %s", body)
	}

	for _, tc := range []struct{ path, want string }{
		{"/v2/health/live", `{"live":true}`},
		{"/v2/health/ready", `{"ready":true}`},
		{"/v2/models/iris/ready", `{"name":"iris","ready":true}`},
		{"/v2/models/iris/versions/1/ready", `{"name":"iris","ready":true}`},
		{"/v2/models/sensors", `{"name":"sensors","versions":["1"],"platform":"neuron","inputs":[{"name":"signal","datatype":"FP32","shape":[-1,5]},{"name":"sensor","datatype":"FP32","shape":[-1,2,2]}],"outputs":[{"name":"signal_sum","datatype":"FP32","shape":[-1,1]},{"name":"total","datatype":"FP32","shape":[-1,1]}]}`},
		{"/v2", `{"name":"neuron","version":"1","extensions":[]}`},
	} {
		code, body := do(t, "GET", ts.URL+tc.path, "")
		if code != 200 || body != tc.want+"\n" {
			t.Errorf("GET %s: %d %s, want %s", tc.path, code, body, tc.want)
		}
	}
}

// TestBadRequests checks that each kind of bad request is a 4xx with the
// protocol's error body naming the problem.
func TestBadRequests(t *testing.T) {
	_, ts, _ := testServer(t, serving.Config{})
	v1 := ts.URL + "/v1/models/sensors:predict"
	v2 := ts.URL + "/v2/models/sensors/infer"
	sig := `{"name":"signal","shape":[1,5],"datatype":"FP32","data":[1,2,3,4,5]}`
	sen := `{"name":"sensor","shape":[1,2,2],"datatype":"FP32","data":[1,2,3,4]}`
	for _, tc := range []struct {
		name, method, url, body string
		code                    int
		want                    string
	}{
		{"malformed JSON", "POST", v1, `{"instances": [1, 2`, 400, `malformed JSON at byte 19: expected ',' or ']' in a list, got end of input`},
		{"not an object", "POST", v1, `[1, 2]`, 400, `the request body must be a JSON object, got numbers`},
		{"both formats", "POST", v1, `{"instances": [], "inputs": {}}`, 400, `the request has both instances and inputs`},
		{"unknown key", "POST", v1, `{"instance": []}`, 400, `unknown key \"instance\" in the request`},
		{"unknown signature", "POST", v1, `{"signature_name": "classify", "inputs": {}}`, 400, `Serving signature name: \"classify\" not found in signature def`},
		{"missing input", "POST", v1, `{"inputs": {"signal": [[1,2,3,4,5]]}}`, 400, `inputs has no input \"sensor\" (the model takes signal, sensor)`},
		{"extra input", "POST", v1, `{"instances": [{"signal": [1,2,3,4,5], "sensor": [[1,2],[3,4]], "extra": 1}]}`, 400, `instances[0] has an unknown input \"extra\"`},
		{"wrong shape", "POST", v1, `{"inputs": {"signal": [[1,2,3,4]], "sensor": [[[1,2],[3,4]]]}}`, 400, `inputs.signal has shape [1, 4], the model's input signal takes [-1, 5]`},
		{"wrong instance shape", "POST", v1, `{"instances": [{"signal": [1,2,3,4,5], "sensor": [1,2,3,4]}]}`, 400, `instances[0].sensor has shape [4], the model's input sensor takes [2, 2] per example`},
		{"ragged list", "POST", ts.URL + "/v1/models/half_plus_three:predict", `{"instances": [[1], [2, 3]]}`, 400, `instances: ragged nested list: item [1] has shape [2], item [0] has [1]`},
		{"strings", "POST", ts.URL + "/v1/models/half_plus_three:predict", `{"instances": [["a"]]}`, 400, `instances: item [0][0] is a string, not a number`},
		{"deep ragged", "POST", v1, `{"inputs": {"signal": [[1,2,3,4,5]], "sensor": [[[1,2],[3,true]]]}}`, 400, `inputs.sensor: item [0][1][1] is a boolean, not a number`},
		{"different batch sizes", "POST", v1, `{"inputs": {"signal": [[1,2,3,4,5]], "sensor": [[[1,2],[3,4]], [[1,2],[3,4]]]}}`, 400, `inputs.sensor has 2 examples, inputs.signal has 1`},
		{"out of FP32 range", "POST", ts.URL + "/v1/models/half_plus_three:predict", `{"instances": [[1e39]]}`, 400, `instances: value 1e+39 at index 0 is out of FP32's range`},
		{"too deep", "POST", v1, `{"inputs": ` + strings.Repeat("[", 100) + `}`, 400, `nested deeper than 64 levels`},
		{"unknown model", "POST", ts.URL + "/v1/models/half:predict", `{"instances": [1.0, 5.0]}`, 404, `Servable not found for request: Latest(half)`},
		{"unknown model status", "GET", ts.URL + "/v1/models/half", ``, 404, `Could not find any versions of model half`},
		{"unknown version", "POST", ts.URL + "/v1/models/sensors/versions/7:predict", `{"inputs": {}}`, 404, `Servable not found for request: Specific(sensors, 7)`},
		{"bad version", "GET", ts.URL + "/v1/models/sensors/versions/x", ``, 400, `version \"x\" is not a positive integer`},
		{"GET predict", "GET", v1, ``, 405, `takes POST, got GET`},
		{"classify", "POST", ts.URL + "/v1/models/sensors:classify", `{}`, 400, `classify is not supported`},

		{"v2 malformed JSON", "POST", v2, `{"inputs": [}`, 400, `malformed JSON at byte 12`},
		{"v2 missing input", "POST", v2, `{"inputs": [` + sig + `]}`, 400, `expected 2 inputs but got 1 inputs for model 'sensors': input 'sensor' is missing`},
		{"v2 extra input", "POST", v2, `{"inputs": [` + sig + `,` + sen + `,{"name":"x","shape":[1],"datatype":"FP32","data":[1]}]}`, 400, `unexpected inference input 'x': the model takes signal, sensor`},
		{"v2 twice", "POST", v2, `{"inputs": [` + sig + `,` + sig + `]}`, 400, `input 'signal' is given twice`},
		{"v2 wrong dtype", "POST", v2, `{"inputs": [{"name":"signal","shape":[1,5],"datatype":"BYTES","data":["a","b","c","d","e"]},` + sen + `]}`, 400, `input 'signal' has datatype BYTES, the model takes FP32`},
		{"v2 unknown dtype", "POST", v2, `{"inputs": [{"name":"signal","shape":[1,5],"datatype":"FLOAT32","data":[1,2,3,4,5]},` + sen + `]}`, 400, `input 'signal' has an unknown datatype \"FLOAT32\"`},
		{"v2 not an integer", "POST", v2, `{"inputs": [{"name":"signal","shape":[1,5],"datatype":"INT32","data":[1,2,3.5,4,5]},` + sen + `]}`, 400, `input 'signal': value 3.5 at index 2 is not a valid INT32 value`},
		{"v2 out of UINT8 range", "POST", v2, `{"inputs": [{"name":"signal","shape":[1,5],"datatype":"UINT8","data":[1,2,300,4,5]},` + sen + `]}`, 400, `value 300 at index 2 is not a valid UINT8 value`},
		{"v2 wrong shape", "POST", v2, `{"inputs": [{"name":"signal","shape":[5],"datatype":"FP32","data":[1,2,3,4,5]},` + sen + `]}`, 400, `input 'signal' has shape [5], the model takes [-1, 5]`},
		{"v2 data size", "POST", v2, `{"inputs": [{"name":"signal","shape":[1,5],"datatype":"FP32","data":[1,2,3]},` + sen + `]}`, 400, `input 'signal' has 3 values in data, its shape [1, 5] holds 5`},
		{"v2 no data", "POST", v2, `{"inputs": [{"name":"signal","shape":[1,5],"datatype":"FP32"},` + sen + `]}`, 400, `inputs[0] has no data`},
		{"v2 unknown output", "POST", v2, `{"inputs": [` + sig + `,` + sen + `], "outputs": [{"name": "sum"}]}`, 400, `unexpected inference output 'sum': the model's outputs are signal_sum, total`},
		{"v2 no inputs", "POST", v2, `{"inputs": []}`, 400, `the request has no inputs; the model takes signal, sensor`},
		{"v2 unknown model", "POST", ts.URL + "/v2/models/nope/infer", `{}`, 404, `Request for unknown model: 'nope' is not found`},
		{"v2 unknown version", "POST", ts.URL + "/v2/models/sensors/versions/3/infer", `{}`, 404, `Request for unknown model: 'sensors' version 3 is not found`},
		{"v2 unknown version ready", "GET", ts.URL + "/v2/models/sensors/versions/3/ready", ``, 404, `version 3 is not found`},

		{"no file system", "GET", ts.URL + "/etc/passwd", ``, 404, `no such endpoint: GET /etc/passwd`},
		{"no file system under v1", "GET", ts.URL + "/v1/models/sensors/../../../etc/passwd", ``, 404, `no such endpoint`},
	} {
		code, body := do(t, tc.method, tc.url, tc.body)
		if code != tc.code || !strings.HasPrefix(body, `{"error":"`) || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d %s, want %d and an error containing %s", tc.name, code, body, tc.code, tc.want)
		}
	}
}

// TestNaN checks the choice made for NaN and the infinities: both
// protocols read TF Serving's tokens NaN, Infinity and -Infinity as
// numbers (TF Serving's guide allows them), pass them to the model, and
// write them the same way in the response.
func TestNaN(t *testing.T) {
	_, ts, _ := testServer(t, serving.Config{})
	code, body := do(t, "POST", ts.URL+"/v1/models/half_plus_three:predict", `{"instances": [[NaN], [Infinity], [-Infinity], [1]]}`)
	if want := `{"predictions":[[NaN],[Infinity],[-Infinity],[3.5]]}` + "\n"; code != 200 || body != want {
		t.Errorf("v1: %d %s, want %s", code, body, want)
	}
	code, body = do(t, "POST", ts.URL+"/v2/models/half_plus_three/infer", `{"inputs": [{"name":"input_layer","shape":[2,1],"datatype":"FP32","data":[NaN, 4]}]}`)
	if want := `{"model_name":"half_plus_three","model_version":"1","outputs":[{"name":"dense","datatype":"FP32","shape":[2,1],"data":[NaN,5]}]}` + "\n"; code != 200 || body != want {
		t.Errorf("v2: %d %s, want %s", code, body, want)
	}
	// A NaN is not an integer.
	code, body = do(t, "POST", ts.URL+"/v2/models/half_plus_three/infer", `{"inputs": [{"name":"input_layer","shape":[1,1],"datatype":"INT64","data":[NaN]}]}`)
	if code != 400 || !strings.Contains(body, "value NaN at index 0 is not a valid INT64 value") {
		t.Errorf("v2 INT64 NaN: %d %s", code, body)
	}
	// The token is case-sensitive, as in TF Serving's parser.
	code, body = do(t, "POST", ts.URL+"/v1/models/half_plus_three:predict", `{"instances": [[nan]]}`)
	if code != 400 || !strings.Contains(body, "malformed JSON") {
		t.Errorf("nan: %d %s", code, body)
	}
}
