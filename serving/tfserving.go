package serving

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// TensorFlow Serving's REST API (tensorflow.org/tfx/serving/api_rest):
//
//	GET  /v1/models/NAME[/versions/N]           model status
//	GET  /v1/models/NAME[/versions/N]/metadata  signature
//	POST /v1/models/NAME[/versions/N]:predict   {"instances": …} or {"inputs": …}

func (s *Server) routes() {
	s.mux.HandleFunc("/v1/", s.serveV1)
	s.mux.HandleFunc("/v2", s.serveV2)
	s.mux.HandleFunc("/v2/", s.serveV2)
	s.mux.Handle("/metrics", metricsHandler(s.cfg.Gatherer))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such endpoint: %s %s (see /v1/models/NAME and /v2/models/NAME)", r.Method, r.URL.Path))
	})
}

// serveV1 routes TF Serving's API.
func (s *Server) serveV1(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	label := ""
	defer func() { s.finish(r, label, "tfserving", rec.code, start) }()
	if herr := s.v1(rec, r, &label); herr != nil {
		writeError(rec, herr.code, herr.msg)
	}
}

func (s *Server) v1(w http.ResponseWriter, r *http.Request, label *string) *httpError {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/models/")
	if !ok || rest == "" {
		return &httpError{http.StatusNotFound, fmt.Sprintf("no such endpoint: %s (see /v1/models/NAME)", r.URL.Path)}
	}
	segs := strings.Split(rest, "/")
	verb := ""
	if last := segs[len(segs)-1]; strings.Contains(last, ":") {
		i := strings.LastIndexByte(last, ':')
		segs[len(segs)-1], verb = last[:i], last[i+1:]
	}
	name, segs := segs[0], segs[1:]
	var num int64 // 0: the latest
	if len(segs) >= 2 && segs[0] == "versions" {
		n, err := strconv.ParseInt(segs[1], 10, 64)
		if err != nil || n <= 0 {
			return badRequest("version %q is not a positive integer", segs[1])
		}
		num, segs = n, segs[2:]
	} else if len(segs) >= 1 && segs[0] == "labels" {
		return badRequest("version labels are not supported; address a version by number (/versions/N)")
	}
	meta := false
	switch {
	case len(segs) == 1 && segs[0] == "metadata" && verb == "":
		meta = true
	case len(segs) != 0:
		return &httpError{http.StatusNotFound, fmt.Sprintf("no such endpoint: %s", r.URL.Path)}
	}
	m := s.models[name]
	if m == nil {
		if verb == "" && !meta {
			return &httpError{http.StatusNotFound, fmt.Sprintf("Could not find any versions of model %s", name)}
		}
		return &httpError{http.StatusNotFound, fmt.Sprintf("Servable not found for request: Latest(%s)", name)}
	}
	*label = name
	switch verb {
	case "predict":
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			return &httpError{http.StatusMethodNotAllowed, fmt.Sprintf("%s takes POST, got %s", r.URL.Path, r.Method)}
		}
		return s.v1Predict(w, r, m, num)
	case "classify", "regress":
		return badRequest("%s is not supported: the model has the predict signature only (POST .../%s:predict)", verb, name)
	case "":
	default:
		return &httpError{http.StatusNotFound, fmt.Sprintf("no such method %q (want predict)", verb)}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		return &httpError{http.StatusMethodNotAllowed, fmt.Sprintf("%s takes GET, got %s", r.URL.Path, r.Method)}
	}
	st := m.state.Load()
	if meta {
		v, herr := pickV1(m, st, num)
		if herr != nil {
			return herr
		}
		writeJSON(w, http.StatusOK, v1Metadata(m.name, v))
		return nil
	}
	return v1Status(w, m, st, num)
}

// pickV1 returns the version a v1 request addresses.
func pickV1(m *model, st *modelState, num int64) (*version, *httpError) {
	if num == 0 {
		if v := st.latest(); v != nil {
			return v, nil
		}
		return nil, &httpError{http.StatusNotFound, fmt.Sprintf("Servable not found for request: Latest(%s)", m.name)}
	}
	if v := st.loaded[num]; v != nil {
		return v, nil
	}
	return nil, &httpError{http.StatusNotFound, fmt.Sprintf("Servable not found for request: Specific(%s, %d)", m.name, num)}
}

type v1VersionStatus struct {
	Version string `json:"version"`
	State   string `json:"state"`
	Status  struct {
		ErrorCode    string `json:"error_code"`
		ErrorMessage string `json:"error_message"`
	} `json:"status"`
}

// v1Status writes GetModelStatusResponse: every version, or one.
func v1Status(w http.ResponseWriter, m *model, st *modelState, num int64) *httpError {
	var nums []int64
	for n := range st.loaded {
		nums = append(nums, n)
	}
	for n := range st.failed {
		if st.loaded[n] == nil {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	slices.Reverse(nums) // TF Serving lists the newest first
	var out []v1VersionStatus
	for _, n := range nums {
		if num != 0 && n != num {
			continue
		}
		vs := v1VersionStatus{Version: strconv.FormatInt(n, 10), State: "AVAILABLE"}
		vs.Status.ErrorCode = "OK"
		if st.loaded[n] == nil {
			// A version that failed to load ends, as in TF Serving.
			vs.State = "END"
			vs.Status.ErrorCode = "UNKNOWN"
			vs.Status.ErrorMessage = st.failed[n].err.Error()
		}
		out = append(out, vs)
	}
	if len(out) == 0 {
		return &httpError{http.StatusNotFound, fmt.Sprintf("Could not find version %d of model %s", num, m.name)}
	}
	b, _ := json.Marshal(struct {
		Status []v1VersionStatus `json:"model_version_status"`
	}{out})
	writeJSON(w, http.StatusOK, append(b, '\n'))
	return nil
}

type v1TensorInfo struct {
	Dtype       string `json:"dtype"`
	TensorShape struct {
		Dim []struct {
			Size string `json:"size"`
			Name string `json:"name"`
		} `json:"dim"`
		UnknownRank bool `json:"unknown_rank"`
	} `json:"tensor_shape"`
	Name string `json:"name"`
}

func v1Tensor(shape []int, name string) v1TensorInfo {
	t := v1TensorInfo{Dtype: "DT_FLOAT", Name: name}
	for _, d := range append([]int{-1}, shape...) {
		t.TensorShape.Dim = append(t.TensorShape.Dim, struct {
			Size string `json:"size"`
			Name string `json:"name"`
		}{Size: strconv.Itoa(d)})
	}
	return t
}

// v1Metadata is GetModelMetadataResponse: the serving_default signature,
// named as a SavedModel that Keras exports names its tensors.
func v1Metadata(name string, v *version) []byte {
	inputs, outputs := map[string]v1TensorInfo{}, map[string]v1TensorInfo{}
	for i, n := range v.p.InputNames() {
		inputs[n] = v1Tensor(v.p.InputShapes()[i], "serving_default_"+n+":0")
	}
	for i, n := range v.p.OutputNames() {
		outputs[n] = v1Tensor(v.p.OutputShapes()[i], "StatefulPartitionedCall:"+strconv.Itoa(i))
	}
	type sig struct {
		Inputs     map[string]v1TensorInfo `json:"inputs"`
		Outputs    map[string]v1TensorInfo `json:"outputs"`
		MethodName string                  `json:"method_name"`
	}
	var doc struct {
		ModelSpec struct {
			Name          string `json:"name"`
			SignatureName string `json:"signature_name"`
			Version       string `json:"version"`
		} `json:"model_spec"`
		Metadata struct {
			SignatureDef struct {
				SignatureDef map[string]sig `json:"signature_def"`
			} `json:"signature_def"`
		} `json:"metadata"`
	}
	doc.ModelSpec.Name = name
	doc.ModelSpec.Version = strconv.FormatInt(v.num, 10)
	doc.Metadata.SignatureDef.SignatureDef = map[string]sig{
		"serving_default": {inputs, outputs, "tensorflow/serving/predict"},
	}
	b, _ := json.Marshal(doc)
	return append(b, '\n')
}

// v1Predict answers a predict request.
func (s *Server) v1Predict(w http.ResponseWriter, r *http.Request, m *model, num int64) *httpError {
	body, herr := s.readBody(w, r)
	if herr != nil {
		return herr
	}
	root, nums, err := parseJSON(body, true)
	if err != nil {
		return badRequest("%v", err)
	}
	if root.kind != kObject {
		return badRequest("the request body must be a JSON object, got %s", root.kind)
	}
	var instances, inputs *value
	for i, k := range root.keys {
		v := &root.vals[i]
		switch k {
		case "signature_name":
			if v.kind != kString {
				return badRequest("signature_name must be a string, got %s", v.kind)
			}
			if v.str != "" && v.str != "serving_default" {
				return badRequest("Serving signature name: %q not found in signature def (the model has \"serving_default\")", v.str)
			}
		case "instances":
			instances = v
		case "inputs":
			inputs = v
		default:
			return badRequest("unknown key %q in the request (want signature_name, and instances or inputs)", k)
		}
	}
	switch {
	case instances != nil && inputs != nil:
		return badRequest("the request has both instances and inputs; give one (instances: one entry per example; inputs: one tensor per input)")
	case instances == nil && inputs == nil:
		return badRequest("the request has neither instances nor inputs")
	}
	v, herr := pickV1(m, m.state.Load(), num)
	if herr != nil {
		return herr
	}
	var rows int
	var in [][]float32
	if instances != nil {
		rows, in, herr = rowInputs(v, instances, nums)
	} else {
		rows, in, herr = columnInputs(v, inputs, nums)
	}
	if herr != nil {
		return herr
	}
	out, err := s.predict(r.Context(), m, v, rows, in)
	if err != nil {
		return predictError(err)
	}
	names, shapes := v.p.OutputNames(), v.p.OutputShapes()
	var b []byte
	if instances != nil {
		b = append(b, `{"predictions":`...)
		if len(names) == 1 {
			b = appendNested(b, out[0], append([]int{rows}, shapes[0]...))
		} else {
			b = append(b, '[')
			for row := range rows {
				if row > 0 {
					b = append(b, ',')
				}
				b = append(b, '{')
				for i, n := range names {
					if i > 0 {
						b = append(b, ',')
					}
					b = appendJSONString(b, n)
					b = append(b, ':')
					per := prod(shapes[i])
					b = appendNested(b, out[i][row*per:(row+1)*per], shapes[i])
				}
				b = append(b, '}')
			}
			b = append(b, ']')
		}
	} else {
		b = append(b, `{"outputs":`...)
		if len(names) == 1 {
			b = appendNested(b, out[0], append([]int{rows}, shapes[0]...))
		} else {
			b = append(b, '{')
			for i, n := range names {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, n)
				b = append(b, ':')
				b = appendNested(b, out[i], append([]int{rows}, shapes[i]...))
			}
			b = append(b, '}')
		}
	}
	writeJSON(w, http.StatusOK, append(b, "}\n"...))
	return nil
}

// rowInputs reads "instances": a list with one entry per example, the
// input's value (one input) or an object of every input's value.
func rowInputs(v *version, inst *value, nums []float64) (int, [][]float32, *httpError) {
	names, shapes := v.p.InputNames(), v.p.InputShapes()
	in := make([][]float32, len(names))
	switch inst.kind {
	case kTensor:
		if len(inst.shape) == 0 {
			return 0, nil, badRequest("instances must be a list with one entry per example, got a number")
		}
		if len(names) != 1 {
			return 0, nil, badRequest("instances must be a list of objects, one per example, each with the model's inputs (%s)", strings.Join(names, ", "))
		}
		if herr := checkShape("instances", inst.shape, shapes[0], names[0]); herr != nil {
			return 0, nil, herr
		}
		x, herr := toFloat32(nil, nums, inst, "instances")
		in[0] = x
		return inst.shape[0], in, herr
	case kList:
	default:
		return 0, nil, badRequest("instances must be a list with one entry per example, got %s", inst.kind)
	}
	for row, item := range inst.items {
		if item.kind != kObject {
			if len(names) == 1 {
				return 0, nil, badRequest("instances: %s", raggedShape(inst))
			}
			return 0, nil, badRequest("instances[%d] is %s; with several inputs each instance is an object of them (%s)", row, item.kind, strings.Join(names, ", "))
		}
		if herr := checkKeys(fmt.Sprintf("instances[%d]", row), &item, names); herr != nil {
			return 0, nil, herr
		}
		for i, n := range names {
			x, _ := item.get(n)
			what := fmt.Sprintf("instances[%d].%s", row, n)
			if x.kind != kTensor {
				return 0, nil, badRequest("%s must be numbers, got %s", what, x.kind)
			}
			if !slices.Equal(x.shape, shapes[i]) {
				return 0, nil, badRequest("%s has shape %s, the model's input %s takes %s per example", what, dims(x.shape), n, dims(shapes[i]))
			}
			var herr *httpError
			if in[i], herr = toFloat32(in[i], nums, x, what); herr != nil {
				return 0, nil, herr
			}
		}
	}
	return len(inst.items), in, nil
}

// columnInputs reads "inputs": the input's tensor (one input) or an
// object of every input's tensor.
func columnInputs(v *version, inputs *value, nums []float64) (int, [][]float32, *httpError) {
	names, shapes := v.p.InputNames(), v.p.InputShapes()
	in := make([][]float32, len(names))
	if inputs.kind != kObject {
		if len(names) != 1 {
			return 0, nil, badRequest("inputs must be an object of the model's inputs (%s), got %s", strings.Join(names, ", "), inputs.kind)
		}
		if inputs.kind != kTensor {
			if inputs.kind == kList {
				return 0, nil, badRequest("inputs: %s", raggedShape(inputs))
			}
			return 0, nil, badRequest("inputs must be numbers, got %s", inputs.kind)
		}
		if herr := checkShape("inputs", inputs.shape, shapes[0], names[0]); herr != nil {
			return 0, nil, herr
		}
		x, herr := toFloat32(nil, nums, inputs, "inputs")
		in[0] = x
		return inputs.shape[0], in, herr
	}
	if herr := checkKeys("inputs", inputs, names); herr != nil {
		return 0, nil, herr
	}
	rows := -1
	for i, n := range names {
		x, _ := inputs.get(n)
		what := "inputs." + n
		switch x.kind {
		case kTensor:
		case kList:
			return 0, nil, badRequest("%s: %s", what, raggedShape(x))
		default:
			return 0, nil, badRequest("%s must be numbers, got %s", what, x.kind)
		}
		if herr := checkShape(what, x.shape, shapes[i], n); herr != nil {
			return 0, nil, herr
		}
		if rows >= 0 && x.shape[0] != rows {
			return 0, nil, badRequest("%s has %d examples, inputs.%s has %d: the model's inputs take one example each", what, x.shape[0], names[0], rows)
		}
		rows = x.shape[0]
		var herr *httpError
		if in[i], herr = toFloat32(nil, nums, x, what); herr != nil {
			return 0, nil, herr
		}
	}
	return rows, in, nil
}

// checkKeys checks that an object holds exactly the model's inputs.
func checkKeys(what string, obj *value, names []string) *httpError {
	for _, k := range obj.keys {
		if !slices.Contains(names, k) {
			return badRequest("%s has an unknown input %q (the model takes %s)", what, k, strings.Join(names, ", "))
		}
	}
	for _, n := range names {
		if _, ok := obj.get(n); !ok {
			return badRequest("%s has no input %q (the model takes %s)", what, n, strings.Join(names, ", "))
		}
	}
	return nil
}

// checkShape checks a batch's shape against an input's per-example shape.
func checkShape(what string, got, per []int, input string) *httpError {
	if len(got) == 0 || !slices.Equal(got[1:], per) {
		return badRequest("%s has shape %s, the model's input %s takes %s (a list of examples of shape %s)", what, dims(got), input, dims(append([]int{-1}, per...)), dims(per))
	}
	if got[0] == 0 {
		return badRequest("%s has no example", what)
	}
	return nil
}

// toFloat32 appends a tensor's values to dst as float32, refusing finite
// values float32 cannot hold.
func toFloat32(dst []float32, nums []float64, v *value, what string) ([]float32, *httpError) {
	for i, f := range nums[v.off : v.off+v.n] {
		if math.Abs(f) > math.MaxFloat32 && !math.IsInf(f, 0) {
			return nil, badRequest("%s: value %g at index %d is out of FP32's range", what, f, i)
		}
		dst = append(dst, float32(f))
	}
	return dst, nil
}

// predictError maps a Predictor error to a response.
func predictError(err error) *httpError {
	if strings.Contains(err.Error(), "context canceled") || strings.Contains(err.Error(), "deadline exceeded") {
		return &httpError{http.StatusServiceUnavailable, "the request was cancelled: " + err.Error()}
	}
	return &httpError{http.StatusInternalServerError, "the model failed: " + err.Error()}
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}

// appendFloat appends v as TF Serving and Triton write numbers: the
// shortest decimal that reads back as the same float32, and the tokens
// NaN, Infinity and -Infinity for the values JSON has no number for.
func appendFloat(b []byte, v float32) []byte {
	switch f := float64(v); {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	return strconv.AppendFloat(b, float64(v), 'g', -1, 32)
}

// appendNested appends data as nested lists of the given shape.
func appendNested(b []byte, data []float32, shape []int) []byte {
	if len(shape) == 0 {
		return appendFloat(b, data[0])
	}
	b = append(b, '[')
	per := len(data)
	if shape[0] > 0 {
		per /= shape[0]
	}
	for i := range shape[0] {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNested(b, data[i*per:(i+1)*per], shape[1:])
	}
	return append(b, ']')
}
