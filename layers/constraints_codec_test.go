package layers_test

import (
	"strings"
	"testing"

	"github.com/neuron-go/neuron/constraints"
	"github.com/neuron-go/neuron/layers"
)

// TestConstraintConfigs checks the keys Keras 3 writes for each constraint
// (keras/src/constraints) on Dense, Conv2D and PReLU, and that they load
// back.
func TestConstraintConfigs(t *testing.T) {
	for _, c := range []struct {
		l    layers.Layer
		want []string
	}{
		{&layers.Dense{Units: 2, KernelConstraint: constraints.MaxNorm{}, BiasConstraint: constraints.NonNeg{}},
			[]string{`"kernel_constraint":{"class_name":"MaxNorm","config":{"max_value":2,"axis":0}}`, `"bias_constraint":{"class_name":"NonNeg","config":{}}`}},
		{&layers.Dense{Units: 2, KernelConstraint: constraints.MinMaxNorm{}},
			[]string{`"kernel_constraint":{"class_name":"MinMaxNorm","config":{"min_value":0,"max_value":1,"rate":1,"axis":0}}`}},
		{&layers.Dense{Units: 2, KernelConstraint: constraints.MinMaxNorm{MinValue: 0.5, MaxValue: 3, Rate: 0.25, Axis: []int{1}}},
			[]string{`"kernel_constraint":{"class_name":"MinMaxNorm","config":{"min_value":0.5,"max_value":3,"rate":0.25,"axis":1}}`}},
		{&layers.Conv2D{Filters: 2, KernelSize: [2]int{3, 3}, KernelConstraint: constraints.UnitNorm{Axis: []int{0, 1, 2}}},
			[]string{`"kernel_constraint":{"class_name":"UnitNorm","config":{"axis":[0,1,2]}}`}},
		{&layers.PReLU{AlphaConstraint: constraints.NonNeg{}},
			[]string{`"alpha_constraint":{"class_name":"NonNeg","config":{}}`}},
	} {
		b, err := layers.MarshalLayer(c.l, "x")
		if err != nil {
			t.Fatalf("%T: %v", c.l, err)
		}
		for _, w := range c.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%T: %s\nwant it to contain %s", c.l, b, w)
			}
		}
		back, _, err := layers.UnmarshalLayer(b)
		if err != nil {
			t.Fatalf("%T: %v", c.l, err)
		}
		if b2, _ := layers.MarshalLayer(back, "x"); string(b2) != string(b) {
			t.Errorf("%T: round trip %s, want %s", c.l, b2, b)
		}
	}
	// No constraint: no key, as the configs were before.
	if b, _ := layers.MarshalLayer(&layers.Dense{Units: 2}, "d"); strings.Contains(string(b), "constraint") {
		t.Errorf("unconstrained Dense: %s", b)
	}
	// As Keras 3 writes them.
	in := `{"class_name":"Dense","config":{"name":"d","units":2,"kernel_constraint":{"module":"keras.constraints","class_name":"MaxNorm","config":{"max_value":3,"axis":0},"registered_name":null},"bias_constraint":null}}`
	l, _, err := layers.UnmarshalLayer([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if k := l.(*layers.Dense).KernelConstraint.(constraints.MaxNorm); k.MaxValue != 3 || len(k.Axis) != 1 || k.Axis[0] != 0 {
		t.Errorf("loaded %+v", k)
	}
	for _, c := range []struct{ kc, want string }{
		{`{"class_name":"MaxNorm","config":{"max_value":-1}}`, "kernel_constraint: MaxNorm: max_value must be positive, got -1"},
		{`{"class_name":"MinMaxNorm","config":{"min_value":2,"max_value":1}}`, "min_value <= max_value"},
		{`{"class_name":"MinMaxNorm","config":{"rate":2}}`, "rate must be in (0, 1], got 2"},
		{`{"class_name":"UnitNorm","config":{"axis":"x"}}`, "axis"},
		{`{"class_name":"Clip","config":{}}`, `kernel_constraint: unknown constraint class "Clip"`},
	} {
		in := `{"class_name":"Dense","config":{"name":"d","units":2,"kernel_constraint":` + c.kc + `}}`
		if _, _, err := layers.UnmarshalLayer([]byte(in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.kc, err, c.want)
		}
	}
	// An axis beyond the weight's rank is refused at Build, naming the field.
	d := &layers.Dense{Units: 2, KernelConstraint: constraints.MaxNorm{Axis: []int{2}}}
	if _, err := d.Build([]int{3}, nil); err == nil || !strings.Contains(err.Error(), "layers: Dense: KernelConstraint: constraints: MaxNorm: axis 2 is out of range for a weight of shape [3 2]") {
		t.Errorf("Build: %v", err)
	}
}
