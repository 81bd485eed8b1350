package losses

import "fmt"

// TargetChecker is implemented by losses that declare the targets they
// take. Fit and Evaluate call CheckTargets with the per-example shapes of
// the targets and of the model's output before training, so that targets
// of the wrong shape are an error that says so rather than a wrong loss.
//
// A loss of one's own may implement it, or LabelChecker for integer class
// labels; a loss that implements neither gets the targets as they are, as
// Keras hands y_true to a custom loss, with only their number of rows and
// their finiteness checked.
type TargetChecker interface {
	// CheckTargets returns an error if targets of per-example shape
	// target do not suit outputs of per-example shape output.
	CheckTargets(target, output []int) error
}

// checkSameSize is the rule of the losses that compare targets with
// predictions elementwise: the same shape, or the same number of values
// (targets (n) for outputs (n, 1)).
func checkSameSize(name string, target, output []int) error {
	if equal(target, output) || prod(target) == prod(output) {
		return nil
	}
	hint := ""
	if len(target) == 0 || (len(target) == 1 && target[0] == 1) {
		hint = "; for integer class labels use losses.SparseCategoricalCrossentropy, or one-hot targets (to_categorical)"
	}
	return fmt.Errorf("per-example shape %v, model outputs %v: %s takes targets of the outputs' shape%s", target, output, name, hint)
}

func equal(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func prod(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l CategoricalCrossentropy) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l BinaryCrossentropy) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l MeanSquaredError) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l MeanAbsoluteError) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l MeanAbsolutePercentageError) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l MeanSquaredLogarithmicError) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l Huber) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l LogCosh) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l KLDivergence) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l Poisson) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l Hinge) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l SquaredHinge) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l CategoricalHinge) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l CosineSimilarity) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l BinaryFocalCrossentropy) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}

// CheckTargets implements TargetChecker: targets of the outputs' shape.
func (l CategoricalFocalCrossentropy) CheckTargets(target, output []int) error {
	return checkSameSize(l.Name(), target, output)
}
