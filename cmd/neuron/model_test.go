package main

// End-to-end tests of the saved model: train -save, evaluate, predict,
// damaged model files, and -backup resuming an interrupted run.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/neuron-go/neuron/activations"
	"github.com/neuron-go/neuron/layers"
	"github.com/neuron-go/neuron/models"
	"github.com/neuron-go/neuron/saving"
)

// lineStarting returns the first line of s that starts with prefix, or "".
func lineStarting(s, prefix string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// wantOneLineError checks that r failed with status code and one line on
// stderr matching re, and printed nothing on stdout.
func wantOneLineError(t *testing.T, r result, args string, code int, re *regexp.Regexp) {
	t.Helper()
	if r.code != code {
		t.Errorf("neuron %s: exit status %d, want %d (stderr %q)", args, r.code, code, r.stderr)
	}
	if got := strings.TrimSuffix(r.stderr, "\n"); strings.Contains(got, "\n") || !re.MatchString(got) {
		t.Errorf("neuron %s: stderr %q, want one line matching %s", args, r.stderr, re)
	}
	if r.stdout != "" {
		t.Errorf("neuron %s: stdout %q, want nothing", args, r.stdout)
	}
}

// evaluateLine is the progress bar's last line for Evaluate at verbose 1
// when stdout is not a terminal, as Keras prints it.
var evaluateLine = regexp.MustCompile(`(?m)^(\d+)/(\d+) ━+ \d+m?s \d+[mµu]?s/step - accuracy: \d\.\d{4} - loss: \d+\.\d{4}$`)

// TestSaveEvaluatePredict trains the first program with -save, then
// evaluates and predicts with the saved model: both must give what the
// trained model gave. Damaged copies of the file are rejected.
func TestSaveEvaluatePredict(t *testing.T) {
	needData(t, "mnist")
	dir := t.TempDir()
	args := []string{"train", "mnist", "-epochs", "1", "-limit", "600", "-verbose", "0", "-save", "mnist.safetensors"}
	tr := neuron(t, dir, nil, args...)
	wantOK(t, tr, strings.Join(args, " "))
	if !strings.Contains(tr.stdout, "saved the model to mnist.safetensors\n") {
		t.Errorf("stdout does not tell where the model is:\n%s", tr.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "out", "mnist", "model.safetensors")); err == nil {
		t.Errorf("with -save, the model was also written to out/mnist/model.safetensors")
	}

	args = []string{"evaluate", "mnist.safetensors", "-data", "mnist", "-limit", "600"}
	ev := neuron(t, dir, nil, args...)
	wantOK(t, ev, strings.Join(args, " "))
	if !strings.HasPrefix(ev.stdout, "X_test: uint8 (600, 28, 28) y_test: uint8 (600,)\nusing the first 600 of 10000 test examples (-limit 600)\n") {
		t.Errorf("evaluate does not describe the data first:\n%s", ev.stdout)
	}
	if m := evaluateLine.FindStringSubmatch(ev.stdout); m == nil || m[1] != "19" || m[2] != "19" {
		t.Errorf("evaluate's stdout lacks Keras's evaluate line (19/19 steps):\n%s", ev.stdout)
	}
	// The loaded model computes what the trained one did, on the same
	// 600 test images.
	if got, want := lastLineOf(ev.stdout), lastLineOf(tr.stdout); got != want || !lastLine.MatchString(got) {
		t.Errorf("evaluate's last line %q, want train's %q", got, want)
	}

	args = []string{"predict", "mnist.safetensors", "-data", "mnist", "1"}
	pr := neuron(t, dir, nil, args...)
	wantOK(t, pr, strings.Join(args, " "))
	lines := strings.Split(strings.TrimSuffix(pr.stdout, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("predict printed %d lines, want 3:\n%s", len(lines), pr.stdout)
	}
	if want := lineStarting(tr.stdout, "pred[1]: "); lines[0] != want {
		t.Errorf("predict's probabilities %q, want train's %q", lines[0], want)
	}
	// train prints "argmax(pred[1]): 2 - y_test[1]: 2".
	want := regexp.MustCompile(`argmax\(pred\[1\]\): (\d) - y_test\[1\]: (\d)`).FindStringSubmatch(tr.stdout)
	if want == nil {
		t.Fatalf("train's stdout lacks argmax(pred[1]):\n%s", tr.stdout)
	}
	if lines[1] != "argmax(pred[1]): "+want[1] || lines[2] != "y_test[1]: "+want[2] {
		t.Errorf("predict printed\n%s\nwant argmax(pred[1]): %s and y_test[1]: %s", pr.stdout, want[1], want[2])
	}
	if want[2] != "2" {
		t.Errorf("y_test[1] is %s, want MNIST's 2", want[2])
	}

	// Several images, from the training set.
	args = []string{"predict", "mnist.safetensors", "-data", "mnist", "0", "59999", "-train"}
	pr = neuron(t, dir, nil, args...)
	wantOK(t, pr, strings.Join(args, " "))
	if !regexp.MustCompile(`^pred\[0\]: \[(\d\.\d{4} ){9}\d\.\d{4}\]\nargmax\(pred\[0\]\): \d\ny_train\[0\]: 5\n\npred\[59999\]: .*\nargmax\(pred\[59999\]\): \d\ny_train\[59999\]: 8\n$`).MatchString(pr.stdout) {
		t.Errorf("predict 0 59999 -train printed:\n%s", pr.stdout)
	}

	// Damaged copies: a changed byte, and the file cut in half.
	data, err := os.ReadFile(filepath.Join(dir, "mnist.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(data)
	flipped[len(flipped)-100] ^= 0x40
	if err := os.WriteFile(filepath.Join(dir, "flipped.safetensors"), flipped, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cut.safetensors"), data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args string
		want *regexp.Regexp
	}{
		{"evaluate flipped.safetensors -data mnist", regexp.MustCompile(`^neuron evaluate: model flipped\.safetensors is damaged: checksum mismatch: `)},
		{"predict flipped.safetensors -data mnist 1", regexp.MustCompile(`^neuron predict: model flipped\.safetensors is damaged: checksum mismatch: `)},
		{"evaluate cut.safetensors -data mnist", regexp.MustCompile(`^neuron evaluate: model cut\.safetensors is not a valid model file: .*bytes`)},
		{"predict cut.safetensors -data mnist 1", regexp.MustCompile(`^neuron predict: model cut\.safetensors is not a valid model file: .*bytes`)},
	} {
		r := neuron(t, dir, nil, strings.Fields(tc.args)...)
		wantOneLineError(t, r, tc.args, 1, tc.want)
	}
}

// TestEvaluatePredictCNN saves the third program's model to its default
// place: evaluate and predict must reshape Fashion-MNIST's images to
// (28, 28, 1) and scale them, and name the classes.
func TestEvaluatePredictCNN(t *testing.T) {
	needData(t, "fashion")
	dir := t.TempDir()
	args := []string{"train", "cnn", "-epochs", "1", "-limit", "128", "-verbose", "0", "-out", "cnn"}
	tr := neuron(t, dir, nil, args...)
	wantOK(t, tr, strings.Join(args, " "))
	model := filepath.Join("cnn", "model.safetensors")
	if !strings.Contains(tr.stdout, "saved the model to "+model+"\n") {
		t.Errorf("stdout does not tell where the model is:\n%s", tr.stdout)
	}

	args = []string{"evaluate", model, "-data", "fashion", "-limit", "128", "-verbose", "2", "-summary"}
	ev := neuron(t, dir, nil, args...)
	wantOK(t, ev, strings.Join(args, " "))
	for _, want := range []string{"Trainable params: 60,554", "Optimizer params: 121,110", "\n4/4 - ", " - accuracy: "} {
		if !strings.Contains(ev.stdout, want) {
			t.Errorf("evaluate's stdout lacks %q:\n%s", want, ev.stdout)
		}
	}
	if got, want := lastLineOf(ev.stdout), lastLineOf(tr.stdout); got != want {
		t.Errorf("evaluate's last line %q, want train's %q", got, want)
	}

	args = []string{"evaluate", model, "-data", "fashion", "-limit", "64", "-train", "-verbose", "0"}
	ev = neuron(t, dir, nil, args...)
	wantOK(t, ev, strings.Join(args, " "))
	if !regexp.MustCompile(`\ntrain loss: \d+\.\d{4} - train accuracy: \d\.\d{4}\n$`).MatchString(ev.stdout) {
		t.Errorf("evaluate -train does not end with the training loss and accuracy:\n%s", ev.stdout)
	}

	args = []string{"predict", model, "-data", "fashion", "1"}
	pr := neuron(t, dir, nil, args...)
	wantOK(t, pr, strings.Join(args, " "))
	if want := lineStarting(tr.stdout, "pred[1]: "); lineStarting(pr.stdout, "pred[1]: ") != want {
		t.Errorf("predict printed\n%s\nwant train's %q", pr.stdout, want)
	}
	// train prints "predicted: Dress - true: Pullover".
	m := regexp.MustCompile(`predicted: (.+) - true: (.+)\n`).FindStringSubmatch(tr.stdout)
	if m == nil {
		t.Fatalf("train's stdout lacks the predicted class:\n%s", tr.stdout)
	}
	if got := lineStarting(pr.stdout, "argmax(pred[1]): "); !strings.HasSuffix(got, " - "+m[1]) {
		t.Errorf("predict's argmax line %q, want class %s", got, m[1])
	}
	if got := lineStarting(pr.stdout, "y_test[1]: "); got != "y_test[1]: 2 - Pullover" || m[2] != "Pullover" {
		t.Errorf("predict's label line %q, train's true class %q; want 2 - Pullover", got, m[2])
	}

	// Without -scale's default, the CNN sees pixels 0..255.
	args = []string{"evaluate", model, "-data", "fashion", "-limit", "128", "-verbose", "0", "-scale=false"}
	ev = neuron(t, dir, nil, args...)
	wantOK(t, ev, strings.Join(args, " "))
	if lastLineOf(ev.stdout) == lastLineOf(tr.stdout) {
		t.Errorf("-scale=false gave the scores of scaled images: %s", lastLineOf(ev.stdout))
	}
}

// TestModelDoesNotFit saves models that do not take 28×28 images or do
// not have one output per class: evaluate and predict reject them, before
// loading any data, with the shapes in the message.
func TestModelDoesNotFit(t *testing.T) {
	dir := t.TempDir()
	save := func(name string, m *models.Sequential) {
		if err := saving.Save(m, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	save("cifar.safetensors", models.NewSequential(
		&layers.Flatten{InputShape: []int{32, 32, 3}},
		&layers.Dense{Units: 10, Activation: activations.Softmax},
	))
	save("five.safetensors", models.NewSequential(
		&layers.Flatten{InputShape: []int{28, 28}},
		&layers.Dense{Units: 5, Activation: activations.Softmax},
	))
	for _, tc := range []struct {
		args string
		want *regexp.Regexp
	}{
		{"evaluate cifar.safetensors -data mnist", regexp.MustCompile(`^neuron evaluate: model cifar\.safetensors takes inputs of shape \(32, 32, 3\), not mnist's 28×28 images$`)},
		{"predict cifar.safetensors -data fashion 0", regexp.MustCompile(`^neuron predict: model cifar\.safetensors takes inputs of shape \(32, 32, 3\), not fashion's 28×28 images$`)},
		{"evaluate five.safetensors -data fashion", regexp.MustCompile(`^neuron evaluate: model five\.safetensors has outputs of shape \(5,\), not one per class of fashion's 10$`)},
	} {
		r := neuron(t, dir, nil, strings.Fields(tc.args)...)
		wantOneLineError(t, r, tc.args, 1, tc.want)
	}
}

// startUntil starts neuron with args in dir and sends sig once a line of
// its standard output equals line. It returns the exit status and what
// the process printed.
func startUntil(t *testing.T, dir, line string, sig os.Signal, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(stdout)
	sent := false
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
		if sc.Text() == line {
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			sent = true
			break
		}
	}
	io.Copy(&out, stdout)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("neuron %s did not end within 60 s", strings.Join(args, " "))
	}
	if !sent {
		t.Fatalf("neuron %s never printed %q; stdout:\n%s\nstderr:\n%s", strings.Join(args, " "), line, out.String(), stderr.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), stderr.String()}
}

// backups lists the backup files in dir.
func backups(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "backup*.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTrainResume kills a run with -backup, resumes it, interrupts it
// with Ctrl-C, resumes it again to the end, and checks that the model
// equals, byte for byte, the model of a run never interrupted.
func TestTrainResume(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGINT on Windows")
	}
	needData(t, "mnist")
	dir := t.TempDir()
	train := func(seed string, more ...string) []string {
		return append([]string{"train", "mnist", "-epochs", "4", "-limit", "3000", "-seed", seed}, more...)
	}
	args := train("3", "-verbose", "0", "-out", "ref")
	ref := neuron(t, dir, nil, args...)
	wantOK(t, ref, strings.Join(args, " "))

	resumable := train("3", "-verbose", "2", "-out", "run", "-backup", "ckpt", "-backup-every", "10")
	joined := strings.Join(resumable, " ")
	// Killed during the second epoch, after the first one's backup.
	r := startUntil(t, dir, "Epoch 2/4", syscall.SIGKILL, resumable...)
	if r.code != -1 {
		t.Fatalf("neuron %s: exit status %d, want a kill; stderr:\n%s", joined, r.code, r.stderr)
	}
	if len(backups(t, filepath.Join(dir, "ckpt"))) == 0 {
		t.Fatal("no backup in ckpt after the first epoch")
	}

	// The same command resumes; Ctrl-C stops it after an epoch and keeps
	// the backup.
	r = startUntil(t, dir, "Epoch 3/4", syscall.SIGINT, resumable...)
	resumed := regexp.MustCompile(`(?m)^neuron train: resuming from ckpt/backup(\.prev)?\.safetensors at epoch \d, step \d+$`)
	if !resumed.MatchString(r.stderr) {
		t.Errorf("second run does not say it resumes; stderr:\n%s", r.stderr)
	}
	if strings.Contains(r.stdout, "Epoch 1/4") {
		t.Errorf("second run trained epoch 1 again:\n%s", r.stdout)
	}
	if r.code == 130 {
		want := "; run the same command again to resume from the backup in ckpt"
		if last := lastLineOf(r.stderr); !strings.HasSuffix(last, want) {
			t.Errorf("last line of stderr %q, want it to end with %q", last, want)
		}
		if len(backups(t, filepath.Join(dir, "ckpt"))) == 0 {
			t.Fatal("Ctrl-C deleted the backup")
		}

		// A run with other settings refuses the backup.
		other := train("4", "-verbose", "0", "-out", "other", "-backup", "ckpt")
		o := neuron(t, dir, nil, other...)
		if o.code != 1 || !strings.Contains(o.stderr, "neuron train: -backup: ckpt/backup.safetensors was made by a different run: ") {
			t.Errorf("neuron %s: exit status %d, stderr %q; want status 1 and the backup refused", strings.Join(other, " "), o.code, o.stderr)
		}

		// And once more, to the end.
		r = neuron(t, dir, nil, resumable...)
		wantOK(t, r, joined)
		if !resumed.MatchString(r.stderr) {
			t.Errorf("third run does not say it resumes; stderr:\n%s", r.stderr)
		}
	} else if r.code == 0 {
		// On a slow machine, Ctrl-C may come after the last epoch began.
		t.Logf("neuron %s completed before Ctrl-C stopped it", joined)
	} else {
		t.Fatalf("neuron %s: exit status %d, want 130 or 0; stderr:\n%s", joined, r.code, r.stderr)
	}

	h := checkTrainPartial(t, filepath.Join(dir, "run"))
	if len(h.Epoch) != 4 {
		t.Errorf("history has epochs %v, want 4", h.Epoch)
	}
	if b := backups(t, filepath.Join(dir, "ckpt")); len(b) != 0 {
		t.Errorf("backups left after training completed: %v", b)
	}
	var mf struct {
		EpochSeconds []*float64 `json:"epoch_seconds"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "run", "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &mf); err != nil {
		t.Fatal(err)
	}
	if len(mf.EpochSeconds) != 4 || mf.EpochSeconds[0] != nil {
		t.Errorf("metrics.json epoch_seconds %s, want 4 with null for the restored first epoch", data)
	}
	want, err := os.ReadFile(filepath.Join(dir, "ref", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "run", "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the resumed run's model differs from the uninterrupted run's")
	}
	if got, want := lastLineOf(r.stdout), lastLineOf(ref.stdout); got != want {
		t.Errorf("resumed run's test metrics %q, want the uninterrupted run's %q", got, want)
	}
}

// TestFunctionalModelFile checks that evaluate and predict read functional
// model files: one that does not take 28×28 images is rejected with its
// shape, as a Sequential is, and one with two inputs is rejected by name.
func TestFunctionalModelFile(t *testing.T) {
	dir := t.TempDir()
	in := models.Input([]int{32, 32, 3}, "img")
	out := models.Apply(&layers.Dense{Units: 10, Activation: activations.Softmax}, models.Apply(&layers.Flatten{}, in))
	m, err := models.NewModel([]*models.Node{in}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := saving.Save(m, filepath.Join(dir, "cifar.safetensors")); err != nil {
		t.Fatal(err)
	}
	a, b := models.Input([]int{28, 28}, "a"), models.Input([]int{28, 28}, "b")
	two, err := models.NewModel([]*models.Node{a, b}, []*models.Node{
		models.Apply(&layers.Dense{Units: 10}, models.Apply(&layers.Flatten{}, a)),
		models.Apply(&layers.Dense{Units: 10}, models.Apply(&layers.Flatten{}, b)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := saving.Save(two, filepath.Join(dir, "two.safetensors")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args string
		want *regexp.Regexp
	}{
		{"evaluate cifar.safetensors -data mnist", regexp.MustCompile(`^neuron evaluate: model cifar\.safetensors takes inputs of shape \(32, 32, 3\), not mnist's 28×28 images$`)},
		{"predict two.safetensors -data fashion 0", regexp.MustCompile(`^neuron predict: model two\.safetensors has 2 inputs and 2 outputs; evaluate and predict take a model of one image input and one class output$`)},
	} {
		r := neuron(t, dir, nil, strings.Fields(tc.args)...)
		wantOneLineError(t, r, tc.args, 1, tc.want)
	}
}

// TestEvaluateFunctional evaluates and predicts with a functional model
// file of the first program's architecture.
func TestEvaluateFunctional(t *testing.T) {
	needData(t, "mnist")
	dir := t.TempDir()
	in := models.Input([]int{28, 28}, "img")
	h := models.Apply(&layers.Dense{Units: 32, Activation: activations.ReLU}, models.Apply(&layers.Flatten{}, in))
	out := models.Apply(&layers.Dense{Units: 10, Activation: activations.Softmax}, h)
	m, err := models.NewModel([]*models.Node{in}, []*models.Node{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := saving.Save(m, filepath.Join(dir, "f.safetensors")); err != nil {
		t.Fatal(err)
	}
	r := neuron(t, dir, nil, "evaluate", "f.safetensors", "-data", "mnist", "-limit", "100", "-verbose", "0", "-summary")
	if r.code != 0 || !strings.Contains(r.stdout, "input_layer") && !strings.Contains(r.stdout, "img (InputLayer)") || !strings.Contains(r.stdout, "accuracy") {
		t.Fatalf("evaluate: status %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = neuron(t, dir, nil, "predict", "f.safetensors", "-data", "mnist", "0", "1")
	if r.code != 0 {
		t.Fatalf("predict: status %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}
