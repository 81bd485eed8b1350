package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// leftovers returns the names in dir other than keep.
func leftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
outer:
	for _, e := range entries {
		for _, k := range keep {
			if e.Name() == k {
				continue outer
			}
		}
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFileCreates(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.bin")
	want := bytes.Repeat([]byte("neuron"), 100000) // larger than the buffer
	err := WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(want)
		return err
	}, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("contents differ: got %d bytes, want %d", len(got), len(want))
	}
	if runtime.GOOS != "windows" {
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o640 {
			t.Errorf("mode %v, want %v", info.Mode().Perm(), fs.FileMode(0o640))
		}
	}
	if extra := leftovers(t, dir, "out.bin"); len(extra) != 0 {
		t.Errorf("left behind: %v", extra)
	}
}

func TestWriteBytesReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old contents"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(path, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "new" {
		t.Fatalf("got %q, want %q", got, "new")
	}
	if extra := leftovers(t, dir, "f"); len(extra) != 0 {
		t.Errorf("left behind: %v", extra)
	}
}

func TestWriteBytesRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := WriteBytes("rel.txt", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile("rel.txt"); string(got) != "x" {
		t.Fatalf("got %q", got)
	}
}

// TestWriteErrorKeepsOld checks the promise callers rely on: a failed write
// neither damages the previous file nor leaves a temporary file.
func TestWriteErrorKeepsOld(t *testing.T) {
	errBoom := errors.New("boom")
	cases := []struct {
		name  string
		write func(w io.Writer) error
		is    error
	}{
		{"error before writing", func(w io.Writer) error { return errBoom }, errBoom},
		{"error after a partial write", func(w io.Writer) error {
			w.Write(make([]byte, 1<<20)) // flushed to disk, past the buffer
			return errBoom
		}, errBoom},
		{"disk full", func(w io.Writer) error {
			w.Write(make([]byte, 200<<10))
			return fmt.Errorf("copy: %w", &fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC})
		}, syscall.ENOSPC},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "model.bin")
			if err := os.WriteFile(path, []byte("previous"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := WriteFile(path, tc.write, 0o644)
			if !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want one wrapping %v", err, tc.is)
			}
			got, _ := os.ReadFile(path)
			if string(got) != "previous" {
				t.Errorf("previous file changed to %d bytes", len(got))
			}
			if extra := leftovers(t, dir, "model.bin"); len(extra) != 0 {
				t.Errorf("left behind: %v", extra)
			}
		})
	}
}

// failingWriter fails after n bytes, like a disk that fills up.
type failingWriter struct {
	w io.Writer
	n int
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k, _ := f.w.Write(p[:f.n])
		f.n = 0
		return k, syscall.ENOSPC
	}
	f.n -= len(p)
	return f.w.Write(p)
}

func TestFailingWriter(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "data")
	src := bytes.NewReader(make([]byte, 3<<20))
	err := WriteFile(path, func(w io.Writer) error {
		_, err := io.Copy(&failingWriter{w: w, n: 1 << 20}, src)
		return err
	}, 0o644)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v, want ENOSPC", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("target exists after a failed write (stat err %v)", err)
	}
	if extra := leftovers(t, dir); len(extra) != 0 {
		t.Errorf("left behind: %v", extra)
	}
}

func TestWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	noop := func(io.Writer) error { return nil }

	err := WriteFile(filepath.Join(dir, "missing", "f"), noop, 0o644)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: err = %v, want ErrNotExist", err)
	}
	if err := WriteFile(dir+string(filepath.Separator), noop, 0o644); err == nil {
		t.Error("path ending in a separator: no error")
	}

	// Renaming a file over a non-empty directory fails; the temporary file
	// must still go away.
	target := filepath.Join(dir, "occupied")
	if err := os.MkdirAll(filepath.Join(target, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(target, []byte("x"), 0o644); err == nil || !strings.HasPrefix(err.Error(), "atomicfile: ") {
		t.Errorf("rename over a directory: err = %v", err)
	}
	if extra := leftovers(t, dir, "occupied"); len(extra) != 0 {
		t.Errorf("left behind: %v", extra)
	}
}

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mnist.npz")
	old := time.Now().Add(-2 * time.Hour)
	for _, name := range []string{".mnist.npz.tmp-1", ".mnist.npz.tmp-2", ".mnist.npz.tmp-young", ".other.tmp-1", "mnist.npz"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if name != ".mnist.npz.tmp-young" {
			if err := os.Chtimes(filepath.Join(dir, name), old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := RemoveStale(path, time.Hour)
	if err != nil || n != 2 {
		t.Fatalf("RemoveStale = %d, %v; want 2, nil", n, err)
	}
	got := leftovers(t, dir)
	want := []string{".mnist.npz.tmp-young", ".other.tmp-1", "mnist.npz"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("left %v, want %v", got, want)
	}
	if _, err := RemoveStale(filepath.Join(dir, "nodir", "x"), time.Hour); err == nil {
		t.Error("missing directory: no error")
	}
}

// TestKillDuringWrite kills a child process while it rewrites a file over
// and over, then checks that the file holds one complete version.
func TestKillDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs child processes and SIGKILL")
	}
	const size = 4 << 20
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt")
	if err := WriteBytes(path, bytes.Repeat([]byte{0xff}, size), 0o644); err != nil {
		t.Fatal(err)
	}
	prev := byte(0xff)
	for i := range 5 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRewrite$")
		cmd.Env = append(os.Environ(), "ATOMICFILE_HELPER_PATH="+path,
			"ATOMICFILE_HELPER_SIZE="+strconv.Itoa(size), "ATOMICFILE_HELPER_START="+strconv.Itoa(40*i))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the child has replaced the file at least once, so
		// that the kill lands while it is busy rewriting.
		deadline := time.Now().Add(20 * time.Second)
		for {
			if b, err := os.ReadFile(path); err == nil && len(b) > 0 && b[0] != prev {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("the child never completed a write")
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(3*i) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()

		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != size {
			t.Fatalf("kill %d: file has %d bytes, want %d", i, len(got), size)
		}
		if n := bytes.Count(got, got[:1]); n != size {
			t.Fatalf("kill %d: file mixes two versions (%d of %d bytes equal the first)", i, n, size)
		}
		prev = got[0]
	}
	if _, err := RemoveStale(path, 0); err != nil {
		t.Fatal(err)
	}
	if extra := leftovers(t, dir, "ckpt"); len(extra) != 0 {
		t.Errorf("RemoveStale left %v", extra)
	}
}

// TestHelperRewrite is the child process of TestKillDuringWrite.
func TestHelperRewrite(t *testing.T) {
	path := os.Getenv("ATOMICFILE_HELPER_PATH")
	if path == "" {
		t.Skip("helper process only")
	}
	size, _ := strconv.Atoi(os.Getenv("ATOMICFILE_HELPER_SIZE"))
	start, _ := strconv.Atoi(os.Getenv("ATOMICFILE_HELPER_START"))
	for v := byte(start); ; v++ {
		if err := WriteBytes(path, bytes.Repeat([]byte{v}, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
