package strictjson

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

type inner struct {
	Units  int     `json:"units"`
	Rate   float32 `json:"rate"`
	Name   string  `json:"name"`
	OK     bool    `json:"ok"`
	Pair   [2]int  `json:"pair"`
	Shape  []*int  `json:"shape"`
	Opt    *inner  `json:"opt"`
	Raw    json.RawMessage
	Bytes  []byte           `json:"bytes"`
	Seed   uint64           `json:"seed"`
	Number Float            `json:"number"`
	Map    map[string]int64 `json:"map"`
}

type outer struct {
	Layers []inner `json:"layers"`
	Config inner   `json:"config"`
}

func TestDecodeAccepts(t *testing.T) {
	var o outer
	in := `{"layers": [{"units": 3, "shape": [null, 2], "pair": [1, 2], "opt": null, "Raw": {"x": [1, null]},
		"bytes": "AQI=", "seed": 18446744073709551615, "number": "NaN", "map": {"a": -1}}],
		"config": {"rate": 0.2, "name": "x", "ok": true, "number": 1e300}}`
	if err := Decode([]byte(in), &o); err != nil {
		t.Fatal(err)
	}
	l := o.Layers[0]
	if l.Units != 3 || l.Shape[0] != nil || *l.Shape[1] != 2 || l.Pair != [2]int{1, 2} || l.Seed != math.MaxUint64 ||
		string(l.Bytes) != "\x01\x02" || !math.IsNaN(float64(l.Number)) || l.Map["a"] != -1 {
		t.Errorf("decoded %+v", l)
	}
	if o.Config.Rate != 0.2 || o.Config.Number != 1e300 || !o.Config.OK {
		t.Errorf("decoded %+v", o.Config)
	}
}

func TestDecodeRejects(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"config": {"units": 1, "units": 2}}`, `config: duplicate key "units"`},
		{`{"layers": [{}, {"Units": 2}]}`, `layers[1]: unknown key "Units"`},
		{`{"config": {"unitz": 2}}`, `config: unknown key "unitz"`},
		{`{"config": {"units": "2"}}`, `config.units: want an integer, got "2"`},
		{`{"config": {"units": 2.5}}`, `config.units: want an integer of 64 bits, got 2.5`},
		{`{"config": {"units": 1e3}}`, `config.units: want an integer`},
		{`{"config": {"units": 99999999999999999999}}`, `config.units: want an integer of 64 bits`},
		{`{"config": {"seed": -1}}`, `config.seed: want a non-negative integer`},
		{`{"config": {"units": null}}`, `config.units: null is not allowed`},
		{`{"config": {"rate": 1e39}}`, `config.rate: 1e39 is out of range for a 32-bit float`},
		{`{"config": {"rate": "fast"}}`, `config.rate: want a number`},
		{`{"config": {"ok": 1}}`, `config.ok: want true or false`},
		{`{"config": {"name": 5}}`, `config.name: want a string`},
		{`{"config": {"pair": [1, 2, 3]}}`, `config.pair: want 2 elements, got 3`},
		{`{"config": {"pair": [1]}}`, `config.pair: want 2 elements, got 1`},
		{`{"config": {"shape": {"a": 1}}}`, `config.shape: want an array`},
		{`{"config": {"opt": {"units": true}}}`, `config.opt.units: want an integer`},
		{`{"config": {"bytes": [1, 2]}}`, `config.bytes: want a base64 string`},
		{`{"config": {"bytes": "!!"}}`, `config.bytes: not valid base64`},
		{`{"config": {"number": "Infinity"}}`, `config.number: want a number, "NaN"`},
		{`{"config": {"number": 1e999}}`, `config.number: 1e999 is out of range`},
		{`{"config": {"map": {"a": 1.5}}}`, `config.map.a: want an integer`},
		{`{"config": {"map": {"a": 1, "a": 2}}}`, `config.map: duplicate key "a"`},
		{`{"config": {"Raw": {"a": 1, "a": 2}}}`, `config.Raw: duplicate key "a"`},
		{`{"config": {}} {}`, `unexpected data after the JSON value`},
		{`{"config": {}`, `malformed JSON`},
		{`{"config": {"units": 1,}}`, `malformed JSON`},
		{"{\"config\": {\"name\": \"\xff\"}}", `not valid UTF-8`},
		{`[]`, `top level: want an object`},
		{`null`, `top level: null is not allowed`},
		{``, `malformed JSON`},
		{strings.Repeat(`{"opt":`, 70) + `{}` + strings.Repeat(`}`, 70), `nested more than 64 deep`},
		{`{"layers": [{"a": 1}], "weird key": 1}`, `layers[0]: unknown key "a"`},
		{`{"x y": 1}`, `top level: unknown key "x y"`},
	}
	for _, c := range cases {
		var o outer
		err := Decode([]byte(c.in), &o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%.60s: got %v, want %q", c.in, err, c.want)
		}
	}
}

func TestJoin(t *testing.T) {
	if got := Join(Join("", "a"), "dense/kernel"); got != `a["dense/kernel"]` {
		t.Errorf("got %s", got)
	}
	if got := Join("x", "y_1"); got != "x.y_1" {
		t.Errorf("got %s", got)
	}
}

func TestFloatRoundTrip(t *testing.T) {
	for _, v := range []float64{0, math.Copysign(0, -1), 1.0 / 3, math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)} {
		b, err := json.Marshal(Float(v))
		if err != nil {
			t.Fatal(err)
		}
		var got Float
		if err := Decode(b, &got); err != nil {
			t.Fatal(err)
		}
		if math.Float64bits(float64(got)) != math.Float64bits(v) && !(math.IsNaN(v) && math.IsNaN(float64(got))) {
			t.Errorf("%v → %s → %v", v, b, got)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"layers": [{"units": 3, "shape": [null, 2]}], "config": {"rate": 0.5}}`))
	f.Add([]byte(`{"config": {"map": {"a": 1}, "number": "NaN"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var o outer
		if err := Decode(b, &o); err != nil {
			return
		}
		// What Decode accepts, encoding/json accepts.
		var p outer
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("Decode accepted what json.Unmarshal rejects: %v", err)
		}
	})
}

func TestPythonNonFinite(t *testing.T) {
	in := `{"loss": [0.5, NaN, Infinity, -Infinity], "name": "NaN Infinity \"NaN\""}`
	want := `{"loss": [0.5, null, null, null], "name": "NaN Infinity \"NaN\""}`
	if got := string(PythonNonFinite([]byte(in))); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
