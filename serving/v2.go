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

// The KServe / Triton v2 inference protocol (the Open Inference Protocol,
// kserve/open-inference-protocol, specification/protocol/inference_rest.md):
//
//	GET  /v2                                     server metadata
//	GET  /v2/health/live, /v2/health/ready       health
//	GET  /v2/models/NAME[/versions/V]            model metadata
//	GET  /v2/models/NAME[/versions/V]/ready      model readiness
//	POST /v2/models/NAME[/versions/V]/infer      inference on typed tensors

// serveV2 routes the v2 protocol.
func (s *Server) serveV2(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	label := ""
	defer func() { s.finish(r, label, "v2", rec.code, start) }()
	if herr := s.v2(rec, r, &label); herr != nil {
		writeError(rec, herr.code, herr.msg)
	}
}

func (s *Server) v2(w http.ResponseWriter, r *http.Request, label *string) *httpError {
	path := strings.TrimSuffix(r.URL.Path, "/")
	get := func() *httpError {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			return &httpError{http.StatusMethodNotAllowed, fmt.Sprintf("%s takes GET, got %s", r.URL.Path, r.Method)}
		}
		return nil
	}
	switch path {
	case "/v2":
		if herr := get(); herr != nil {
			return herr
		}
		writeJSON(w, http.StatusOK, []byte(`{"name":"neuron","version":"1","extensions":[]}`+"\n"))
		return nil
	case "/v2/health/live":
		if herr := get(); herr != nil {
			return herr
		}
		writeJSON(w, http.StatusOK, []byte(`{"live":true}`+"\n"))
		return nil
	case "/v2/health/ready":
		if herr := get(); herr != nil {
			return herr
		}
		ready := !s.closed.Load()
		for _, m := range s.models {
			ready = ready && m.state.Load().latest() != nil
		}
		code := http.StatusOK
		if !ready {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, []byte(`{"ready":`+strconv.FormatBool(ready)+"}\n"))
		return nil
	}
	rest, ok := strings.CutPrefix(path, "/v2/models/")
	if !ok || rest == "" {
		return &httpError{http.StatusNotFound, fmt.Sprintf("no such endpoint: %s (see /v2/models/NAME)", r.URL.Path)}
	}
	segs := strings.Split(rest, "/")
	name, segs := segs[0], segs[1:]
	var num int64
	verStr := ""
	if len(segs) >= 2 && segs[0] == "versions" {
		n, err := strconv.ParseInt(segs[1], 10, 64)
		if err != nil || n <= 0 {
			return badRequest("version %q is not a positive integer", segs[1])
		}
		num, verStr, segs = n, segs[1], segs[2:]
	}
	action := ""
	switch {
	case len(segs) == 0:
	case len(segs) == 1 && (segs[0] == "ready" || segs[0] == "infer"):
		action = segs[0]
	default:
		return &httpError{http.StatusNotFound, fmt.Sprintf("no such endpoint: %s", r.URL.Path)}
	}
	m := s.models[name]
	if m == nil {
		return &httpError{http.StatusNotFound, fmt.Sprintf("Request for unknown model: '%s' is not found", name)}
	}
	*label = name
	st := m.state.Load()
	var v *version
	if num == 0 {
		v = st.latest()
	} else {
		v = st.loaded[num]
	}
	if action == "infer" {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			return &httpError{http.StatusMethodNotAllowed, fmt.Sprintf("%s takes POST, got %s", r.URL.Path, r.Method)}
		}
		if v == nil {
			return &httpError{http.StatusNotFound, fmt.Sprintf("Request for unknown model: '%s' version %s is not found", name, verStr)}
		}
		return s.v2Infer(w, r, m, v)
	}
	if herr := get(); herr != nil {
		return herr
	}
	if action == "ready" {
		code := http.StatusOK
		if v == nil {
			code = http.StatusServiceUnavailable
			if num != 0 && st.failed[num].err == nil {
				return &httpError{http.StatusNotFound, fmt.Sprintf("Request for unknown model: '%s' version %s is not found", name, verStr)}
			}
		}
		b, _ := json.Marshal(struct {
			Name  string `json:"name"`
			Ready bool   `json:"ready"`
		}{name, v != nil})
		writeJSON(w, code, append(b, '\n'))
		return nil
	}
	if v == nil {
		return &httpError{http.StatusNotFound, fmt.Sprintf("Request for unknown model: '%s' version %s is not found", name, verStr)}
	}
	writeJSON(w, http.StatusOK, v2Metadata(name, st, v))
	return nil
}

type v2Tensor struct {
	Name     string `json:"name"`
	Datatype string `json:"datatype"`
	Shape    []int  `json:"shape"`
}

// v2Metadata is $metadata_model_response.
func v2Metadata(name string, st *modelState, v *version) []byte {
	doc := struct {
		Name     string     `json:"name"`
		Versions []string   `json:"versions"`
		Platform string     `json:"platform"`
		Inputs   []v2Tensor `json:"inputs"`
		Outputs  []v2Tensor `json:"outputs"`
	}{Name: name, Platform: "neuron"}
	for _, n := range st.order {
		doc.Versions = append(doc.Versions, strconv.FormatInt(n, 10))
	}
	for i, n := range v.p.InputNames() {
		doc.Inputs = append(doc.Inputs, v2Tensor{n, "FP32", append([]int{-1}, v.p.InputShapes()[i]...)})
	}
	for i, n := range v.p.OutputNames() {
		doc.Outputs = append(doc.Outputs, v2Tensor{n, "FP32", append([]int{-1}, v.p.OutputShapes()[i]...)})
	}
	b, _ := json.Marshal(doc)
	return append(b, '\n')
}

// v2Types are the protocol's tensor data types: the range of the integer
// ones, and whether the model (of FP32 inputs) can take them.
var v2Types = map[string]struct {
	lo, hi  float64
	integer bool
	numeric bool
}{
	"BOOL":   {},
	"BYTES":  {},
	"UINT8":  {0, math.MaxUint8, true, true},
	"UINT16": {0, math.MaxUint16, true, true},
	"UINT32": {0, math.MaxUint32, true, true},
	"UINT64": {0, math.MaxUint64, true, true},
	"INT8":   {math.MinInt8, math.MaxInt8, true, true},
	"INT16":  {math.MinInt16, math.MaxInt16, true, true},
	"INT32":  {math.MinInt32, math.MaxInt32, true, true},
	"INT64":  {math.MinInt64, math.MaxInt64, true, true},
	"FP16":   {-65504, 65504, false, true},
	"FP32":   {-math.MaxFloat32, math.MaxFloat32, false, true},
	"FP64":   {-math.MaxFloat64, math.MaxFloat64, false, true},
}

// v2Infer answers an inference request.
func (s *Server) v2Infer(w http.ResponseWriter, r *http.Request, m *model, v *version) *httpError {
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
	var id *string
	var inputs, outputs *value
	for i, k := range root.keys {
		x := &root.vals[i]
		switch k {
		case "id":
			if x.kind != kString {
				return badRequest("id must be a string, got %s", x.kind)
			}
			id = &x.str
		case "parameters":
			if x.kind != kObject {
				return badRequest("parameters must be an object, got %s", x.kind)
			}
		case "inputs":
			inputs = x
		case "outputs":
			outputs = x
		default:
			return badRequest("unknown key %q in the request (want id, parameters, inputs and outputs)", k)
		}
	}
	names, shapes := v.p.InputNames(), v.p.InputShapes()
	if inputs == nil || inputs.kind == kTensor && inputs.n == 0 && len(inputs.shape) == 1 {
		return badRequest("the request has no inputs; the model takes %s", strings.Join(names, ", "))
	}
	if inputs.kind != kList {
		return badRequest("inputs must be a list of tensors, got %s", inputs.kind)
	}
	in := make([][]float32, len(names))
	rows, first := -1, ""
	for j := range inputs.items {
		t := &inputs.items[j]
		if t.kind != kObject {
			return badRequest("inputs[%d] must be an object {name, shape, datatype, data}, got %s", j, t.kind)
		}
		ti, herr := readV2Tensor(j, t, nums)
		if herr != nil {
			return herr
		}
		i := slices.Index(names, ti.name)
		if i < 0 {
			return badRequest("unexpected inference input '%s': the model takes %s", ti.name, strings.Join(names, ", "))
		}
		if in[i] != nil {
			return badRequest("input '%s' is given twice", ti.name)
		}
		what := "input '" + ti.name + "'"
		typ := v2Types[ti.datatype]
		if !typ.numeric {
			return badRequest("%s has datatype %s, the model takes FP32 (or another numeric type: INT8…INT64, UINT8…UINT64, FP16, FP64)", what, ti.datatype)
		}
		if len(ti.shape) == 0 || !slices.Equal(ti.shape[1:], shapes[i]) {
			return badRequest("%s has shape %s, the model takes %s", what, dims(ti.shape), dims(append([]int{-1}, shapes[i]...)))
		}
		if ti.shape[0] == 0 {
			return badRequest("%s has no example (shape %s)", what, dims(ti.shape))
		}
		d := ti.data
		if d.kind != kTensor {
			if d.kind == kList {
				return badRequest("%s data: %s", what, raggedShape(d))
			}
			return badRequest("%s data must be numbers, got %s", what, d.kind)
		}
		if want := prod(ti.shape); d.n != want {
			return badRequest("%s has %d values in data, its shape %s holds %d", what, d.n, dims(ti.shape), want)
		}
		if len(d.shape) > 1 && !slices.Equal(d.shape, ti.shape) {
			return badRequest("%s data is nested as %s, its shape is %s", what, dims(d.shape), dims(ti.shape))
		}
		x := make([]float32, 0, d.n)
		for k, f := range nums[d.off : d.off+d.n] {
			if !math.IsNaN(f) && !math.IsInf(f, 0) {
				if f < typ.lo || f > typ.hi || typ.integer && f != math.Trunc(f) {
					return badRequest("%s: value %v at index %d is not %s", what, f, k, article(ti.datatype))
				}
			} else if typ.integer {
				return badRequest("%s: value %v at index %d is not %s", what, f, k, article(ti.datatype))
			}
			x = append(x, float32(f))
		}
		in[i] = x
		if rows >= 0 && ti.shape[0] != rows {
			return badRequest("%s has %d examples, input '%s' has %d: the model's inputs take one example each", what, ti.shape[0], first, rows)
		}
		if rows < 0 {
			rows, first = ti.shape[0], ti.name
		}
	}
	for i, n := range names {
		if in[i] == nil {
			return badRequest("expected %d inputs but got %d inputs for model '%s': input '%s' is missing", len(names), len(inputs.items), m.name, n)
		}
	}
	outNames := v.p.OutputNames()
	want := outNames
	if outputs != nil {
		if outputs.kind != kList && !(outputs.kind == kTensor && outputs.n == 0) {
			return badRequest("outputs must be a list of {\"name\": …}, got %s", outputs.kind)
		}
		want = nil
		for j := range outputs.items {
			o := &outputs.items[j]
			if o.kind != kObject {
				return badRequest("outputs[%d] must be an object {\"name\": …}, got %s", j, o.kind)
			}
			var name string
			for k, key := range o.keys {
				switch key {
				case "name":
					if o.vals[k].kind != kString {
						return badRequest("outputs[%d].name must be a string, got %s", j, o.vals[k].kind)
					}
					name = o.vals[k].str
				case "parameters":
					if pv := &o.vals[k]; pv.kind != kObject {
						return badRequest("outputs[%d].parameters must be an object, got %s", j, pv.kind)
					} else if _, bin := pv.get("binary_data"); bin {
						return badRequest("outputs[%d]: binary tensor data is not supported; ask for JSON data", j)
					}
				default:
					return badRequest("outputs[%d] has an unknown key %q (want name, parameters)", j, key)
				}
			}
			if !slices.Contains(outNames, name) {
				return badRequest("unexpected inference output '%s': the model's outputs are %s", name, strings.Join(outNames, ", "))
			}
			if slices.Contains(want, name) {
				return badRequest("output '%s' is requested twice", name)
			}
			want = append(want, name)
		}
	}
	out, err := s.predict(r.Context(), m, v, rows, in)
	if err != nil {
		return predictError(err)
	}
	b := append([]byte(`{"model_name":`), appendJSONString(nil, m.name)...)
	b = append(b, `,"model_version":`...)
	b = appendJSONString(b, strconv.FormatInt(v.num, 10))
	if id != nil {
		b = append(b, `,"id":`...)
		b = appendJSONString(b, *id)
	}
	b = append(b, `,"outputs":[`...)
	for k, n := range want {
		i := slices.Index(outNames, n)
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"name":`...)
		b = appendJSONString(b, n)
		b = append(b, `,"datatype":"FP32","shape":`...)
		b = append(b, dimsCompact(append([]int{rows}, v.p.OutputShapes()[i]...))...)
		b = append(b, `,"data":[`...)
		for j, x := range out[i] {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendFloat(b, x)
		}
		b = append(b, "]}"...)
	}
	writeJSON(w, http.StatusOK, append(b, "]}\n"...))
	return nil
}

// v2Input is a parsed $request_input.
type v2Input struct {
	name, datatype string
	shape          []int
	data           *value
}

// readV2Tensor reads inputs[j].
func readV2Tensor(j int, t *value, nums []float64) (v2Input, *httpError) {
	var ti v2Input
	var shape *value
	for k, key := range t.keys {
		x := &t.vals[k]
		switch key {
		case "name":
			if x.kind != kString {
				return ti, badRequest("inputs[%d].name must be a string, got %s", j, x.kind)
			}
			ti.name = x.str
		case "datatype":
			if x.kind != kString {
				return ti, badRequest("inputs[%d].datatype must be a string, got %s", j, x.kind)
			}
			ti.datatype = x.str
		case "shape":
			shape = x
		case "data":
			ti.data = x
		case "parameters":
			if x.kind != kObject {
				return ti, badRequest("inputs[%d].parameters must be an object, got %s", j, x.kind)
			}
			if _, bin := x.get("binary_data_size"); bin {
				return ti, badRequest("inputs[%d]: binary tensor data is not supported; send the values in data", j)
			}
		default:
			return ti, badRequest("inputs[%d] has an unknown key %q (want name, shape, datatype, parameters, data)", j, key)
		}
	}
	for _, f := range []struct {
		missing bool
		key     string
	}{{ti.name == "", "name"}, {shape == nil, "shape"}, {ti.datatype == "", "datatype"}, {ti.data == nil, "data"}} {
		if f.missing {
			return ti, badRequest("inputs[%d] has no %s", j, f.key)
		}
	}
	if shape.kind != kTensor || len(shape.shape) != 1 {
		return ti, badRequest("inputs[%d].shape must be a list of dimensions, got %s", j, shape.kind)
	}
	for _, f := range nums[shape.off : shape.off+shape.n] {
		if f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
			return ti, badRequest("inputs[%d].shape has the dimension %v; dimensions are integers >= 0", j, f)
		}
		ti.shape = append(ti.shape, int(f))
	}
	if _, ok := v2Types[ti.datatype]; !ok {
		return ti, badRequest("input '%s' has an unknown datatype %q (the protocol's are BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES)", ti.name, ti.datatype)
	}
	return ti, nil
}

// article names a datatype's values for an error.
func article(dt string) string { return "a valid " + dt + " value" }

// dimsCompact formats a shape as a JSON list without spaces.
func dimsCompact(s []int) string { return strings.ReplaceAll(dims(s), " ", "") }
