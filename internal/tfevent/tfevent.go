// Package tfevent writes and reads TensorBoard's event files: TFRecord
// files (each record its length, a masked CRC-32C of the length, the data
// and a masked CRC-32C of the data) of Event protocol buffers. The
// messages are generated with protoc-gen-go from tfevent.proto, a subset
// of TensorBoard's protos with their field numbers.
//
// The summaries are laid out as TensorFlow 2's tf.summary writes them,
// which is what Keras's TensorBoard callback produces: a scalar is a
// float32 tensor of shape () with the "scalars" plugin, a histogram a
// float64 tensor of shape (k, 3) of [left edge, right edge, count] with
// the "histograms" plugin, and images a string tensor [width, height,
// PNG...] with the "images" plugin.
package tfevent

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// MaskedCRC is TFRecord's checksum: CRC-32C rotated right by 15 bits
// plus 0xa282ead8, so that a CRC of data holding CRCs is not degenerate.
func MaskedCRC(b []byte) uint32 {
	c := crc32.Checksum(b, castagnoli)
	return (c>>15 | c<<17) + 0xa282ead8
}

// AppendRecord appends data framed as one TFRecord to dst.
func AppendRecord(dst, data []byte) []byte {
	var hdr [12]byte
	binary.LittleEndian.PutUint64(hdr[:8], uint64(len(data)))
	binary.LittleEndian.PutUint32(hdr[8:], MaskedCRC(hdr[:8]))
	dst = append(dst, hdr[:]...)
	dst = append(dst, data...)
	return binary.LittleEndian.AppendUint32(dst, MaskedCRC(data))
}

// Writer writes events to a file. It keeps the records of the events it
// is given and writes them with Flush, each flush in one write, so that
// a reader never sees part of an event unless the process dies during
// that write (TensorBoard ignores a record cut short at the end).
type Writer struct {
	w    io.Writer
	f    *os.File
	path string
	buf  []byte
	err  error
}

// fileCount numbers the files of this process, as TensorFlow's writers do.
var fileCount atomic.Int64

// Create makes dir if needed and starts a new event file in it, named as
// TensorFlow 2 names them (events.out.tfevents.SECONDS.HOST.PID.N.v2),
// with the file_version event "brain.Event:2" first.
func Create(dir string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	now := time.Now()
	name := fmt.Sprintf("events.out.tfevents.%d.%s.%d.%d.v2", now.Unix(), host, os.Getpid(), fileCount.Add(1)-1)
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	w := &Writer{w: f, f: f, path: path}
	w.WriteEvent(&Event{WallTime: wallTime(now), What: &Event_FileVersion{FileVersion: "brain.Event:2"}})
	if err := w.Flush(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return w, nil
}

// NewWriter returns a Writer to w; it writes no file_version event.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Path returns the file's path (empty for NewWriter's).
func (w *Writer) Path() string { return w.path }

func wallTime(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

// WriteEvent queues an event for the next Flush.
func (w *Writer) WriteEvent(e *Event) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(e)
	if err != nil {
		if w.err == nil {
			w.err = err
		}
		return
	}
	w.buf = AppendRecord(w.buf, b)
}

// WriteSummary queues an event of the values at step, stamped now.
func (w *Writer) WriteSummary(step int64, values ...*Summary_Value) {
	w.WriteEvent(&Event{WallTime: wallTime(time.Now()), Step: step, What: &Event_Summary{Summary: &Summary{Value: values}}})
}

// Flush writes the queued events and syncs the file.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) > 0 {
		if _, err := w.w.Write(w.buf); err != nil {
			w.err = err
			return err
		}
		w.buf = w.buf[:0]
	}
	if w.f != nil {
		if err := w.f.Sync(); err != nil {
			w.err = err
			return err
		}
	}
	return nil
}

// Close flushes and closes the file.
func (w *Writer) Close() error {
	err := w.Flush()
	if w.f != nil {
		if cerr := w.f.Close(); err == nil {
			err = cerr
		}
		w.f = nil
	}
	return err
}

// Scalar is tf.summary.scalar's value: a float32 tensor of shape ().
func Scalar(tag string, v float64) *Summary_Value {
	return &Summary_Value{
		Tag:      tag,
		Metadata: &SummaryMetadata{PluginData: &SummaryMetadata_PluginData{PluginName: "scalars"}, DataClass: DataClass_DATA_CLASS_SCALAR},
		Value: &Summary_Value_Tensor{Tensor: &TensorProto{
			Dtype: DataType_DT_FLOAT, TensorShape: &TensorShapeProto{},
			TensorContent: binary.LittleEndian.AppendUint32(nil, math.Float32bits(float32(v))),
		}},
	}
}

// DefaultBuckets is tf.summary.histogram's number of buckets.
const DefaultBuckets = 30

// Buckets groups data as tf.summary.histogram does: bucketCount buckets
// of equal width from the least to the greatest value (the last one
// closed), one bucket [v-0.5, v+0.5] when every value is v, none for no
// data. Each row is [left edge, right edge, count]; NaN and infinite
// values are left out.
func Buckets(data []float32, bucketCount int) [][3]float64 {
	lo, hi, n := math.Inf(1), math.Inf(-1), 0
	for _, v := range data {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		lo, hi, n = min(lo, f), max(hi, f), n+1
	}
	switch {
	case n == 0:
		return nil
	case lo == hi:
		return [][3]float64{{lo - 0.5, lo + 0.5, float64(n)}}
	}
	width := (hi - lo) / float64(bucketCount)
	out := make([][3]float64, bucketCount)
	for i := range out {
		// np.linspace(lo, hi, k+1): lo + i*step, the last edge hi itself.
		out[i][0] = lo + float64(i)*(hi-lo)/float64(bucketCount)
		if i+1 == bucketCount {
			out[i][1] = hi
		} else {
			out[i][1] = lo + float64(i+1)*(hi-lo)/float64(bucketCount)
		}
	}
	for _, v := range data {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			continue
		}
		j := min(int(math.Floor((f-lo)/width)), bucketCount-1)
		out[j][2]++
	}
	return out
}

// Histogram is tf.summary.histogram's value: a float64 tensor of shape
// (k, 3), in bucketCount buckets (DefaultBuckets if 0).
func Histogram(tag string, data []float32, bucketCount int) *Summary_Value {
	if bucketCount <= 0 {
		bucketCount = DefaultBuckets
	}
	b := Buckets(data, bucketCount)
	content := make([]byte, 0, 24*len(b))
	for _, row := range b {
		for _, v := range row {
			content = binary.LittleEndian.AppendUint64(content, math.Float64bits(v))
		}
	}
	return &Summary_Value{
		Tag:      tag,
		Metadata: &SummaryMetadata{PluginData: &SummaryMetadata_PluginData{PluginName: "histograms"}, DataClass: DataClass_DATA_CLASS_TENSOR},
		Value: &Summary_Value_Tensor{Tensor: &TensorProto{
			Dtype:         DataType_DT_DOUBLE,
			TensorShape:   &TensorShapeProto{Dim: []*TensorShapeProto_Dim{{Size: int64(len(b))}, {Size: 3}}},
			TensorContent: content,
		}},
	}
}

// Images is tf.summary.image's value: a string tensor of the width, the
// height and each image as PNG. The images must have one size.
func Images(tag string, imgs []image.Image) (*Summary_Value, error) {
	if len(imgs) == 0 {
		return nil, errors.New("tfevent: Images: no image")
	}
	r := imgs[0].Bounds()
	vals := [][]byte{[]byte(strconv.Itoa(r.Dx())), []byte(strconv.Itoa(r.Dy()))}
	for i, img := range imgs {
		if b := img.Bounds(); b.Dx() != r.Dx() || b.Dy() != r.Dy() {
			return nil, fmt.Errorf("tfevent: Images: image %d is %dx%d, image 0 %dx%d", i, b.Dx(), b.Dy(), r.Dx(), r.Dy())
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			return nil, fmt.Errorf("tfevent: Images: image %d: %w", i, err)
		}
		vals = append(vals, buf.Bytes())
	}
	return &Summary_Value{
		Tag:      tag,
		Metadata: &SummaryMetadata{PluginData: &SummaryMetadata_PluginData{PluginName: "images"}, DataClass: DataClass_DATA_CLASS_BLOB_SEQUENCE},
		Value: &Summary_Value_Tensor{Tensor: &TensorProto{
			Dtype:       DataType_DT_STRING,
			TensorShape: &TensorShapeProto{Dim: []*TensorShapeProto_Dim{{Size: int64(len(vals))}}},
			StringVal:   vals,
		}},
	}, nil
}

// RecordError is a damaged record, at Offset bytes into the file.
type RecordError struct {
	Offset int64
	What   string
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("tfevent: record at byte %d: %s", e.Offset, e.What)
}

// Reader reads the records of an event file, checking both CRCs.
type Reader struct {
	r   *bufio.Reader
	off int64
	// max bounds a record's length (the file's size, when known), so that
	// a damaged length cannot make the reader allocate without limit.
	max int64
}

// NewReader reads records from r, none longer than maxLen bytes.
func NewReader(r io.Reader, maxLen int64) *Reader {
	return &Reader{r: bufio.NewReader(r), max: maxLen}
}

// Next returns the next record's data, or io.EOF after the last one.
func (r *Reader) Next() ([]byte, error) {
	var hdr [12]byte
	n, err := io.ReadFull(r.r, hdr[:])
	switch {
	case err == io.EOF:
		return nil, io.EOF
	case err != nil:
		return nil, &RecordError{r.off, fmt.Sprintf("cut short in its header (%d of 12 bytes)", n)}
	}
	length := binary.LittleEndian.Uint64(hdr[:8])
	if got, want := binary.LittleEndian.Uint32(hdr[8:]), MaskedCRC(hdr[:8]); got != want {
		return nil, &RecordError{r.off, fmt.Sprintf("length CRC %#08x, want %#08x", got, want)}
	}
	if length > uint64(r.max) {
		return nil, &RecordError{r.off, fmt.Sprintf("length %d is more than the %d bytes there can be", length, r.max)}
	}
	data := make([]byte, length+4)
	if n, err := io.ReadFull(r.r, data); err != nil {
		return nil, &RecordError{r.off, fmt.Sprintf("cut short: %d of %d bytes", n, length+4)}
	}
	body := data[:length]
	if got, want := binary.LittleEndian.Uint32(data[length:]), MaskedCRC(body); got != want {
		return nil, &RecordError{r.off, fmt.Sprintf("data CRC %#08x, want %#08x", got, want)}
	}
	r.off += 12 + int64(length) + 4
	return body, nil
}

// ReadEvents reads every event of an event file's bytes.
func ReadEvents(data []byte) ([]*Event, error) {
	r := NewReader(bytes.NewReader(data), int64(len(data)))
	var out []*Event
	for {
		off := r.off
		rec, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		e := &Event{}
		if err := proto.Unmarshal(rec, e); err != nil {
			return out, &RecordError{off, fmt.Sprintf("not an Event: %v", err)}
		}
		out = append(out, e)
	}
}
