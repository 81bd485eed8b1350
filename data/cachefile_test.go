package data_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/neuron-go/neuron/data"
	"github.com/neuron-go/neuron/tensor"
)

// counted is a dataset of n weighted two-input elements that counts how
// often it is read, and fails at element failAt if it is >= 0.
func counted(n, failAt int, reads *int) *data.Dataset {
	return data.New(func(yield func(data.Element) bool) error {
		*reads++
		for i := range n {
			if i == failAt {
				return errors.New("source failed")
			}
			e := data.Element{Xs: []*tensor.Tensor{seq(i, 2, 3), tensor.Scalar(float32(-i))}, Y: seq(10*i, 1), W: tensor.Scalar(0.5)}
			if !yield(e) {
				return nil
			}
		}
		return nil
	})
}

func TestCacheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache.bin")
	reads := 0
	ds := counted(5, -1, &reads).CacheFile(path)
	first, err := ds.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no cache file after a full pass: %v", err)
	}
	second, err := ds.Collect()
	if err != nil {
		t.Fatal(err)
	}
	if reads != 1 {
		t.Errorf("the source was read %d times, want 1", reads)
	}
	if !reflect.DeepEqual(first, second) || len(second) != 5 {
		t.Errorf("cached elements differ:\n%v\n%v", first, second)
	}
	// Another program's dataset over the same file reads the file.
	other := 0
	if again, err := counted(5, -1, &other).CacheFile(path).Collect(); err != nil || other != 0 || !reflect.DeepEqual(again, first) {
		t.Errorf("a new dataset over the file: %v, %d reads of its source", err, other)
	}
}

func TestCacheFileLeavesNothingHalfWritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cache.bin")
	reads := 0
	for e, err := range counted(5, -1, &reads).CacheFile(path).All() {
		if err != nil {
			t.Fatal(err)
		}
		if e.Xs[1].Item() == -2 {
			break // stop early, after 3 elements
		}
	}
	if _, err := counted(5, 3, &reads).CacheFile(path).Collect(); err == nil || !strings.Contains(err.Error(), "source failed") {
		t.Errorf("a failing source: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}

func TestCacheFileDamaged(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "cache.bin")
	reads := 0
	if _, err := counted(3, -1, &reads).CacheFile(path).Collect(); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	for name, b := range map[string][]byte{
		"truncated":     good[:len(good)-20],
		"not a cache":   []byte("hello, world"),
		"trailing":      append(append([]byte(nil), good...), 7),
		"huge shape":    append(append([]byte(nil), good[:9]...), 1, 255, 0, 0, 1, 0xff, 0xff, 0xff, 0x7f),
		"bad end count": append(append([]byte(nil), good[:len(good)-8]...), 9, 0, 0, 0, 0, 0, 0, 0),
	} {
		p := filepath.Join(dir, "bad.bin")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := counted(3, -1, &reads).CacheFile(p).Collect()
		if err == nil || !strings.Contains(err.Error(), p+" is damaged") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzCacheFile(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.bin")
	reads := 0
	if _, err := counted(3, -1, &reads).CacheFile(path).Collect(); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	f.Add(good)
	f.Add([]byte("NEURONDS\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "c.bin")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		n := 0
		_, _ = counted(1, -1, &n).CacheFile(p).Collect()
	})
}
