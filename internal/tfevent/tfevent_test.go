package tfevent

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

func TestCRC32C(t *testing.T) {
	// The CRC-32C check value of "123456789" (RFC 3720, appendix B.4).
	if got := crc32.Checksum([]byte("123456789"), castagnoli); got != 0xe3069283 {
		t.Fatalf("CRC-32C %#x", got)
	}
}

// The real file of tensorboardX (testdata/README.md) reads as catalyst's
// test describes it.
func TestReadTensorboardX(t *testing.T) {
	data, err := os.ReadFile("testdata/tensorboardx.tfevents")
	if err != nil {
		t.Fatal(err)
	}
	evs, err := ReadEvents(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 5 {
		t.Fatalf("%d events, want 5", len(evs))
	}
	if evs[0].GetSummary() != nil || evs[0].WallTime < 1.5e9 {
		t.Errorf("first event %v, want a bare wall time", evs[0])
	}
	scalars := []struct {
		tag  string
		v    float32
		step int64
	}{{"x", 1, 1}, {"y", -1, 1}, {"x", 2, 2}}
	for i, want := range scalars {
		e := evs[i+1]
		vals := e.GetSummary().GetValue()
		if e.Step != want.step || len(vals) != 1 || vals[0].Tag != want.tag || vals[0].GetSimpleValue() != want.v {
			t.Errorf("event %d: %v, want %s=%v at step %d", i+1, e, want.tag, want.v, want.step)
		}
	}
	img := evs[4].GetSummary().GetValue()[0]
	im := img.GetImage()
	if evs[4].Step != 1 || img.Tag != "z" || im.Height != 2 || im.Width != 2 || im.Colorspace != 3 {
		t.Fatalf("image event %v", evs[4])
	}
	pic, err := png.Decode(bytes.NewReader(im.EncodedImageString))
	if err != nil {
		t.Fatal(err)
	}
	if b := pic.Bounds(); b.Dx() != 2 || b.Dy() != 2 {
		t.Fatalf("image bounds %v", b)
	}
	for y := range 2 {
		for x := range 2 {
			if r, g, b, _ := pic.At(x, y).RGBA(); r|g|b != 0 {
				t.Errorf("pixel (%d, %d) is not black", x, y)
			}
		}
	}

	// Our writer makes the same bytes of the same events.
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, e := range evs {
		w.WriteEvent(e)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Fatalf("rewritten: %d bytes differ from tensorboardX's %d", buf.Len(), len(data))
	}
	// And events built field by field, not read back, too.
	w2 := NewWriter(&buf)
	buf.Reset()
	w2.WriteEvent(&Event{WallTime: evs[0].WallTime})
	for i, s := range scalars {
		w2.WriteEvent(&Event{WallTime: evs[i+1].WallTime, Step: s.step, What: &Event_Summary{Summary: &Summary{Value: []*Summary_Value{{Tag: s.tag, Value: &Summary_Value_SimpleValue{SimpleValue: s.v}}}}}})
	}
	w2.WriteEvent(&Event{WallTime: evs[4].WallTime, Step: 1, What: &Event_Summary{Summary: &Summary{Value: []*Summary_Value{{Tag: "z", Value: &Summary_Value_Image{Image: &Summary_Image{Height: 2, Width: 2, Colorspace: 3, EncodedImageString: im.EncodedImageString}}}}}}})
	_ = w2.Flush()
	if !bytes.Equal(buf.Bytes(), data) {
		t.Fatal("events built by hand do not give tensorboardX's bytes")
	}
}

func TestDamagedRecords(t *testing.T) {
	data, _ := os.ReadFile("testdata/tensorboardx.tfevents")
	for _, c := range []struct {
		name string
		mod  func([]byte) []byte
		want string
	}{
		{"length", func(b []byte) []byte { b[0]++; return b }, "record at byte 0: length CRC"},
		{"data", func(b []byte) []byte { b[123]++; return b }, "data CRC"},
		{"cut", func(b []byte) []byte { return b[:len(b)-5] }, "cut short"},
		{"header", func(b []byte) []byte { return b[:len(b)-80] }, ""},
		{"huge", func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b, 1<<60)
			binary.LittleEndian.PutUint32(b[8:], MaskedCRC(b[:8]))
			return b
		}, "more than the"},
	} {
		b := c.mod(append([]byte(nil), data...))
		_, err := ReadEvents(b)
		var re *RecordError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want a RecordError with %q", c.name, err, c.want)
		}
	}
}

// Scalar's bytes are TensorFlow 2's: the Value of tf.summary.scalar in a
// file TF 2 wrote holds tag (1), a TensorProto (8) of dtype DT_FLOAT, an
// empty shape and 4 bytes of tensor_content, then metadata (9) with the
// plugin "scalars" and, since TensorBoard 2.3, data_class SCALAR.
func TestScalarLayout(t *testing.T) {
	tf := []byte{
		0x0a, 10, 'e', 'p', 'o', 'c', 'h', '_', 'l', 'o', 's', 's',
		0x42, 10, 0x08, 1, 0x12, 0, 0x22, 4, 0, 0, 0, 0x3f,
		0x4a, 13, 0x0a, 9, 0x0a, 7, 's', 'c', 'a', 'l', 'a', 'r', 's', 0x20, 1,
	}
	// protoc-gen-go writes the oneof field last, TensorFlow in the order of
	// the numbers: the same message to every reader.
	want := &Summary_Value{}
	if err := proto.Unmarshal(tf, want); err != nil {
		t.Fatal(err)
	}
	if got := Scalar("epoch_loss", 0.5); !proto.Equal(got, want) {
		t.Fatalf("Scalar: %v\nwant %v", got, want)
	}
}

func TestBuckets(t *testing.T) {
	// By hand: 0..10 in 4 buckets of 2.5; 10 goes to the last one.
	got := Buckets([]float32{0, 1, 1, 2, 3, 10, float32(math.NaN())}, 4)
	want := [][3]float64{{0, 2.5, 4}, {2.5, 5, 1}, {5, 7.5, 0}, {7.5, 10, 1}}
	if len(got) != 4 {
		t.Fatalf("%v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("bucket %d: %v, want %v", i, got[i], want[i])
		}
	}
	if got := Buckets([]float32{3, 3}, 30); len(got) != 1 || got[0] != [3]float64{2.5, 3.5, 2} {
		t.Errorf("constant data: %v", got)
	}
	if got := Buckets(nil, 30); got != nil {
		t.Errorf("no data: %v", got)
	}
	h := Histogram("w", []float32{0, 1, 1, 2, 3, 10}, 4).GetTensor()
	if h.Dtype != DataType_DT_DOUBLE || len(h.TensorShape.Dim) != 2 || h.TensorShape.Dim[0].Size != 4 || len(h.TensorContent) != 4*3*8 ||
		math.Float64frombits(binary.LittleEndian.Uint64(h.TensorContent[16:])) != 4 {
		t.Errorf("histogram tensor %v", h)
	}
}

func TestImagesLayout(t *testing.T) {
	v, err := Images("w/image", []image.Image{image.NewGray(image.Rect(0, 0, 3, 2))})
	if err != nil {
		t.Fatal(err)
	}
	tp := v.GetTensor()
	if tp.Dtype != DataType_DT_STRING || string(tp.StringVal[0]) != "3" || string(tp.StringVal[1]) != "2" || len(tp.StringVal) != 3 || v.Metadata.PluginData.PluginName != "images" {
		t.Fatalf("%v", v)
	}
	if _, err := Images("x", []image.Image{image.NewGray(image.Rect(0, 0, 3, 2)), image.NewGray(image.Rect(0, 0, 2, 2))}); err == nil {
		t.Error("images of two sizes: no error")
	}
}

func TestCreate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "train")
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	w.WriteSummary(3, Scalar("epoch_loss", 0.25))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(w.Path())
	if !strings.HasPrefix(name, "events.out.tfevents.") || !strings.HasSuffix(name, ".v2") {
		t.Errorf("file name %s", name)
	}
	data, _ := os.ReadFile(w.Path())
	evs, err := ReadEvents(data)
	if err != nil || len(evs) != 2 || evs[0].GetFileVersion() != "brain.Event:2" || evs[1].Step != 3 {
		t.Fatalf("%v %v", evs, err)
	}
}

func FuzzReadEvents(f *testing.F) {
	data, _ := os.ReadFile("testdata/tensorboardx.tfevents")
	f.Add(data)
	f.Add(AppendRecord(nil, []byte{0x1a, 0x02, 'h', 'i'}))
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := ReadEvents(b)
		if err == nil {
			var buf bytes.Buffer
			w := NewWriter(&buf)
			for _, e := range evs {
				w.WriteEvent(e)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
