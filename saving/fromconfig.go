package saving

import (
	"encoding/json"

	"github.com/neuron-go/neuron/internal/safetensors"
	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
)

// FromConfig builds a model from an architecture and compile settings in
// the JSON forms Save writes under model_config and compile_config (see
// Save and LoadModel), with the checks Load makes on them: a
// *models.Sequential for class_name "Sequential", a functional
// *models.Model for "Functional". The model is built with fresh weights
// and, when compileConfig is not empty, compiled with a fresh optimizer.
//
// It is for readers of other formats (package saving/kerasfile translates
// Keras files to these forms): they build the model here and then give
// it its weights and optimizer state with SetTrainingState.
func FromConfig(modelConfig, compileConfig []byte) (Model, error) {
	return fromConfig(modelConfig, compileConfig, true)
}

// FromConfigForLoading is FromConfig for a reader that gives the model
// every weight right after, as Load does: a functional model's weights
// are allocated once, when its layers are applied, and not allocated and
// drawn again from the model's seed (see models.NewModelKeepingWeights).
func FromConfigForLoading(modelConfig, compileConfig []byte) (Model, error) {
	return fromConfig(modelConfig, compileConfig, false)
}

// fromConfig is FromConfig; draw says whether a functional model's
// weights are drawn from its seed.
func fromConfig(modelConfig, compileConfig []byte, draw bool) (Model, error) {
	f := &safetensors.File{Meta: map[string]string{metaModel: string(modelConfig)}}
	if len(compileConfig) > 0 {
		f.Meta[metaCompile] = string(compileConfig)
		f.Meta[metaTraining] = `{"iterations":0,"learning_rate":0,"slots":[]}`
	}
	var head struct {
		ClassName string `json:"class_name"`
	}
	if err := json.Unmarshal(modelConfig, &head); err != nil {
		return nil, invalidf("%s: %v", metaModel, err)
	}
	if head.ClassName == functionalClass {
		var sf savedFunctional
		if err := strictjson.Decode(modelConfig, &sf); err != nil {
			return nil, invalidf("%s: %v", metaModel, err)
		}
		p, err := planFunctional(&sf.Config, metaModel, 0)
		if err != nil {
			return nil, err
		}
		lc, err := parseFunctionalCompile(f)
		if err != nil {
			return nil, err
		}
		m, err := p.build(metaModel, draw)
		if err != nil {
			return nil, err
		}
		if lc != nil {
			if err := m.Compile(lc.cfg); err != nil {
				return nil, invalidf("%s: %v", metaCompile, err)
			}
		}
		return m, nil
	}
	lm, err := parseModelConfig(string(modelConfig))
	if err != nil {
		return nil, err
	}
	lc, err := parseCompile(f)
	if err != nil {
		return nil, err
	}
	m := models.NewSequential(lm.layers...)
	if err := nameLayers(m, lm.names); err != nil {
		return nil, err
	}
	m.Name = lm.name
	m.SetSeed(lm.seed)
	if err := m.Build(lm.inShape...); err != nil {
		return nil, invalidf("%s: %v", metaModel, err)
	}
	if lc != nil {
		if err := m.Compile(lc.cfg); err != nil {
			return nil, invalidf("%s: %v", metaCompile, err)
		}
	}
	return m, nil
}

// PlanConfig checks an architecture as FromConfig does and returns the
// weights its model would have, named as in NamedWeights, without
// allocating them: a reader of another format compares them with what
// its file holds before it builds the model.
func PlanConfig(modelConfig []byte) ([]layers.WeightShape, error) {
	var head struct {
		ClassName string `json:"class_name"`
	}
	if err := json.Unmarshal(modelConfig, &head); err != nil {
		return nil, invalidf("%s: %v", metaModel, err)
	}
	if head.ClassName == functionalClass {
		var sf savedFunctional
		if err := strictjson.Decode(modelConfig, &sf); err != nil {
			return nil, invalidf("%s: %v", metaModel, err)
		}
		p, err := planFunctional(&sf.Config, metaModel, 0)
		if err != nil {
			return nil, err
		}
		return p.weights(), nil
	}
	lm, err := parseModelConfig(string(modelConfig))
	if err != nil {
		return nil, err
	}
	var out []layers.WeightShape
	for i, ws := range lm.weights {
		for _, w := range ws {
			w.Name = lm.names[i] + "/" + w.Name
			out = append(out, w)
		}
	}
	return out, nil
}

// ModelConfig returns the JSON Save writes under model_config for m: the
// architecture in neuron's Keras-shaped form, which FromConfig reads.
func ModelConfig(m Model) ([]byte, error) { return modelConfig(m) }

// CompileConfig returns the JSON Save writes under compile_config for a
// compiled m, which FromConfig reads.
func CompileConfig(m Model) ([]byte, error) { return compileConfig(m) }
