# Writes iris_expected.json: what Python's csv module reads from iris.csv
# (first line skipped: it holds counts, not column names), for csv_test.go.
import csv, json

with open("iris.csv", newline="") as f:
    rows = list(csv.reader(f))[1:]
out = {
    "rows": len(rows),
    "first": [float(v) for v in rows[0]],
    "last": [float(v) for v in rows[-1]],
    "row17": [float(v) for v in rows[15]],  # line 17 of the file
    "sums": [sum(float(r[j]) for r in rows) for j in range(5)],
}
with open("iris_expected.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
