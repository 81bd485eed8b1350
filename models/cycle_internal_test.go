package models

import (
	"strings"
	"testing"

	"github.com/neuron-go/neuron/layers"
)

// TestNewModelRejectsCycle builds a cycle that Apply cannot make, by
// rewiring a node's input, and checks that NewModel returns an error
// instead of looping.
func TestNewModelRejectsCycle(t *testing.T) {
	a := Input([]int{2}, "a")
	d1 := Apply(&layers.Dense{Units: 2}, a)
	d2 := Apply(&layers.Dense{Units: 2}, d1)
	d1.call.ins = []*Node{d2} // d1 ← d2 ← d1
	if _, err := NewModel([]*Node{a}, []*Node{d2}); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("NewModel on a cycle: %v", err)
	}
}
