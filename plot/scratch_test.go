package plot

import "testing"

func TestScratch(t *testing.T) {
	h := map[string][]float64{
		"accuracy":     {0.82, 0.86, 0.875, 0.885, 0.89, 0.897, 0.902, 0.905, 0.91, 0.913},
		"val_accuracy": {0.845, 0.855, 0.865, 0.87, 0.872, 0.875, 0.874, 0.878, 0.877, 0.879},
		"loss":         {0.50, 0.38, 0.34, 0.31, 0.29, 0.28, 0.265, 0.255, 0.245, 0.235},
		"val_loss":     {0.42, 0.40, 0.37, 0.36, 0.355, 0.35, 0.352, 0.345, 0.35, 0.348},
	}
	p, err := History(h, []string{"accuracy", "val_accuracy"}, HistoryOptions{Labels: []string{"acc", "val"}, XLabel: "epochs"})
	if err != nil {
		t.Fatal(err)
	}
	if err := SavePlot("/tmp/h1.png", p); err != nil {
		t.Fatal(err)
	}
	if err := SaveLossAccuracy("/tmp/h2.png", h); err != nil {
		t.Fatal(err)
	}
}
