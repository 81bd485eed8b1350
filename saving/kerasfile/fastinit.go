package kerasfile

import (
	"encoding/json"
	"reflect"

	"github.com/neuron-go/neuron/initializers"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

// Building a model draws its initial weights, which loading then
// overwrites: for a large model the random draws cost more than reading
// the file. So a Sequential whose layers hold their initializers in
// exported fields is built with Zeros initializers (only allocation), and
// its layers get the file's initializers back afterwards, so that the
// model saves and trains as the file says.

// wrappers are the classes that hold other layers, whose built copies
// are beyond reach; models with them are built as the config says.
var wrappers = map[string]bool{"Bidirectional": true, "TimeDistributed": true}

var initializerType = reflect.TypeFor[initializers.Initializer]()

// zeroInitConfig returns a Sequential's neuron config with every
// initializer replaced by Zeros, or nil when the model is not one that
// restoreInitializers can give its initializers back.
func zeroInitConfig(t *translated) []byte {
	for _, l := range t.layers {
		if wrappers[l.class] || l.sub != nil {
			return nil
		}
	}
	var v any
	if json.Unmarshal(t.modelConfig, &v) != nil {
		return nil
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				if len(k) > 12 && k[len(k)-12:] == "_initializer" {
					if _, ok := c.(map[string]any); ok {
						v[k] = map[string]any{"class_name": "Zeros", "config": map[string]any{}}
						continue
					}
				}
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(v)
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// restoreInitializers gives the layers of m, built from zeroInitConfig's
// config, the initializers of the layers the original config describes:
// a Sequential's by position, a functional model's by name.
func restoreInitializers(m saving.Model, t *translated) error {
	var cfg struct {
		Config struct {
			Layers []struct {
				ClassName string          `json:"class_name"`
				Config    json.RawMessage `json:"config"`
				Name      string          `json:"name"`
			} `json:"layers"`
		} `json:"config"`
	}
	if err := json.Unmarshal(t.modelConfig, &cfg); err != nil {
		return err
	}
	var built func(i int, name string) (any, bool)
	switch m := m.(type) {
	case *models.Sequential:
		ls := m.Layers()
		if len(ls) != len(cfg.Config.Layers) {
			return invalidf("the model has %d layers, its config %d", len(ls), len(cfg.Config.Layers))
		}
		built = func(i int, _ string) (any, bool) { return ls[i], true }
	case *models.Model:
		byName := map[string]any{}
		for i, n := range m.LayerNames() {
			byName[n] = m.Layers()[i]
		}
		built = func(_ int, name string) (any, bool) { l, ok := byName[name]; return l, ok }
	default:
		return nil
	}
	for i, l := range cfg.Config.Layers {
		if l.ClassName == "InputLayer" {
			continue
		}
		b, ok := built(i, l.Name)
		if !ok {
			return invalidf("layer %q of the config is not in the model", l.Name)
		}
		raw, err := json.Marshal(map[string]any{"class_name": l.ClassName, "config": l.Config})
		if err != nil {
			return err
		}
		fresh, _, err := layers.UnmarshalLayer(raw)
		if err != nil {
			return err
		}
		copyInitializers(reflect.ValueOf(b), reflect.ValueOf(fresh))
	}
	return nil
}

// copyInitializers copies the exported initializer fields of the struct
// src points to into the one dst points to.
func copyInitializers(dst, src reflect.Value) {
	if dst.Kind() != reflect.Pointer || src.Kind() != reflect.Pointer || dst.Type() != src.Type() {
		return
	}
	d, s := dst.Elem(), src.Elem()
	if d.Kind() != reflect.Struct {
		return
	}
	for i := range d.NumField() {
		f := d.Type().Field(i)
		if f.IsExported() && f.Type == initializerType {
			d.Field(i).Set(s.Field(i))
		}
	}
}
