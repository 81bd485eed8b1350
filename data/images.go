package data

import (
	"fmt"
	"image"
	_ "image/gif"  // GIF decoding for ImageDatasetFromDirectory
	_ "image/jpeg" // JPEG decoding
	_ "image/png"  // PNG decoding
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/neuron-go/neuron/tensor"
)

// ImageDirOptions are the arguments of ImageDatasetFromDirectory; the
// zero value of each is Keras's default.
type ImageDirOptions struct {
	// LabelMode is "int" (the default), "categorical" (one-hot) or
	// "binary" (0 or 1, for two classes).
	LabelMode string
	// ColorMode is "rgb" (the default), "grayscale" or "rgba".
	ColorMode string
	// BatchSize is the number of images per batch (default 32); -1 yields
	// single images (Keras batch_size=None).
	BatchSize int
	// ImageSize is the height and width images are resized to, bilinearly
	// (default 256×256).
	ImageSize [2]int
	// NoShuffle keeps the files in order (Keras shuffle=False).
	NoShuffle bool
	// Seed seeds the shuffle and the validation split.
	Seed uint64
	// ValidationSplit is the fraction of the files held out; Subset is
	// then "training", "validation" or "both".
	ValidationSplit float64
	Subset          string
}

// imageExts are the formats read, as Keras's ALLOWLIST_FORMATS without
// .bmp, which the standard library does not decode. Other files are
// left out, as Keras leaves them out.
var imageExts = []string{".gif", ".jpeg", ".jpg", ".png"}

// ImageDatasetFromDirectory is Keras's image_dataset_from_directory: dir
// holds one subfolder per class (their names, sorted, are the class
// names; the label of an image is its folder's index), and each element
// is an image as float32 values in [0, 255] of shape (height, width,
// channels) with its label. For Subset "both" it returns both datasets;
// otherwise the one asked for (the training one without a split) and nil.
// A file with an image extension that does not decode is an error naming
// it, when the dataset reaches it, as TensorFlow's decode_image is.
func ImageDatasetFromDirectory(dir string, o ImageDirOptions) (train, validation *Dataset, classNames []string, err error) {
	fail := func(format string, args ...any) (*Dataset, *Dataset, []string, error) {
		return nil, nil, nil, fmt.Errorf("data: ImageDatasetFromDirectory: "+format, args...)
	}
	if o.LabelMode == "" {
		o.LabelMode = "int"
	}
	if o.ColorMode == "" {
		o.ColorMode = "rgb"
	}
	if o.BatchSize == 0 {
		o.BatchSize = 32
	}
	if o.ImageSize == [2]int{} {
		o.ImageSize = [2]int{256, 256}
	}
	channels := map[string]int{"grayscale": 1, "rgb": 3, "rgba": 4}[o.ColorMode]
	switch {
	case channels == 0:
		return fail("color_mode must be \"grayscale\", \"rgb\" or \"rgba\", got %q", o.ColorMode)
	case !slices.Contains([]string{"int", "categorical", "binary"}, o.LabelMode):
		return fail("label_mode must be \"int\", \"categorical\" or \"binary\", got %q", o.LabelMode)
	case o.BatchSize < -1:
		return fail("batch_size must be positive or -1 (no batching), got %d", o.BatchSize)
	case o.ImageSize[0] < 1 || o.ImageSize[1] < 1:
		return fail("image_size must be positive, got %v", o.ImageSize)
	case math.IsNaN(o.ValidationSplit) || o.ValidationSplit < 0 || o.ValidationSplit >= 1:
		return fail("validation_split must be in [0, 1), got %v", o.ValidationSplit)
	case o.ValidationSplit > 0 && !slices.Contains([]string{"training", "validation", "both"}, o.Subset):
		return fail("with validation_split, subset must be \"training\", \"validation\" or \"both\", got %q", o.Subset)
	case o.ValidationSplit == 0 && o.Subset != "":
		return fail("subset %q needs a validation_split", o.Subset)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fail("%v", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			classNames = append(classNames, e.Name())
		}
	}
	slices.Sort(classNames)
	if len(classNames) == 0 {
		return fail("%s has no class subfolders", dir)
	}
	if o.LabelMode == "binary" && len(classNames) != 2 {
		return fail("label_mode \"binary\" needs 2 classes; %s has %d: %v", dir, len(classNames), classNames)
	}
	type sample struct {
		path  string
		label int
	}
	var samples []sample
	for i, c := range classNames {
		err := filepath.WalkDir(filepath.Join(dir, c), func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && slices.Contains(imageExts, strings.ToLower(filepath.Ext(p))) {
				samples = append(samples, sample{p, i})
			}
			return nil
		})
		if err != nil {
			return fail("%v", err)
		}
	}
	if len(samples) == 0 {
		return fail("no images (%s) in the class folders of %s", strings.Join(imageExts, " "), dir)
	}
	if !o.NoShuffle {
		rng := rand.New(rand.NewPCG(o.Seed, 0))
		rng.Shuffle(len(samples), func(i, j int) { samples[i], samples[j] = samples[j], samples[i] })
	}
	// Keras's get_training_or_validation_split: the last
	// int(split·n) files are the validation files.
	nVal := int(o.ValidationSplit * float64(len(samples)))
	if o.ValidationSplit > 0 && (nVal == 0 || nVal == len(samples)) {
		return fail("validation_split %v of %d files leaves an empty subset", o.ValidationSplit, len(samples))
	}
	make1 := func(ss []sample) (*Dataset, error) {
		d := New(func(yield func(Element) bool) error {
			for _, s := range ss {
				x, err := readImage(s.path, o.ImageSize, channels)
				if err != nil {
					return fmt.Errorf("data: ImageDatasetFromDirectory: %w", err)
				}
				var y *tensor.Tensor
				switch o.LabelMode {
				case "categorical":
					y = tensor.Zeros(len(classNames))
					y.Data()[s.label] = 1
				default:
					y = tensor.Scalar(float32(s.label))
				}
				if !yield(Element{X: x, Y: y}) {
					return nil
				}
			}
			return nil
		})
		if o.BatchSize == -1 {
			return d, nil
		}
		return d.Batch(o.BatchSize, false)
	}
	tr, va := samples[:len(samples)-nVal], samples[len(samples)-nVal:]
	switch o.Subset {
	case "validation":
		validation, err = make1(va)
		return validation, nil, classNames, err
	case "both":
		if train, err = make1(tr); err != nil {
			return nil, nil, nil, err
		}
		validation, err = make1(va)
		return train, validation, classNames, err
	}
	train, err = make1(tr)
	return train, nil, classNames, err
}

// readImage decodes the image at path into a (h, w, channels) tensor.
func readImage(path string, size [2]int, channels int) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return imageTensor(img, size, channels), nil
}

// imageTensor converts img to float32 in [0, 255] and resizes it
// bilinearly with half-pixel centres, as tf.image.resize does by default
// (antialias off).
func imageTensor(img image.Image, size [2]int, channels int) *tensor.Tensor {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	src := make([]float32, h*w*channels)
	for y := range h {
		for x := range w {
			r, g, bl, a := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			// RGBA is premultiplied 16-bit: undo the alpha for colour.
			px := [4]float32{float32(r >> 8), float32(g >> 8), float32(bl >> 8), float32(a >> 8)}
			if a != 0 && a != 0xffff {
				for c := range 3 {
					px[c] = float32(math.Round(float64(px[c]) * 255 / float64(a>>8)))
				}
			}
			o := (y*w + x) * channels
			switch channels {
			case 1:
				// tf.image.rgb_to_grayscale's weights.
				src[o] = 0.2989*px[0] + 0.587*px[1] + 0.114*px[2]
			default:
				copy(src[o:o+channels], px[:channels])
			}
		}
	}
	oh, ow := size[0], size[1]
	if oh == h && ow == w {
		return tensor.FromSlice(src, h, w, channels)
	}
	dst := make([]float32, oh*ow*channels)
	sy, sx := float64(h)/float64(oh), float64(w)/float64(ow)
	for y := range oh {
		fy := max((float64(y)+0.5)*sy-0.5, 0)
		y0 := min(int(fy), h-1)
		y1 := min(y0+1, h-1)
		dy := float32(fy - float64(y0))
		for x := range ow {
			fx := max((float64(x)+0.5)*sx-0.5, 0)
			x0 := min(int(fx), w-1)
			x1 := min(x0+1, w-1)
			dx := float32(fx - float64(x0))
			for c := range channels {
				p00 := src[(y0*w+x0)*channels+c]
				p01 := src[(y0*w+x1)*channels+c]
				p10 := src[(y1*w+x0)*channels+c]
				p11 := src[(y1*w+x1)*channels+c]
				top := p00 + (p01-p00)*dx
				bot := p10 + (p11-p10)*dx
				dst[(y*ow+x)*channels+c] = top + (bot-top)*dy
			}
		}
	}
	return tensor.FromSlice(dst, oh, ow, channels)
}
