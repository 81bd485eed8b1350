package models

import (
	"encoding"
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
	"github.com/neuron-go/neuron/metrics"
	"github.com/neuron-go/neuron/optimizers"
)

// The checkpoint callbacks live in this package rather than in callbacks
// because they save models, and models imports callbacks. They implement
// callbacks.Callback and must be given to the Fit of a *Sequential or a
// functional *Model.

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
// Each file is written atomically (see Save).
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

	m        engineModel
	maximize bool
	best     float64
	epoch    int
	steps    int
}

// OnTrainBegin implements callbacks.Callback.
func (c *ModelCheckpoint) OnTrainBegin(cm callbacks.Model) error {
	m, ok := cm.(engineModel)
	if !ok {
		return fmt.Errorf("models: ModelCheckpoint: needs a *models.Sequential or *models.Model, got %T", cm)
	}
	if c.FilePath == "" {
		return errors.New("models: ModelCheckpoint: FilePath is empty")
	}
	if _, err := parsePattern(c.FilePath); err != nil {
		return fmt.Errorf("models: ModelCheckpoint: FilePath: %w", err)
	}
	if c.SaveEvery < 0 {
		return fmt.Errorf("models: ModelCheckpoint: SaveEvery must be >= 0, got %d", c.SaveEvery)
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
	return false, fmt.Errorf(`models: %s: Mode must be "min", "max" or "auto", got %q`, who, mode)
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
		return fmt.Errorf("models: ModelCheckpoint: FilePath: %w", err)
	}
	what := "model"
	if c.SaveWeightsOnly {
		what = "weights"
	}
	if c.SaveBestOnly {
		v, ok := logs[c.Monitor]
		if !ok {
			return fmt.Errorf("models: ModelCheckpoint: monitor %q is not in the logs (have %s)", c.Monitor, logKeys(logs))
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
		err = c.m.SaveWeights(path)
	} else {
		err = c.m.Save(path)
	}
	if err != nil {
		return fmt.Errorf("models: ModelCheckpoint: %w", err)
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
// BackupAndRestore but exactly: it saves everything training depends on
// at the end of every epoch and every SaveEvery steps, and when Fit starts
// with a backup in Dir it continues from it, so that a run killed at any
// moment and started again (the same program, data and settings) ends
// with the weights, bit for bit, and the history of a run never
// interrupted.
//
// A backup holds the weights, the optimizer's slots, iteration count and
// learning rate, the random state of every layer that draws random
// numbers (Dropout), the epoch and the step within it, the running loss
// and metrics of the epoch's steps already done and the history of the
// epochs done. The order of the batches is not saved: Fit derives it
// from the seed and the epoch. Unlike Keras, a resumed epoch continues
// with its next step, so no batch is applied twice.
//
// Each backup is written to a temporary file, synced and renamed to
// Dir/backup.safetensors, after the previous one is moved to
// Dir/backup.prev.safetensors; a kill at any point leaves at least one
// whole backup. A backup whose checksum does not match is skipped for the
// previous one, with a message on Log. A backup made by a different run
// (another architecture, compile settings, data, seed, batch size,
// shuffling or validation split) is refused with an error naming the
// difference.
//
// The state of other callbacks (EarlyStopping's patience counter, a
// ModelCheckpoint's best value) is not part of a backup.
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

	m   *engine
	run *fitRun
	fp  fingerprint
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
	em, ok := cm.(engineModel)
	if !ok || em.eng().run == nil {
		return fmt.Errorf("models: BackupAndRestore: needs the Fit of a *models.Sequential or *models.Model, got %T", cm)
	}
	m := em.eng()
	if b.Dir == "" {
		return errors.New("models: BackupAndRestore: Dir is empty")
	}
	if b.SaveEvery < 0 {
		return fmt.Errorf("models: BackupAndRestore: SaveEvery must be >= 0, got %d", b.SaveEvery)
	}
	if err := m.eachMetric(func(key string, mt metrics.Metric) error {
		_, ok1 := mt.(encoding.BinaryMarshaler)
		_, ok2 := mt.(encoding.BinaryUnmarshaler)
		if !ok1 || !ok2 {
			return fmt.Errorf("models: BackupAndRestore: metric %q (%T) does not implement encoding.BinaryMarshaler and BinaryUnmarshaler, so its running value cannot be saved", key, mt)
		}
		return nil
	}); err != nil {
		return err
	}
	if _, ok := m.optimizer.(optimizers.Stateful); !ok {
		return fmt.Errorf("models: BackupAndRestore: optimizer %T does not implement optimizers.Stateful", m.optimizer)
	}
	fp, err := m.fingerprintOf(m.run)
	if err != nil {
		return fmt.Errorf("models: BackupAndRestore: %w", err)
	}
	b.m, b.run, b.fp = m, m.run, fp
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return fmt.Errorf("models: BackupAndRestore: %w", err)
	}
	latest, prev := b.paths()
	for _, p := range []string{latest, prev} {
		// Temporary files of writes cut short by a kill.
		if _, err := atomicfile.RemoveStale(p, 0); err != nil {
			return fmt.Errorf("models: BackupAndRestore: %w", err)
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
		return b.restore(p, bk)
	}
	if len(errs) > 0 {
		return fmt.Errorf("models: BackupAndRestore: no usable backup in %s: %w (delete the directory to start afresh)", b.Dir, errors.Join(errs...))
	}
	return nil
}

// backup is a backup read and checked, ready to restore.
type backup struct {
	training savedTraining
	weights  [][]float32 // per layer weight, in layer order
	slots    [][][]float32
}

// readBackup reads and checks a backup against the model, without
// changing the model.
func readBackup(path string, m *engine) (*backup, error) {
	fh, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return decodeBackup(fh, size, m, true)
}

// decodeBackup is readBackup for the first size bytes of r; verify checks
// the checksum (the fuzz target skips it to reach what lies behind).
func decodeBackup(r io.ReaderAt, size int64, m *engine, verify bool) (*backup, error) {
	f, err := openNeuron(r, size, formatBackup)
	if err != nil {
		return nil, err
	}
	if verify {
		if err := f.VerifyChecksum(); err != nil {
			return nil, err
		}
	}
	bk := &backup{}
	if err := parseTraining(f.Meta[metaTraining], &bk.training); err != nil {
		return nil, err
	}
	if bk.training.Position == nil {
		return nil, invalidf("%s: position is missing", metaTraining)
	}
	for _, nl := range m.net.layers {
		for _, w := range nl.layer.Weights() {
			name := nl.name + "/" + w.Name
			if err := checkTensor(f, name, w.Value.Shape()); err != nil {
				return nil, fmt.Errorf("%w (was the backup made by another model?)", err)
			}
			buf := make([]float32, w.Value.Size())
			if err := readFinite(f, name, buf); err != nil {
				return nil, err
			}
			bk.weights = append(bk.weights, buf)
		}
	}
	for _, s := range bk.training.Slots {
		var vals [][]float32
		for j, w := range m.weights {
			name := slotPrefix + s + "/" + m.weightNames[j]
			if err := checkTensor(f, name, w.Shape()); err != nil {
				return nil, err
			}
			buf := make([]float32, w.Size())
			if err := readFinite(f, name, buf); err != nil {
				return nil, err
			}
			vals = append(vals, buf)
		}
		bk.slots = append(bk.slots, vals)
	}
	return bk, nil
}

// restore puts a checked backup into the model and tells Fit where to
// resume.
func (b *BackupAndRestore) restore(path string, bk *backup) error {
	m, t := b.m, &bk.training
	pos := t.Position
	if d := pos.Fingerprint.diff(b.fp); d != "" {
		return fmt.Errorf("models: BackupAndRestore: %s was made by a different run: %s (delete it to start afresh)", path, d)
	}
	if pos.StepsPerEpoch != b.run.steps || pos.Step < 0 || pos.Step > pos.StepsPerEpoch || pos.Epoch < 0 {
		return fmt.Errorf("models: BackupAndRestore: %s: position epoch %d, step %d of %d does not fit this run's %d steps per epoch", path, pos.Epoch, pos.Step, pos.StepsPerEpoch, b.run.steps)
	}
	// Check what can fail before changing anything.
	so := m.optimizer.(optimizers.Stateful)
	cur, err := so.State()
	if err != nil {
		return fmt.Errorf("models: BackupAndRestore: %w", err)
	}
	if !slotsFit(cur, m.weights) {
		m.optimizer.Build(m.weights)
	}
	if err := m.eachMetric(func(key string, mt metrics.Metric) error {
		st, ok := pos.Metrics[key]
		if !ok && pos.Step > 0 {
			return fmt.Errorf("models: BackupAndRestore: %s: no state for metric %q", path, key)
		}
		if ok {
			if err := mt.(encoding.BinaryUnmarshaler).UnmarshalBinary(st); err != nil {
				return fmt.Errorf("models: BackupAndRestore: %s: %w", path, err)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	for i := range m.heads {
		if h := &m.heads[i]; h.lossKey != "" && pos.Step > 0 {
			v, ok := pos.OutputLosses[h.lossKey]
			if !ok {
				return fmt.Errorf("models: BackupAndRestore: %s: no running value for %q", path, h.lossKey)
			}
			h.resume = lossTracker{sum: float64(v[0]), count: float64(v[1])}
		}
	}
	if err := m.checkRandom(t.RandomStates); err != nil {
		return fmt.Errorf("models: BackupAndRestore: %s: %w", path, err)
	}
	st := optimizers.State{Iterations: t.Iterations}
	for i, name := range t.Slots {
		st.Slots = append(st.Slots, optimizers.Slot{Name: name, Values: bk.slots[i]})
	}
	if err := so.SetState(st); err != nil {
		return fmt.Errorf("models: BackupAndRestore: %s: %w", path, err)
	}
	if err := m.restoreRandom(t.RandomStates); err != nil {
		return fmt.Errorf("models: BackupAndRestore: %s: %w", path, err)
	}
	k := 0
	for _, nl := range m.net.layers {
		for _, w := range nl.layer.Weights() {
			copy(w.Value.Data(), bk.weights[k])
			k++
		}
	}
	if lr := float64(t.LearningRate); lr > 0 && !math.IsInf(lr, 0) {
		m.optimizer.SetLR(lr)
	}
	b.run.resume = &resumePoint{
		epoch: pos.Epoch, step: pos.Step,
		loss:    lossTracker{sum: float64(pos.LossSum), count: float64(pos.LossCount)},
		metrics: pos.Metrics, history: pos.History,
	}
	if b.Log != nil {
		fmt.Fprintf(b.Log, "BackupAndRestore: resuming from %s at epoch %d, step %d\n", path, pos.Epoch+1, pos.Step)
	}
	return nil
}

// OnBatchEnd implements callbacks.Callback: it saves every SaveEvery
// optimizer iterations.
func (b *BackupAndRestore) OnBatchEnd(int, callbacks.Logs) error {
	if b.SaveEvery <= 0 || b.m.optimizer.Iterations()%b.SaveEvery != 0 {
		return nil
	}
	r := b.run
	return b.save(r.epoch, r.step, r.loss, historyOf(r.h))
}

// OnEpochEnd implements callbacks.Callback: it saves the end of the
// epoch, the history included.
func (b *BackupAndRestore) OnEpochEnd(epoch int, _ callbacks.Logs) error {
	return b.save(epoch+1, 0, lossTracker{}, historyOf(b.run.h))
}

// OnTrainEnd implements callbacks.Callback: it deletes the backups if Fit
// completed, unless Keep is set.
func (b *BackupAndRestore) OnTrainEnd(callbacks.Logs) error {
	if b.Keep || b.run == nil || b.run.err != nil {
		return nil
	}
	latest, prev := b.paths()
	if err := errors.Join(removeIfExists(latest), removeIfExists(prev)); err != nil {
		return fmt.Errorf("models: BackupAndRestore: %w", err)
	}
	return nil
}

// save writes a backup at the given position.
func (b *BackupAndRestore) save(epoch, step int, loss lossTracker, h savedHistory) error {
	m := b.m
	pos := &savedPosition{
		Epoch: epoch, Step: step, StepsPerEpoch: b.run.steps,
		LossSum: strictjson.Float(loss.sum), LossCount: strictjson.Float(loss.count),
		Metrics: map[string][]byte{}, History: h, Fingerprint: b.fp,
	}
	if step > 0 {
		if err := m.eachMetric(func(key string, mt metrics.Metric) error {
			st, err := mt.(encoding.BinaryMarshaler).MarshalBinary()
			if err != nil {
				return fmt.Errorf("models: BackupAndRestore: metric %q: %w", key, err)
			}
			pos.Metrics[key] = st
			return nil
		}); err != nil {
			return err
		}
		for i := range m.heads {
			if h := &m.heads[i]; h.lossKey != "" {
				if pos.OutputLosses == nil {
					pos.OutputLosses = map[string][2]strictjson.Float{}
				}
				pos.OutputLosses[h.lossKey] = [2]strictjson.Float{strictjson.Float(h.tracker.sum), strictjson.Float(h.tracker.count)}
			}
		}
	}
	meta, tensors, err := m.snapshotAt(formatBackup, true, pos)
	if err != nil {
		return fmt.Errorf("models: BackupAndRestore: %w", err)
	}
	latest, prev := b.paths()
	if err := os.Rename(latest, prev); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("models: BackupAndRestore: %w", err)
	}
	if err := writeFile(latest, meta, tensors); err != nil {
		return fmt.Errorf("models: BackupAndRestore: %w", err)
	}
	return nil
}
