package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadCSV reads arbitrary files with a label, a categorical column
// and defaults: nothing may panic, and every error must come from this
// package with the file's name.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"a,b,y\n1,2,0\n3,x,1\n",
		"\uFEFFa,b,y\n1,,0\n",
		"a,b,y\n1,2\n",
		"a,b,y\n\"1\n",
		"a,b\n1,2\n",
		"",
		"y\n1e40\n",
		"a;b;y\n1;2;3\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, content []byte) {
		p := filepath.Join(dir, "f.csv")
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := ReadCSV(p, CSVOptions{Label: "y", Categorical: []string{"b"}, Defaults: map[string]float32{"a": 0}, MaxLineBytes: 1024})
		if err == nil {
			var n int
			for e, rerr := range c.All() {
				if rerr != nil {
					err = rerr
					break
				}
				if e.X.Size() != len(c.Features) || e.Y == nil {
					t.Fatalf("row %d: x %v y %v for features %q", n, e.X.Shape(), e.Y, c.Features)
				}
				n++
			}
		}
		if err != nil && !strings.HasPrefix(err.Error(), "data: "+p) {
			t.Fatalf("error without the file's name: %v", err)
		}
	})
}
