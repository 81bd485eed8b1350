package saving

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/neuron-go/neuron/callbacks"
	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/internal/strictjson"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/optimizers"
	"github.com/neuron-go/neuron/tensor"
)

// The checkpoint callbacks live in this package rather than in callbacks
// because they write model files, and models imports callbacks. They
// implement callbacks.Callback and must be given to the Fit of a
// *models.Sequential or a functional *models.Model.

// ModelCheckpoint saves the model (or its weights) during training, as
// Keras's ModelCheckpoint: at the end of every epoch, or every SaveEvery
// steps, to a file named by FilePath, optionally only when the monitored
// value improves.
//
// FilePath may hold placeholders in Python's format syntax, as Keras's
// filepath does: {epoch} (counted from 1), {batch} (from 1, when saving
// every SaveEvery steps) and any logs key, with an optional format spec:
// "ckpt-{epoch:02d}-{val_loss:.2f}.safetensors" gives
// "ckpt-03-0.27.safetensors". The specs understood are [0][width][.prec]
// followed by d (integers), f, e, g or % (numbers), or nothing.
//
// Each file is written atomically (see Save). Its best value and step
// count are part of a BackupAndRestore backup (it implements
// callbacks.Stateful), so a resumed run saves when the uninterrupted one
// would have.
type ModelCheckpoint struct {
	callbacks.Base
	// FilePath is the file to write, possibly with placeholders.
	FilePath string
	// Monitor is the logs key compared with SaveBestOnly; the default is
	// "val_loss".
	Monitor string
	// Mode is "min", "max" or "auto" (the default): auto means max for
	// keys containing "acc", "precision", "recall" or "auc", else min.
	Mode string
	// SaveBestOnly saves only when Monitor improves on the best value so
	// far (or on InitialValueThreshold).
	SaveBestOnly bool
	// SaveWeightsOnly writes SaveWeights's file instead of Save's.
	SaveWeightsOnly bool
	// SaveEvery, if > 0, saves every SaveEvery training steps instead of
	// at the end of each epoch (Keras's integer save_freq); the monitored
	// value is then the running one of the current epoch.
	SaveEvery int
	// InitialValueThreshold, if set, is the value the first save must
	// beat with SaveBestOnly.
	InitialValueThreshold *float64
	// Log, if set, receives Keras's verbose=1 messages ("Epoch 3:
	// val_loss improved from 0.31 to 0.27, saving model to …").
	Log io.Writer

	m        Model
	maximize bool
	best     float64
	epoch    int
	steps    int
}

// OnTrainBegin implements callbacks.Callback.
func (c *ModelCheckpoint) OnTrainBegin(cm callbacks.Model) error {
	m, ok := cm.(Model)
	if !ok {
		return fmt.Errorf("saving: ModelCheckpoint: needs a *models.Sequential or *models.Model, got %T", cm)
	}
	if c.FilePath == "" {
		return errors.New("saving: ModelCheckpoint: FilePath is empty")
	}
	if _, err := parsePattern(c.FilePath); err != nil {
		return fmt.Errorf("saving: ModelCheckpoint: FilePath: %w", err)
	}
	if c.SaveEvery < 0 {
		return fmt.Errorf("saving: ModelCheckpoint: SaveEvery must be >= 0, got %d", c.SaveEvery)
	}
	if c.Monitor == "" {
		c.Monitor = "val_loss"
	}
	maximize, err := monitorMode("ModelCheckpoint", c.Monitor, c.Mode)
	if err != nil {
		return err
	}
	c.m, c.maximize, c.steps = m, maximize, 0
	c.best = math.Inf(1)
	if maximize {
		c.best = math.Inf(-1)
	}
	if c.InitialValueThreshold != nil {
		c.best = *c.InitialValueThreshold
	}
	return nil
}

// CallbackState implements callbacks.Stateful: the best value and the
// step count.
func (c *ModelCheckpoint) CallbackState() ([]byte, error) {
	b := binary.LittleEndian.AppendUint64(nil, math.Float64bits(c.best))
	return binary.LittleEndian.AppendUint64(b, uint64(c.steps)), nil
}

// SetCallbackState implements callbacks.Stateful.
func (c *ModelCheckpoint) SetCallbackState(b []byte) error {
	if len(b) != 16 {
		return fmt.Errorf("saving: ModelCheckpoint: a state has 16 bytes, got %d", len(b))
	}
	steps := binary.LittleEndian.Uint64(b[8:])
	if steps > math.MaxInt32 {
		return fmt.Errorf("saving: ModelCheckpoint: step count %d is out of range", steps)
	}
	c.best, c.steps = math.Float64frombits(binary.LittleEndian.Uint64(b)), int(steps)
	return nil
}

// monitorMode resolves Keras's mode argument for a monitored key.
func monitorMode(who, monitor, mode string) (maximize bool, err error) {
	switch mode {
	case "", "auto":
		k := strings.ToLower(monitor)
		return strings.Contains(k, "acc") || strings.Contains(k, "precision") ||
			strings.Contains(k, "recall") || strings.Contains(k, "auc"), nil
	case "min":
		return false, nil
	case "max":
		return true, nil
	}
	return false, fmt.Errorf(`saving: %s: Mode must be "min", "max" or "auto", got %q`, who, mode)
}

// OnEpochBegin implements callbacks.Callback.
func (c *ModelCheckpoint) OnEpochBegin(epoch int) error {
	c.epoch = epoch
	return nil
}

// OnBatchEnd implements callbacks.Callback.
func (c *ModelCheckpoint) OnBatchEnd(step int, logs callbacks.Logs) error {
	if c.SaveEvery <= 0 {
		return nil
	}
	c.steps++
	if c.steps%c.SaveEvery != 0 {
		return nil
	}
	return c.save(c.epoch, step+1, logs)
}

// OnEpochEnd implements callbacks.Callback.
func (c *ModelCheckpoint) OnEpochEnd(epoch int, logs callbacks.Logs) error {
	if c.SaveEvery > 0 {
		return nil
	}
	return c.save(epoch, 0, logs)
}

func (c *ModelCheckpoint) save(epoch, batch int, logs callbacks.Logs) error {
	path, err := formatPattern(c.FilePath, epoch+1, batch, logs)
	if err != nil {
		return fmt.Errorf("saving: ModelCheckpoint: FilePath: %w", err)
	}
	what := "model"
	if c.SaveWeightsOnly {
		what = "weights"
	}
	if c.SaveBestOnly {
		v, ok := logs[c.Monitor]
		if !ok {
			return fmt.Errorf("saving: ModelCheckpoint: monitor %q is not in the logs (have %s)", c.Monitor, logKeys(logs))
		}
		better := v < c.best
		if c.maximize {
			better = v > c.best
		}
		if !better {
			if c.Log != nil {
				fmt.Fprintf(c.Log, "Epoch %d: %s did not improve from %s\n", epoch+1, c.Monitor, pyFloat(c.best))
			}
			return nil
		}
		if c.Log != nil {
			fmt.Fprintf(c.Log, "Epoch %d: %s improved from %s to %s, saving %s to %s\n", epoch+1, c.Monitor, pyFloat(c.best), pyFloat(v), what, path)
		}
		c.best = v
	} else if c.Log != nil {
		fmt.Fprintf(c.Log, "Epoch %d: saving %s to %s\n", epoch+1, what, path)
	}
	if c.SaveWeightsOnly {
		err = SaveWeights(c.m, path)
	} else {
		err = Save(c.m, path)
	}
	if err != nil {
		return fmt.Errorf("saving: ModelCheckpoint: %w", err)
	}
	return nil
}

// pyFloat formats v as Keras's messages do ("%0.5f" in Python).
func pyFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	case math.IsNaN(v):
		return "nan"
	}
	return strconv.FormatFloat(v, 'f', 5, 64)
}

func logKeys(l callbacks.Logs) string {
	ks := make([]string, 0, len(l))
	for k := range l {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ", ")
}

// placeholder is {name} or {name:spec} in a file name pattern.
var placeholder = regexp.MustCompile(`\{([^{}:]*)(?::([^{}]*))?\}`)

// formatSpec is the part of Python's format spec that patterns accept.
var formatSpec = regexp.MustCompile(`^(0)?([0-9]*)(?:\.([0-9]+))?([dfeEgG%])?$`)

// parsePattern checks the placeholders of a pattern and returns their
// names.
func parsePattern(p string) ([]string, error) {
	var names []string
	for _, m := range placeholder.FindAllStringSubmatch(p, -1) {
		if m[1] == "" {
			return nil, fmt.Errorf("%q: empty placeholder name", m[0])
		}
		if !formatSpec.MatchString(m[2]) {
			return nil, fmt.Errorf("%q: format spec %q is not of the form [0][width][.precision][dfeg%%]", m[0], m[2])
		}
		names = append(names, m[1])
	}
	rest := placeholder.ReplaceAllString(p, "")
	if strings.ContainsAny(rest, "{}") {
		return nil, fmt.Errorf("%q has an unmatched brace", p)
	}
	return names, nil
}

// formatPattern fills a pattern's placeholders.
func formatPattern(p string, epoch, batch int, logs callbacks.Logs) (string, error) {
	var ferr error
	out := placeholder.ReplaceAllStringFunc(p, func(s string) string {
		m := placeholder.FindStringSubmatch(s)
		name, spec := m[1], m[2]
		sm := formatSpec.FindStringSubmatch(spec)
		if sm == nil {
			ferr = fmt.Errorf("%q: bad format spec", s)
			return s
		}
		zero, width, prec, verb := sm[1], sm[2], sm[3], sm[4]
		var v float64
		isInt := false
		switch name {
		case "epoch":
			v, isInt = float64(epoch), true
		case "batch":
			v, isInt = float64(batch), true
		default:
			x, ok := logs[name]
			if !ok {
				ferr = fmt.Errorf("%q: %q is not in the logs (have epoch, batch, %s)", s, name, logKeys(logs))
				return s
			}
			v = x
		}
		f := "%" + zero + width
		switch verb {
		case "d":
			if !isInt && v != math.Trunc(v) {
				ferr = fmt.Errorf("%q: format d needs an integer, %s is %v", s, name, v)
				return s
			}
			return fmt.Sprintf(f+"d", int64(v))
		case "%":
			if prec == "" {
				prec = "6"
			}
			return fmt.Sprintf(f+"."+prec+"f%%", v*100)
		case "":
			if isInt {
				return fmt.Sprintf(f+"d", int64(v))
			}
			if prec == "" {
				s := strconv.FormatFloat(v, 'g', -1, 64)
				return fmt.Sprintf("%"+zero+width+"s", s)
			}
			return fmt.Sprintf(f+"."+prec+"g", v)
		default:
			if prec == "" {
				prec = "6"
			}
			return fmt.Sprintf(f+"."+prec+verb, v)
		}
	})
	if ferr != nil {
		return "", ferr
	}
	return out, nil
}

// BackupAndRestore makes training survive interruptions, like Keras's
// keras.callbacks.BackupAndRestore but exactly: it saves everything
// training depends on (the model's models.TrainingState, with the run's
// position) at the end of every epoch and every SaveEvery steps, and when
// Fit starts with a backup in Dir it continues from it, so that a run
// killed at any moment and started again (the same program, data and
// settings) ends with the weights, bit for bit, and the history of a run
// never interrupted.
//
// A backup holds the weights, the optimizer's slots, iteration count and
// learning rate, the random state of every layer that draws random
// numbers (Dropout, in nested models too), the epoch and the step within
// it, the running loss and metrics of the epoch's steps already done, the
// history of the epochs done and the state of the callbacks that
// implement callbacks.Stateful (EarlyStopping's patience count and best
// weights, a ModelCheckpoint's best value). The order of the batches is
// not saved: Fit derives it from the seed and the epoch. Unlike Keras, a
// resumed epoch continues with its next step, so no batch is applied
// twice.
//
// Put BackupAndRestore after those callbacks in FitConfig.Callbacks: a
// backup holds their state as it is when it is written, and callbacks see
// each event in list order (Fit's RunState refuses the other order).
//
// Each backup is written to a temporary file, synced and renamed to
// Dir/backup.safetensors, after the previous one is moved to
// Dir/backup.prev.safetensors; a kill at any point leaves at least one
// whole backup. A backup whose checksum does not match is skipped for the
// previous one, with a message on Log. A backup made by a different run
// (another architecture, compile settings, data, seed, batch size,
// shuffling, validation split or callbacks) is refused with an error
// naming the difference.
//
// When Fit ends without error, the backups are deleted (Keras's
// delete_checkpoint=True) unless Keep is set, so the next run starts
// afresh. One directory must serve one run at a time.
//
// The compiled metrics must implement encoding.BinaryMarshaler and
// BinaryUnmarshaler (the metrics package's do), the optimizer
// optimizers.Stateful, and the layers layers.Configurable.
type BackupAndRestore struct {
	callbacks.Base
	// Dir holds the backups; it is created if needed.
	Dir string
	// SaveEvery, if > 0, also saves every SaveEvery steps, counted with
	// the optimizer's iterations so that the saving points do not move
	// when a run is resumed; 0 saves at the end of each epoch only
	// (Keras's save_freq="epoch").
	SaveEvery int
	// Keep leaves the backups in Dir when training ends.
	Keep bool
	// Log, if set, receives a line when training resumes and when a
	// damaged backup is skipped.
	Log io.Writer

	m         runModel
	modelSHA  string
	compileSH string
}

// runModel is a model in Fit: RunState captures where it is.
type runModel interface {
	Model
	RunState() (*models.TrainingState, error)
	FitError() error
}

// Backup file names in Dir.
const (
	backupLatest = "backup.safetensors"
	backupPrev   = "backup.prev.safetensors"
)

func (b *BackupAndRestore) paths() (latest, prev string) {
	return filepath.Join(b.Dir, backupLatest), filepath.Join(b.Dir, backupPrev)
}

// OnTrainBegin implements callbacks.Callback: it restores the newest
// whole backup, if any.
func (b *BackupAndRestore) OnTrainBegin(cm callbacks.Model) error {
	m, ok := cm.(runModel)
	if !ok {
		return fmt.Errorf("saving: BackupAndRestore: needs the Fit of a *models.Sequential or *models.Model, got %T", cm)
	}
	if b.Dir == "" {
		return errors.New("saving: BackupAndRestore: Dir is empty")
	}
	if b.SaveEvery < 0 {
		return fmt.Errorf("saving: BackupAndRestore: SaveEvery must be >= 0, got %d", b.SaveEvery)
	}
	cur, err := m.RunState()
	if err != nil {
		return fmt.Errorf("saving: BackupAndRestore: %w", err)
	}
	mc, err := modelConfig(m)
	if err != nil {
		return fmt.Errorf("saving: BackupAndRestore: %w", err)
	}
	cc, err := compileConfig(m)
	if err != nil {
		return fmt.Errorf("saving: BackupAndRestore: %w", err)
	}
	b.m, b.modelSHA, b.compileSH = m, sha(mc), sha(cc)
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return fmt.Errorf("saving: BackupAndRestore: %w", err)
	}
	latest, prev := b.paths()
	for _, p := range []string{latest, prev} {
		// Temporary files of writes cut short by a kill.
		if _, err := atomicfile.RemoveStale(p, 0); err != nil {
			return fmt.Errorf("saving: BackupAndRestore: %w", err)
		}
	}
	var errs []error
	for _, p := range []string{latest, prev} {
		bk, err := readBackup(p, m)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			if b.Log != nil {
				fmt.Fprintf(b.Log, "BackupAndRestore: skipping %s: %v\n", p, err)
			}
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
			continue
		}
		return b.restore(p, bk, b.fingerprint(cur.Run.Fingerprint))
	}
	if len(errs) > 0 {
		return fmt.Errorf("saving: BackupAndRestore: no usable backup in %s: %w (delete the directory to start afresh)", b.Dir, errors.Join(errs...))
	}
	return nil
}

// backup is a backup read and checked against the model, ready to
// restore.
type backup struct {
	state *models.TrainingState
	fp    fingerprint
}

// readBackup reads and checks a backup against the model, without
// changing the model.
func readBackup(path string, m Model) (*backup, error) {
	fh, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return decodeBackup(fh, size, m, true)
}

// decodeBackup is readBackup for the first size bytes of r; verify checks
// the checksum (the fuzz target skips it to reach what lies behind).
func decodeBackup(r io.ReaderAt, size int64, m Model, verify bool) (*backup, error) {
	f, err := openNeuron(r, size, formatBackup)
	if err != nil {
		return nil, err
	}
	if verify {
		if err := f.VerifyChecksum(); err != nil {
			return nil, err
		}
	}
	var t savedTraining
	if err := parseTraining(f.Meta[metaTraining], &t); err != nil {
		return nil, err
	}
	pos := t.Position
	if pos == nil {
		return nil, invalidf("%s: position is missing", metaTraining)
	}
	st := &models.TrainingState{
		Optimizer:    &optimizers.State{Iterations: t.Iterations},
		RandomStates: t.RandomStates,
	}
	if st.RandomStates == nil {
		st.RandomStates = map[string][]byte{}
	}
	if lr := float64(t.LearningRate); lr > 0 && !math.IsInf(lr, 0) {
		st.LearningRate = lr
	}
	own := m.NamedWeights()
	for _, w := range own {
		if err := checkTensor(f, w.Name, w.Value.Shape()); err != nil {
			return nil, fmt.Errorf("%w (was the backup made by another model?)", err)
		}
		buf := make([]float32, w.Value.Size())
		if err := readFinite(f, w.Name, buf); err != nil {
			return nil, err
		}
		st.Weights = append(st.Weights, &layers.Weight{Name: w.Name, Value: tensor.FromSlice(buf, w.Value.Shape()...), Trainable: w.Trainable})
	}
	for _, s := range t.Slots {
		var vals [][]float32
		for _, w := range trainableWeights(own) {
			name := slotPrefix + s + "/" + w.Name
			if err := checkTensor(f, name, w.Value.Shape()); err != nil {
				return nil, err
			}
			buf := make([]float32, w.Value.Size())
			if err := readFinite(f, name, buf); err != nil {
				return nil, err
			}
			vals = append(vals, buf)
		}
		st.Optimizer.Slots = append(st.Optimizer.Slots, optimizers.Slot{Name: s, Values: vals})
	}
	rs := &models.RunState{
		Epoch: pos.Epoch, Step: pos.Step, StepsPerEpoch: pos.StepsPerEpoch,
		LossSum: float64(pos.LossSum), LossCount: float64(pos.LossCount),
		Metrics:     pos.Metrics,
		History:     models.History{Epoch: slices.Clone(pos.History.Epochs), History: map[string][]float64{}},
		Fingerprint: pos.Fingerprint.run(),
	}
	for k, v := range pos.History.Values {
		vals := make([]float64, len(v))
		for i, x := range v {
			vals[i] = float64(x)
		}
		rs.History.History[k] = vals
	}
	if pos.OutputLosses != nil {
		rs.OutputLosses = map[string][2]float64{}
		for k, v := range pos.OutputLosses {
			rs.OutputLosses[k] = [2]float64{float64(v[0]), float64(v[1])}
		}
	}
	for _, c := range pos.Callbacks {
		rs.Callbacks = append(rs.Callbacks, models.CallbackState{Index: c.Index, Type: c.Type, State: c.State})
	}
	if d := pos.Dataset; d != nil {
		rs.Dataset = &models.DatasetPosition{Pass: d.Pass, Batch: d.Batch, Ended: d.Ended, ValidationPasses: d.ValidationPasses}
	}
	st.Run = rs
	return &backup{state: st, fp: pos.Fingerprint}, nil
}

// restore puts a checked backup into the model, which tells Fit where to
// resume.
func (b *BackupAndRestore) restore(path string, bk *backup, cur fingerprint) error {
	if d := bk.fp.diff(cur); d != "" {
		return fmt.Errorf("saving: BackupAndRestore: %s was made by a different run: %s (delete it to start afresh)", path, d)
	}
	if err := b.m.SetTrainingState(bk.state); err != nil {
		return fmt.Errorf("saving: BackupAndRestore: %s: %w", path, err)
	}
	if b.Log != nil {
		fmt.Fprintf(b.Log, "BackupAndRestore: resuming from %s at epoch %d, step %d\n", path, bk.state.Run.Epoch+1, bk.state.Run.Step)
	}
	return nil
}

// OnBatchEnd implements callbacks.Callback: it saves every SaveEvery
// optimizer iterations.
func (b *BackupAndRestore) OnBatchEnd(int, callbacks.Logs) error {
	if b.SaveEvery <= 0 || b.m.Optimizer().Iterations()%b.SaveEvery != 0 {
		return nil
	}
	return b.save()
}

// OnEpochEnd implements callbacks.Callback: it saves the end of the
// epoch, the history included.
func (b *BackupAndRestore) OnEpochEnd(int, callbacks.Logs) error { return b.save() }

// OnTrainEnd implements callbacks.Callback: it deletes the backups if Fit
// completed, unless Keep is set.
func (b *BackupAndRestore) OnTrainEnd(callbacks.Logs) error {
	if b.Keep || b.m == nil || b.m.FitError() != nil {
		return nil
	}
	latest, prev := b.paths()
	if err := errors.Join(removeIfExists(latest), removeIfExists(prev)); err != nil {
		return fmt.Errorf("saving: BackupAndRestore: %w", err)
	}
	return nil
}

// save writes a backup of the run as it is.
func (b *BackupAndRestore) save() error {
	st, err := b.m.RunState()
	if err != nil {
		return fmt.Errorf("saving: BackupAndRestore: %w", err)
	}
	meta, tensors, err := snapshot(b.m, formatBackup, true, st, b.position(st.Run))
	if err != nil {
		return fmt.Errorf("saving: BackupAndRestore: %w", err)
	}
	latest, prev := b.paths()
	if err := os.Rename(latest, prev); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("saving: BackupAndRestore: %w", err)
	}
	if err := writeFile(latest, meta, tensors); err != nil {
		return fmt.Errorf("saving: BackupAndRestore: %w", err)
	}
	return nil
}

// position is the JSON of a run's position.
func (b *BackupAndRestore) position(r *models.RunState) *savedPosition {
	pos := &savedPosition{
		Epoch: r.Epoch, Step: r.Step, StepsPerEpoch: r.StepsPerEpoch,
		LossSum: strictjson.Float(r.LossSum), LossCount: strictjson.Float(r.LossCount),
		Metrics: r.Metrics, Fingerprint: b.fingerprint(r.Fingerprint),
		History: savedHistory{Epochs: slices.Clone(r.History.Epoch), Values: map[string][]strictjson.Float{}},
	}
	if pos.Metrics == nil {
		pos.Metrics = map[string][]byte{}
	}
	if pos.History.Epochs == nil {
		pos.History.Epochs = []int{}
	}
	for k, v := range r.History.History {
		vals := make([]strictjson.Float, len(v))
		for i, x := range v {
			vals[i] = strictjson.Float(x)
		}
		pos.History.Values[k] = vals
	}
	if r.OutputLosses != nil {
		pos.OutputLosses = map[string][2]strictjson.Float{}
		for k, v := range r.OutputLosses {
			pos.OutputLosses[k] = [2]strictjson.Float{strictjson.Float(v[0]), strictjson.Float(v[1])}
		}
	}
	for _, c := range r.Callbacks {
		pos.Callbacks = append(pos.Callbacks, savedCallback{Index: c.Index, Type: c.Type, State: c.State})
	}
	if d := r.Dataset; d != nil {
		pos.Dataset = &savedDataset{Pass: d.Pass, Batch: d.Batch, Ended: d.Ended, ValidationPasses: d.ValidationPasses}
	}
	return pos
}

// fingerprint adds the architecture and the compile settings to a run's
// fingerprint.
func (b *BackupAndRestore) fingerprint(r models.RunFingerprint) fingerprint {
	return fingerprint{
		Model: b.modelSHA, Compile: b.compileSH, Data: r.Data, Validation: r.Validation,
		Rows: r.Rows, Seed: r.Seed, BatchSize: r.BatchSize, Shuffle: r.Shuffle,
		ValidationSplit: strictjson.Float(r.ValidationSplit),
	}
}

// savedPosition is where a backup was taken, in training_state.
type savedPosition struct {
	// Epoch and Step say what runs next: step Step of epoch Epoch (from
	// 0); the steps before it are done.
	Epoch int `json:"epoch"`
	Step  int `json:"step"`
	// StepsPerEpoch is the number of steps of each epoch.
	StepsPerEpoch int `json:"steps_per_epoch"`
	// LossSum and LossCount are the running loss of the epoch's steps
	// done; Metrics the running states of the compiled metrics.
	LossSum   strictjson.Float  `json:"loss_sum"`
	LossCount strictjson.Float  `json:"loss_count"`
	Metrics   map[string][]byte `json:"metrics"`
	// OutputLosses holds, for a model with several losses, the running
	// sum and count of each output's loss ("dense_1_loss").
	OutputLosses map[string][2]strictjson.Float `json:"output_losses,omitempty"`
	// History holds the epochs done.
	History savedHistory `json:"history"`
	// Callbacks holds the states of the callbacks.Stateful callbacks.
	Callbacks []savedCallback `json:"callbacks,omitempty"`
	// Dataset is the position in the dataset of a FitDataset run: the
	// passes begun, the batches read of the last, the validation passes.
	Dataset *savedDataset `json:"dataset,omitempty"`
	// Fingerprint describes the run, so that a backup is not resumed by
	// a different one.
	Fingerprint fingerprint `json:"fingerprint"`
}

// savedDataset is a models.DatasetPosition in a backup.
type savedDataset struct {
	Pass             int  `json:"pass"`
	Batch            int  `json:"batch"`
	Ended            bool `json:"ended,omitempty"`
	ValidationPasses int  `json:"validation_passes"`
}

// savedHistory is a History in a backup.
type savedHistory struct {
	Epochs []int                         `json:"epochs"`
	Values map[string][]strictjson.Float `json:"values"`
}

// savedCallback is the state of one callback in a backup.
type savedCallback struct {
	Index int    `json:"index"`
	Type  string `json:"type"`
	State []byte `json:"state"`
}

// fingerprint identifies a training run: resuming a backup with another
// architecture, other compile settings, other data or other Fit settings
// would not continue the same computation.
type fingerprint struct {
	Model           string           `json:"model_sha256"`
	Compile         string           `json:"compile_sha256"`
	Data            string           `json:"data_sha256"`
	Validation      string           `json:"validation_sha256"`
	Rows            int              `json:"rows"`
	Seed            uint64           `json:"seed"`
	BatchSize       int              `json:"batch_size"`
	Shuffle         bool             `json:"shuffle"`
	ValidationSplit strictjson.Float `json:"validation_split"`
}

// run returns the part of the fingerprint that the training package
// describes.
func (a fingerprint) run() models.RunFingerprint {
	return models.RunFingerprint{
		Data: a.Data, Validation: a.Validation, Rows: a.Rows, Seed: a.Seed,
		BatchSize: a.BatchSize, Shuffle: a.Shuffle, ValidationSplit: float64(a.ValidationSplit),
	}
}

// diff names the first field in which two fingerprints differ.
func (a fingerprint) diff(b fingerprint) string {
	switch {
	case a.Seed != b.Seed:
		return a.run().Diff(b.run())
	case a.Model != b.Model:
		return "the architecture differs"
	case a.Compile != b.Compile:
		return "the compile settings (optimizer, loss or metrics) differ"
	}
	return a.run().Diff(b.run())
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
