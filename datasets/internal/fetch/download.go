package fetch

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/neuron-go/neuron/datasets"
	"github.com/neuron-go/neuron/internal/atomicfile"
	"github.com/neuron-go/neuron/internal/safefile"
)

// defaultClient bounds each request, so a stalled server fails instead of
// hanging; 10 minutes is 26 MB at 45 kB/s.
var defaultClient = &http.Client{Timeout: 10 * time.Minute}

// staleAfter is how old a temporary file from an interrupted download
// must be before it is removed; younger ones may belong to another
// process downloading right now.
const staleAfter = time.Hour

// downloadAll makes sure every file in spec.Downloads is in dir with the
// pinned hash, fetching the ones that are missing or differ.
func downloadAll(spec *Spec, opts datasets.Options, base, dir string) error {
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
	for _, d := range spec.Downloads {
		path := filepath.Join(dir, d.Name)
		atomicfile.RemoveStale(path, staleAfter)
		if ok, _ := hasHash(path, d.SHA256); ok {
			continue
		}
		src := u.JoinPath(d.Name).String()
		progress(opts.Progress, "%s: downloading %s (%.1f MB) to %s", spec.Name, src, float64(d.Size)/1e6, dir)
		start := time.Now()
		if err := fetch(client, src, path, d); err != nil {
			return fmt.Errorf("%s: %w", src, err)
		}
		progress(opts.Progress, "%s: saved %s (%d bytes, SHA-256 checked) in %.1fs", spec.Name, d.Name, d.Size, time.Since(start).Seconds())
	}
	return nil
}

// checkBaseURL accepts https, and plain http only on loopback (tests and
// local mirrors). The hashes protect integrity either way, but nothing
// should advertise fetching over plain http from the network.
func checkBaseURL(base string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %w", base, err)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("base URL %q: want https (plain http only for loopback hosts)", base)
		}
	default:
		return nil, fmt.Errorf("base URL %q: want an https URL", base)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("base URL %q: no host", base)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hasHash reports whether the file at path exists with the given SHA-256.
func hasHash(path, want string) (bool, error) {
	f, _, err := safefile.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h, _ := hasher(want)
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return hex.EncodeToString(h.Sum(nil)) == want, nil
}

// fetch downloads src to path. The bytes go to a temporary file and are
// hashed as they arrive; only a file of the right size and hash is renamed
// into place, so a failure of any kind leaves nothing at path.
func fetch(client *http.Client, src, path string, d Download) error {
	resp, err := client.Get(src)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	err = atomicfile.WriteFile(path, func(w io.Writer) error {
		h, algo := hasher(d.SHA256)
		// Read one byte past the expected size, whatever Content-Length
		// says, so that an oversize body is caught without reading it all.
		limit := d.Size
		if limit == 0 {
			limit = maxUnsized
		}
		n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(resp.Body, limit+1))
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("connection closed after %d of %d bytes: %w", n, d.Size, err)
			}
			return fmt.Errorf("after %d of %d bytes: %w", n, d.Size, err)
		}
		if d.Size == 0 && n > maxUnsized {
			return fmt.Errorf("got more than the limit of %d bytes", maxUnsized)
		}
		if d.Size > 0 && n < d.Size { // with no pinned size, the hash decides
			return fmt.Errorf("got %d bytes, want %d: %w", n, d.Size, io.ErrUnexpectedEOF)
		}
		if d.Size > 0 && n > d.Size {
			return fmt.Errorf("got more than the expected %d bytes", d.Size)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != d.SHA256 {
			return fmt.Errorf("%s mismatch: got %s, want %s", algo, got, d.SHA256)
		}
		return nil
	}, 0o644)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return err
		}
		return fmt.Errorf("%w; nothing was saved", err)
	}
	return nil
}

// hasher returns the hash a pinned sum is for, chosen by its length as
// Keras's get_file chooses: 64 hex digits are SHA-256, 32 are MD5 (the
// word index files, for which Keras pins only an MD5).
func hasher(want string) (hash.Hash, string) {
	if len(want) == 32 {
		return md5.New(), "MD5"
	}
	return sha256.New(), "SHA-256"
}
