package digit

import "testing"

// FuzzPreprocess checks that any picture, of any size and contents, gives
// a 28×28 image or an error, never a panic.
func FuzzPreprocess(f *testing.F) {
	f.Add([]byte{255, 255, 255, 255}, 1, 1)
	f.Add(make([]byte, 4*3*2), 3, 2)
	f.Add([]byte{0, 0, 0, 255, 9, 200, 30, 40}, 2, 1)
	f.Fuzz(func(t *testing.T, rgba []byte, w, h int) {
		img, err := Preprocess(rgba, w, h)
		if err == nil && len(img) != Size*Size {
			t.Fatalf("%d pixels", len(img))
		}
	})
}
