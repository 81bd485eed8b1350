package layers_test

import (
	"strings"
	"testing"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
)

// TestInitializerConfigs checks the class names and config keys Keras 3
// writes for each initializer (keras/src/initializers) and that they load
// back to the same initializer.
func TestInitializerConfigs(t *testing.T) {
	for _, c := range []struct {
		ini  initializers.Initializer
		want string
	}{
		{initializers.GlorotNormal{}, `{"class_name":"GlorotNormal","config":{}}`},
		{initializers.LecunNormal{}, `{"class_name":"LecunNormal","config":{}}`},
		{initializers.LecunUniform{}, `{"class_name":"LecunUniform","config":{}}`},
		{initializers.HeNormal{}, `{"class_name":"HeNormal","config":{}}`},
		{initializers.TruncatedNormal{Mean: 0.5, Stddev: 0.1}, `{"class_name":"TruncatedNormal","config":{"mean":0.5,"stddev":0.1}}`},
		{initializers.TruncatedNormal{}, `{"class_name":"TruncatedNormal","config":{"mean":0,"stddev":0.05}}`},
		{initializers.VarianceScaling{}, `{"class_name":"VarianceScaling","config":{"scale":1,"mode":"fan_in","distribution":"truncated_normal"}}`},
		{initializers.VarianceScaling{Scale: 2, Mode: "fan_avg", Distribution: "uniform"}, `{"class_name":"VarianceScaling","config":{"scale":2,"mode":"fan_avg","distribution":"uniform"}}`},
		{initializers.Orthogonal{}, `{"class_name":"Orthogonal","config":{"gain":1}}`},
		{initializers.Orthogonal{Gain: 2}, `{"class_name":"Orthogonal","config":{"gain":2}}`},
		{initializers.Identity{}, `{"class_name":"Identity","config":{}}`},
		{initializers.Identity{Gain: 3}, `{"class_name":"Identity","config":{"gain":3}}`},
		{initializers.Constant{Value: 0.25}, `{"class_name":"Constant","config":{"value":0.25}}`},
	} {
		l := &layers.Dense{Units: 4, KernelInitializer: c.ini}
		b, err := layers.MarshalLayer(l, "d")
		if err != nil {
			t.Fatalf("%T: %v", c.ini, err)
		}
		if !strings.Contains(string(b), `"kernel_initializer":`+c.want) {
			t.Errorf("%T%+v: %s\nwant kernel_initializer %s", c.ini, c.ini, b, c.want)
		}
		back, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatalf("%T: %v", c.ini, err)
		}
		if b2, _ := layers.MarshalLayer(back, "d"); string(b2) != string(b) {
			t.Errorf("%T: round trip %s, want %s", c.ini, b2, b)
		}
	}
	// As Keras 3 writes them: module, registered_name, seed and the
	// variance-scaling axes, all accepted.
	for _, ki := range []string{
		`{"module":"keras.initializers","class_name":"GlorotUniform","config":{"seed":null,"input_axes":null,"output_axes":null},"registered_name":null}`,
		`{"module":"keras.initializers","class_name":"HeNormal","config":{"seed":42},"registered_name":null}`,
		`{"class_name":"VarianceScaling","config":{"scale":0.5,"mode":"fan_out","distribution":"normal","seed":null,"input_axes":null,"output_axes":null}}`,
		`{"class_name":"TruncatedNormal","config":{"mean":0.0,"stddev":0.02,"seed":null}}`,
		`{"class_name":"Orthogonal","config":{"gain":1.0,"seed":null}}`,
		`{"class_name":"OrthogonalInitializer","config":{"gain":1.0,"seed":null}}`,
		`{"class_name":"Identity","config":{}}`,
	} {
		in := `{"class_name":"Dense","config":{"name":"d","units":4,"kernel_initializer":` + ki + `}}`
		if _, _, err := layers.UnmarshalLayer([]byte(in)); err != nil {
			t.Errorf("%s: %v", ki, err)
		}
	}
	for _, c := range []struct{ ki, want string }{
		{`{"class_name":"VarianceScaling","config":{"mode":"fan_sum"}}`, `mode must be fan_in, fan_out or fan_avg, got "fan_sum"`},
		{`{"class_name":"VarianceScaling","config":{"distribution":"gamma"}}`, `distribution must be truncated_normal, untruncated_normal or uniform, got "gamma"`},
		{`{"class_name":"VarianceScaling","config":{"scale":-1}}`, "scale must be positive, got -1"},
		{`{"class_name":"VarianceScaling","config":{"input_axes":[0]}}`, "input_axes and output_axes are not supported"},
		{`{"class_name":"TruncatedNormal","config":{"stddev":-0.1}}`, "kernel_initializer: TruncatedNormal: stddev must be positive, got -0.1"},
		{`{"class_name":"Orthogonal","config":{"gain":0}}`, "gain must be finite and not 0, got 0"},
		{`{"class_name":"GlorotNormal","config":{"scale":2}}`, `unknown key "scale"`},
	} {
		in := `{"class_name":"Dense","config":{"name":"d","units":4,"kernel_initializer":` + c.ki + `}}`
		if _, _, err := layers.UnmarshalLayer([]byte(in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.ki, err, c.want)
		}
	}
}

// TestInitializerArgumentsAtBuild checks that a layer refuses at Build an
// initializer with bad arguments or one that does not fit its weight.
func TestInitializerArgumentsAtBuild(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		in   []int
		want string
	}{
		{&layers.Dense{Units: 3, KernelInitializer: initializers.TruncatedNormal{Stddev: -1}}, []int{4},
			"layers: Dense: KernelInitializer: initializers: TruncatedNormal: stddev must be a positive number and mean finite, got stddev -1"},
		{&layers.Dense{Units: 3, BiasInitializer: initializers.Orthogonal{}}, []int{4},
			"layers: Dense: BiasInitializer: initializers: Orthogonal: the weight must have at least 2 dimensions, got shape [3]"},
		{&layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}, KernelInitializer: initializers.Identity{}}, []int{5, 5, 1},
			"layers: Conv2D: KernelInitializer: initializers: Identity: the weight must be a matrix (2 dimensions), got shape [3 3 1 2]"},
		{&layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}, KernelInitializer: initializers.VarianceScaling{Mode: "fan"}}, []int{5, 5, 1},
			`layers: Conv2D: KernelInitializer: initializers: VarianceScaling: mode must be fan_in, fan_out or fan_avg, got "fan"`},
		{&layers.PReLU{AlphaInitializer: initializers.RandomNormal{Stddev: -1}}, []int{4}, "layers: PReLU: AlphaInitializer"},
	} {
		if _, err := c.l.Build(c.in, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: error %v, want it to contain %q", c.l, err, c.want)
		}
	}
	d := &layers.Dense{Units: 3, KernelInitializer: initializers.Identity{}}
	if _, err := d.Build([]int{3}, nil); err != nil {
		t.Fatal(err)
	}
	for i, v := range d.Weights()[0].Value.Data() {
		if want := float32(map[bool]int{true: 1}[i%4 == 0]); v != want {
			t.Fatalf("identity kernel %v", d.Weights()[0].Value.Data())
		}
	}
}
