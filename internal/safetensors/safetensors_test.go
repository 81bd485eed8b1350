package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

// handMade builds a file the way the reference implementation lays it out.
func handMade(header string, data ...float32) []byte {
	for len(header)%8 != 0 {
		header += " "
	}
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	for _, v := range data {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

func TestReadsReferenceLayout(t *testing.T) {
	b := handMade(`{"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"__metadata__":{"x":"y"}}`, 1, 2, -3)
	f, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Meta["x"] != "y" || len(f.Entries) != 2 || f.Entries[0].Name != "a" {
		t.Fatalf("got %+v", f)
	}
	got := make([]float32, 2)
	if err := f.Read("a", got); err != nil || got[0] != 1 || got[1] != 2 {
		t.Errorf("a = %v, %v", got, err)
	}
	if f.HasChecksum() {
		t.Error("HasChecksum without one")
	}
	if err := f.VerifyChecksum(); !errors.Is(err, ErrInvalid) {
		t.Errorf("VerifyChecksum without a checksum: %v", err)
	}
}

func TestWriteRoundTrip(t *testing.T) {
	nan := math.Float32frombits(0x7fc00001) // a NaN with a payload
	ts := []Tensor{
		{Name: "dense/kernel", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, float32(math.Inf(-1))}},
		{Name: "empty", Shape: []int{0, 4}, Data: nil},
		{Name: "dense/bias", Shape: []int{3}, Data: []float32{nan, float32(math.Copysign(0, -1)), 7}},
	}
	var buf bytes.Buffer
	if err := Write(&buf, map[string]string{"format": "test"}, ts, true); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if n := binary.LittleEndian.Uint64(b); n%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", n)
	}
	f, err := Open(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.VerifyChecksum(); err != nil {
		t.Fatal(err)
	}
	for _, want := range ts {
		got := make([]float32, len(want.Data))
		if err := f.Read(want.Name, got); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if math.Float32bits(got[i]) != math.Float32bits(want.Data[i]) {
				t.Errorf("%s[%d] = %x, want %x", want.Name, i, math.Float32bits(got[i]), math.Float32bits(want.Data[i]))
			}
		}
	}
	// Every single flipped bit is caught by the checksum, or earlier.
	for i := 0; i < len(b); i++ {
		for bit := 0; bit < 8; bit += 3 {
			c := bytes.Clone(b)
			c[i] ^= 1 << bit
			f, err := Open(bytes.NewReader(c), int64(len(c)))
			if err == nil {
				err = f.VerifyChecksum()
			}
			if err == nil {
				t.Fatalf("flipping bit %d of byte %d went unnoticed", bit, i)
			}
		}
	}
}

func TestOpenRejects(t *testing.T) {
	good := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"short", []byte{1, 2, 3}, "fewer than the 8"},
		{"header past end", binary.LittleEndian.AppendUint64(nil, 100), "runs past the end"},
		{"huge header", append(binary.LittleEndian.AppendUint64(nil, 1<<62), "{}"...), "over the limit"},
		{"tiny header", append(binary.LittleEndian.AppendUint64(nil, 1), "{"...), "too small"},
		{"not an object", handMade(`[1]`), "does not start with '{'"},
		{"dtype", handMade(strings.Replace(good, "F32", "F16", 1), 1, 2), `dtype "F16"`},
		{"negative dim", handMade(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, 1, 2), "negative dimension"},
		{"overflow", handMade(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, 1, 2), "too large"},
		{"product too big", handMade(`{"a":{"dtype":"F32","shape":[65536,65536],"data_offsets":[0,8]}}`, 1, 2), "more values than the file"},
		{"size mismatch", handMade(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}`, 1, 2), "needs 4 bytes"},
		{"gap", handMade(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 1, 2), "a gap"},
		{"overlap", handMade(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 1, 2), "an overlap"},
		{"trailing data", handMade(good, 1, 2, 3), "cover 8 bytes but the data holds 12"},
		{"offsets", handMade(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}`, 1, 2), "2 elements"},
		{"duplicate", handMade(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 1, 2), `duplicate key "a"`},
		{"unknown key", handMade(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}`, 1, 2), `unknown key "x"`},
		{"metadata type", handMade(`{"__metadata__":{"a":1}}`), "__metadata__: a: want a string"},
	}
	for _, c := range cases {
		_, err := Open(bytes.NewReader(c.b), int64(len(c.b)))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}
