package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/neuron-go/neuron/tensor"
)

// shapeOfArray returns the shape of a.
func shapeOfArray(a Array) []int {
	s := make([]int, a.Rank())
	for i := range s {
		s[i] = a.Dim(i)
	}
	return s
}

// allValues reads every example of a into a float32 tensor of its shape.
func allValues(a Array) *tensor.Tensor {
	shape := shapeOfArray(a)
	if t, ok := a.(*tensor.Tensor); ok {
		return t
	}
	dst := tensor.Zeros(shape...)
	idx := make([]int, shape[0])
	for i := range idx {
		idx[i] = i
	}
	a.TakeRowsInto(dst, idx)
	return dst
}

// ToCategorical converts integer class labels to one-hot rows, as
// keras.utils.to_categorical: labels of shape (n,) (or (n, 1), whose last
// axis of size 1 is dropped, as Keras drops it) become a float32 tensor of
// shape (n, numClasses) with a 1 in column y. numClasses 0 means Keras's
// None: the largest label plus one. Every label must be a whole number in
// [0, numClasses); Keras lets NumPy raise an IndexError for one out of
// range, and a negative one wraps silently there, where here both are
// errors naming the label.
func ToCategorical(y Array, numClasses int) (*tensor.Tensor, error) {
	if isNil(y) {
		return nil, fmt.Errorf("data: ToCategorical: y is nil")
	}
	if numClasses < 0 {
		return nil, fmt.Errorf("data: ToCategorical: num_classes must be >= 0 (0 for the largest label + 1), got %d", numClasses)
	}
	if y.Rank() < 1 {
		return nil, fmt.Errorf("data: ToCategorical: y has rank 0; want labels of shape (n,)")
	}
	shape := shapeOfArray(y)
	if len(shape) > 1 && shape[len(shape)-1] == 1 {
		shape = shape[:len(shape)-1]
	}
	vals := allValues(y).Data()
	labels := make([]int, len(vals))
	top := -1
	for i, v := range vals {
		if v != float32(math.Trunc(float64(v))) || v < 0 || v > 1<<24 {
			return nil, fmt.Errorf("data: ToCategorical: label %v at index %d is not a non-negative integer", v, i)
		}
		labels[i] = int(v)
		top = max(top, labels[i])
	}
	if numClasses == 0 {
		numClasses = top + 1
		if numClasses == 0 {
			return nil, fmt.Errorf("data: ToCategorical: y holds no labels and num_classes is 0; give num_classes")
		}
	}
	out := make([]float32, len(labels)*numClasses)
	for i, c := range labels {
		if c >= numClasses {
			return nil, fmt.Errorf("data: ToCategorical: label %d at index %d is outside [0, %d) (num_classes=%d)", c, i, numClasses, numClasses)
		}
		out[i*numClasses+c] = 1
	}
	return tensor.FromSlice(out, append(slices.Clone(shape), numClasses)...), nil
}

// Normalize divides x by its order-norm along axis, as
// keras.utils.normalize(x, axis, order) does for a NumPy array (np.linalg.norm,
// with a norm of 0 replaced by 1, so that zero vectors stay zero). Keras's
// defaults are axis -1 and order 2; a negative axis counts from the end.
// order 1 is the sum of absolute values, 2 the Euclidean norm, p > 0 in
// general (Σ|x|^p)^(1/p), and math.MaxInt the largest absolute value (NumPy's
// inf). It returns a new tensor and leaves x unchanged.
func Normalize(x *tensor.Tensor, axis, order int) (*tensor.Tensor, error) {
	if x == nil {
		return nil, fmt.Errorf("data: Normalize: x is nil")
	}
	r := x.Rank()
	if r == 0 {
		return nil, fmt.Errorf("data: Normalize: x has rank 0")
	}
	ax := axis
	if ax < 0 {
		ax += r
	}
	if ax < 0 || ax >= r {
		return nil, fmt.Errorf("data: Normalize: axis %d is out of range for a tensor of rank %d", axis, r)
	}
	if order < 1 {
		return nil, fmt.Errorf("data: Normalize: order must be >= 1 (math.MaxInt for the max norm), got %d", order)
	}
	shape := x.Shape()
	outer, inner := 1, 1
	for _, d := range shape[:ax] {
		outer *= d
	}
	for _, d := range shape[ax+1:] {
		inner *= d
	}
	n := shape[ax]
	src := x.Data()
	out := make([]float32, len(src))
	for o := range outer {
		for in := range inner {
			base := o*n*inner + in
			norm := 0.0
			for k := range n {
				v := math.Abs(float64(src[base+k*inner]))
				switch order {
				case 1:
					norm += v
				case 2:
					norm += v * v
				case math.MaxInt:
					norm = math.Max(norm, v)
				default:
					norm += math.Pow(v, float64(order))
				}
			}
			switch order {
			case 1, math.MaxInt:
			case 2:
				norm = math.Sqrt(norm)
			default:
				norm = math.Pow(norm, 1/float64(order))
			}
			if norm == 0 {
				norm = 1
			}
			for k := range n {
				out[base+k*inner] = float32(float64(src[base+k*inner]) / norm)
			}
		}
	}
	return tensor.FromSlice(out, slices.Clone(shape)...), nil
}

// Permutation returns a random order of 0, …, n-1 drawn from seed: the same
// seed gives the same order on every run and machine.
func Permutation(n int, seed uint64) []int {
	return rand.New(rand.NewPCG(seed, 0x5eed)).Perm(n)
}

// Take copies the examples idx of a, in that order, into a new float32
// tensor: a[idx] in NumPy. An index out of range is an error naming it.
func Take(a Array, idx []int) (*tensor.Tensor, error) {
	if isNil(a) {
		return nil, fmt.Errorf("data: Take: the array is nil")
	}
	if a.Rank() < 1 {
		return nil, fmt.Errorf("data: Take: the array has rank 0; it needs an axis of examples")
	}
	n := a.Dim(0)
	for i, j := range idx {
		if j < 0 || j >= n {
			return nil, fmt.Errorf("data: Take: index %d (position %d) is out of range for %d examples", j, i, n)
		}
	}
	shape := shapeOfArray(a)
	shape[0] = len(idx)
	dst := tensor.Zeros(shape...)
	if len(idx) > 0 {
		a.TakeRowsInto(dst, idx)
	}
	return dst, nil
}

// ShuffleTogether shuffles several arrays with the same order, so that
// example i of each stays with example i of the others (x with its labels,
// for example), like sklearn.utils.shuffle(x, y, random_state=seed). It
// returns float32 copies; the arrays must all have the same number of
// examples.
func ShuffleTogether(seed uint64, arrays ...Array) ([]*tensor.Tensor, error) {
	n, err := commonLength("ShuffleTogether", arrays)
	if err != nil {
		return nil, err
	}
	perm := Permutation(n, seed)
	out := make([]*tensor.Tensor, len(arrays))
	for i, a := range arrays {
		if out[i], err = Take(a, perm); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func commonLength(op string, arrays []Array) (int, error) {
	if len(arrays) == 0 {
		return 0, fmt.Errorf("data: %s: no arrays", op)
	}
	n := -1
	for i, a := range arrays {
		if isNil(a) {
			return 0, fmt.Errorf("data: %s: array %d is nil", op, i)
		}
		if a.Rank() < 1 {
			return 0, fmt.Errorf("data: %s: array %d has rank 0; it needs an axis of examples", op, i)
		}
		if n < 0 {
			n = a.Dim(0)
		} else if a.Dim(0) != n {
			return 0, fmt.Errorf("data: %s: array %d has %d examples, array 0 has %d", op, i, a.Dim(0), n)
		}
	}
	return n, nil
}

// SplitOptions configures TrainTestSplit. The zero value holds out a
// quarter of the examples at random with seed 0, as
// sklearn.model_selection.train_test_split's default test_size.
type SplitOptions struct {
	// TestSize is the fraction of the examples held out for the test
	// side, in (0, 1); 0 means 0.25. The test side gets ceil(TestSize·n)
	// examples, as scikit-learn counts them.
	TestSize float64
	// Stratify, if not nil, holds a class label per example; each class
	// is then split in the same proportion, so both sides keep the class
	// balance of the whole (scikit-learn's stratify=y). The test count of
	// each class is its share of the test size, rounded by largest
	// remainder so that the counts add up, and every class keeps at least
	// one example on each side.
	Stratify []int
	// Seed fixes the random draw; the same seed gives the same split.
	Seed uint64
	// NoShuffle keeps the order: the test side is the last examples
	// (scikit-learn's shuffle=False). It cannot be combined with
	// Stratify, as in scikit-learn.
	NoShuffle bool
}

// TrainTestSplit splits the examples 0, …, n-1 into a training and a test
// side and returns the indices of each: in order with NoShuffle, in random
// order otherwise. Give the indices to Take for each array (x, y, sample
// weights), so that all are split alike.
func TrainTestSplit(n int, opts SplitOptions) (train, test []int, err error) {
	size := opts.TestSize
	if size == 0 {
		size = 0.25
	}
	if !(size > 0 && size < 1) {
		return nil, nil, fmt.Errorf("data: TrainTestSplit: test_size must be a fraction in (0, 1), got %v", opts.TestSize)
	}
	if n < 2 {
		return nil, nil, fmt.Errorf("data: TrainTestSplit: need at least 2 examples, got %d", n)
	}
	nTest := int(math.Ceil(size * float64(n)))
	if nTest >= n {
		return nil, nil, fmt.Errorf("data: TrainTestSplit: with %d examples and test_size=%v, the training side would be empty", n, size)
	}
	if opts.NoShuffle {
		if opts.Stratify != nil {
			return nil, nil, fmt.Errorf("data: TrainTestSplit: stratify needs shuffling (NoShuffle is set)")
		}
		train = make([]int, n-nTest)
		for i := range train {
			train[i] = i
		}
		test = make([]int, nTest)
		for i := range test {
			test[i] = n - nTest + i
		}
		return train, test, nil
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x5711))
	if opts.Stratify == nil {
		perm := rng.Perm(n)
		return perm[nTest:], perm[:nTest], nil
	}
	if len(opts.Stratify) != n {
		return nil, nil, fmt.Errorf("data: TrainTestSplit: stratify has %d labels for %d examples", len(opts.Stratify), n)
	}
	byClass := map[int][]int{}
	for i, c := range opts.Stratify {
		byClass[c] = append(byClass[c], i)
	}
	classes := make([]int, 0, len(byClass))
	for c, members := range byClass {
		if len(members) < 2 {
			return nil, nil, fmt.Errorf("data: TrainTestSplit: class %d of stratify has only %d example; each class needs at least 2", c, len(members))
		}
		classes = append(classes, c)
	}
	slices.Sort(classes)
	if nTest < len(classes) || n-nTest < len(classes) {
		return nil, nil, fmt.Errorf("data: TrainTestSplit: test size %d and train size %d must each be at least the number of classes, %d", nTest, n-nTest, len(classes))
	}
	// Largest remainder: floor of each class's share, then one more to
	// the classes with the largest fractional parts (ties to the larger
	// class, then the smaller label) until the counts add up to nTest.
	quota := make([]int, len(classes))
	type rem struct {
		frac  float64
		count int
		k     int
	}
	rems := make([]rem, len(classes))
	given := 0
	for k, c := range classes {
		exact := float64(nTest) * float64(len(byClass[c])) / float64(n)
		quota[k] = int(math.Floor(exact))
		given += quota[k]
		rems[k] = rem{exact - float64(quota[k]), len(byClass[c]), k}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.frac > b.frac:
			return -1
		case a.frac < b.frac:
			return 1
		}
		return b.count - a.count
	})
	for i := 0; given < nTest; i++ {
		quota[rems[i%len(rems)].k]++
		given++
	}
	for k, c := range classes {
		members := slices.Clone(byClass[c])
		rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		q := min(max(quota[k], 1), len(members)-1)
		test = append(test, members[:q]...)
		train = append(train, members[q:]...)
	}
	rng.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
	rng.Shuffle(len(test), func(i, j int) { test[i], test[j] = test[j], test[i] })
	return train, test, nil
}
