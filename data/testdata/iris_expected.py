# Writes iris_expected.json: what Python's csv module reads from iris.csv
# (first line skipped: it holds counts, not column names), for csv_test.go.
import csv, json

import numpy as np

with open("iris.csv", newline="") as f:
    rows = list(csv.reader(f))[1:]
out = {
    "rows": len(rows),
    "first": [float(v) for v in rows[0]],
    "last": [float(v) for v in rows[-1]],
    "row17": [float(v) for v in rows[15]],  # line 17 of the file
    "sums": [sum(float(r[j]) for r in rows) for j in range(5)],
}
# Population moments of the four features, as keras.layers.Normalization's
# adapt computes them.
x = np.array([[float(v) for v in r[:4]] for r in rows])
out["mean"] = x.mean(axis=0).tolist()
out["variance"] = x.var(axis=0).tolist()
# Row 0 standardised: (x - mean) / max(sqrt(variance), 1e-7).
out["first_standardized"] = ((x[0] - x.mean(axis=0)) / np.maximum(np.sqrt(x.var(axis=0)), 1e-7)).tolist()
with open("iris_expected.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
