package plot

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var docs = flag.Bool("docs", false, "write the sample figures of docs/img")

// TestDocsImages writes the sample figures in docs/img when run with
// -docs: go test ./plot -run DocsImages -docs. The curves and the
// confusion matrix are made up but plausible; the images are the first
// MNIST training digits.
func TestDocsImages(t *testing.T) {
	if !*docs {
		t.Skip("run with -docs to write docs/img")
	}
	dir := filepath.Join("..", "docs", "img")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := func(name string) string { return filepath.Join(dir, name) }
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	imgs, labels := mnist(t, 16)

	// plt.imshow(X_train[0]), as the course shows it, and variants.
	check(Image(out("imshow_mnist_0.png"), imgs[0], 28, 28, ImageOptions{}))
	check(Image(out("imshow_mnist_0_gray.png"), imgs[0], 28, 28, ImageOptions{Cmap: Gray}))
	check(Image(out("imshow_mnist_0_colorbar.png"), imgs[0], 28, 28, ImageOptions{Colorbar: true}))

	// The course's accuracy plot: plt.plot(acc, label='acc');
	// plt.plot(val_accuracy, label='val'); plt.xlabel('epochs').
	p, err := History(courseHistory, []string{"accuracy", "val_accuracy"},
		HistoryOptions{Labels: []string{"acc", "val"}, XLabel: "epochs"})
	check(err)
	check(SavePlot(out("history_accuracy.png"), p))
	p, err = History(courseHistory, []string{"loss", "val_loss"},
		HistoryOptions{Labels: []string{"train", "val"}, XLabel: "epochs"})
	check(err)
	check(SavePlot(out("history_loss.png"), p))
	check(SaveLossAccuracy(out("history_loss_accuracy.png"), courseHistory))

	// Predictions for the first 16 digits, two of them wrong.
	pred := append([]int(nil), labels...)
	pred[4], pred[11] = 4, 8 // a 9 read as 4, a 5 read as 8
	check(Grid(out("grid_mnist_predictions.png"), imgs, 28, 28, labels, pred, nil, 8, nil))

	// A Fashion-MNIST test set of 1000 images a class, with the usual
	// confusions (shirts with T-shirts, pullovers and coats; sandals
	// with sneakers and boots).
	classes := []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}
	errs := map[int]map[int]int{
		0: {6: 110, 3: 25, 2: 15, 8: 10},
		1: {3: 20, 0: 5, 4: 4},
		2: {4: 95, 6: 75, 0: 15, 3: 8},
		3: {0: 30, 4: 30, 6: 25, 1: 10},
		4: {2: 90, 6: 80, 3: 35},
		5: {7: 25, 9: 15, 8: 5},
		6: {0: 130, 2: 95, 4: 80, 3: 30, 8: 10},
		7: {5: 25, 9: 30},
		8: {6: 8, 0: 7, 2: 5, 5: 5},
		9: {7: 35, 5: 10, 8: 3},
	}
	var tr, pr []int
	for c := range classes {
		right := 1000
		for p, n := range errs[c] {
			right -= n
			for range n {
				tr, pr = append(tr, c), append(pr, p)
			}
		}
		for range right {
			tr, pr = append(tr, c), append(pr, c)
		}
	}
	check(ConfusionMatrix(out("confusion_matrix_fashion.png"), tr, pr, classes))
}
