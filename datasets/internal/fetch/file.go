package fetch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/internal/atomicfile"
)

// FileSpec describes a data set that Keras keeps in one file of its cache
// (imdb.npz, reuters.npz, boston_housing.npz, ...).
type FileSpec struct {
	// Name is the cache subdirectory and the prefix of errors: "imdb".
	Name string
	// EnvVar names the environment variable that fixes the directory.
	EnvVar string
	// File is Keras's file name, in its cache and at its base URL.
	File string
	// Size is the exact size in bytes, or 0 if not pinned (the hash
	// still is).
	Size int64
	// SHA256 is the hash Keras's get_file checks, lowercase hex; 32 hex
	// digits are an MD5 instead, as in Keras.
	SHA256 string
	// BaseURL is the folder it is downloaded from; "" means
	// KerasBaseURL. Options.BaseURL overrides either.
	BaseURL string
}

// maxUnsized caps a download whose size is not pinned.
const maxUnsized = 1 << 30

// attempts is how many times a download is tried; retryDelay the wait
// before the second try, doubled for each further one. Tests shorten it.
var (
	attempts   = 3
	retryDelay = 2 * time.Second
)

// KerasCacheDir returns Keras's datasets directory: $KERAS_HOME/datasets,
// or ~/.keras/datasets, as keras.utils.get_file chooses it.
func KerasCacheDir() string {
	if h := os.Getenv("KERAS_HOME"); h != "" {
		return filepath.Join(h, "datasets")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".keras", "datasets")
}

// File returns the path of the data set's file, searching in order:
// Options.Dir or the environment variable (only that directory, if set);
// neuron's cache (os.UserCacheDir()/neuron/datasets/<name>, or
// Options.CacheDir/<name>), whose copy must have the pinned hash or is
// removed; Keras's cache (KerasCacheDir), read but never written, whose
// copy must have the pinned hash too; and last a download from the base
// URL into neuron's cache, tried up to three times (network errors, 5xx), checked against the
// hash and renamed into place only when whole. The error when all fail
// lists each place and says which file to put where.
func File(s *FileSpec, opts datasets.Options) (string, error) {
	for _, fixed := range []struct{ dir, what string }{{opts.Dir, "Options.Dir"}, {os.Getenv(s.EnvVar), "$" + s.EnvVar}} {
		if fixed.dir == "" {
			continue
		}
		p := filepath.Join(fixed.dir, s.File)
		if _, err := os.Stat(p); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "", fmt.Errorf("%s: %s %s: no %s there: %w", s.Name, fixed.what, fixed.dir, s.File, datasets.ErrNotFound)
			}
			return "", fmt.Errorf("%s: %s %s: %w", s.Name, fixed.what, fixed.dir, err)
		}
		return p, nil
	}
	var notes []string
	note := func(where, why string) { notes = append(notes, where+": "+why) }
	note("$"+s.EnvVar, "not set")

	cache, cacheErr := cacheDir(&Spec{Name: s.Name}, opts)
	if cacheErr != nil {
		note("cache", cacheErr.Error())
	} else if p, ok := checked(s, filepath.Join(cache, s.File), true, note); ok {
		return p, nil
	}
	if k := KerasCacheDir(); k != "" {
		if p, ok := checked(s, filepath.Join(k, s.File), false, note); ok {
			return p, nil
		}
	}

	base := KerasBaseURL
	if s.BaseURL != "" {
		base = s.BaseURL
	}
	if opts.BaseURL != "" {
		base = opts.BaseURL
	}
	where := "download from " + base
	switch {
	case opts.NoDownload:
		note(where, "downloads are off (Options.NoDownload)")
	case cacheErr != nil:
		note(where, "no cache directory to download into")
	default:
		err := download(s, opts, base, cache)
		if err == nil {
			return filepath.Join(cache, s.File), nil
		}
		note(where, err.Error())
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s: cannot find %s; looked in:", s.Name, s.File)
	for _, n := range notes {
		b.WriteString("\n  - " + strings.ReplaceAll(n, "\n", "\n    "))
	}
	_, algo := hasher(s.SHA256)
	fmt.Fprintf(&b, "\nTo get it: download %s (%s %s)", strings.TrimSuffix(base, "/")+"/"+s.File, algo, s.SHA256)
	if cacheErr == nil {
		fmt.Fprintf(&b, " and put it in %s", cache)
	}
	fmt.Fprintf(&b, ", or in a directory named by %s", s.EnvVar)
	return "", &searchError{msg: b.String()}
}

// checked reports whether path holds the file with the pinned hash. A
// copy with another hash in neuron's own cache is removed, so that a
// corrupt entry is fetched again instead of failing forever.
func checked(s *FileSpec, path string, own bool, note func(where, why string)) (string, bool) {
	ok, err := hasHash(path, s.SHA256)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		note(path, "not there")
	case err != nil:
		note(path, err.Error())
	case !ok && own:
		os.Remove(path)
		note(path, "hash does not match Keras's; removed from the cache")
	case !ok:
		note(path, "hash does not match Keras's; not used")
	default:
		return path, true
	}
	return "", false
}

// download fetches the file into dir, retrying failures other than an
// HTTP 4xx and a hash mismatch.
func download(s *FileSpec, opts datasets.Options, base, dir string) error {
	u, err := checkBaseURL(base)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	client := opts.Client
	if client == nil {
		client = defaultClient
	}
	path := filepath.Join(dir, s.File)
	atomicfile.RemoveStale(path, staleAfter)
	src := u.JoinPath(s.File).String()
	d := Download{Name: s.File, Size: s.Size, SHA256: s.SHA256}
	delay := retryDelay
	var errs []string
	for try := 1; try <= attempts; try++ {
		progress(opts.Progress, "%s: downloading %s to %s (attempt %d of %d)", s.Name, src, dir, try, attempts)
		err = fetch(client, src, path, d)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Sprintf("attempt %d: %v", try, err))
		// A 4xx will not change, and a hash mismatch is a wrong file,
		// not a glitch: only the others are worth another try.
		if msg := err.Error(); strings.Contains(msg, "HTTP 4") || strings.Contains(msg, "SHA-256 mismatch") {
			break
		}
		if try < attempts {
			time.Sleep(delay)
			delay *= 2
		}
	}
	return fmt.Errorf("%s: %s", src, strings.Join(errs, "; "))
}
