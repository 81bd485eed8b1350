package fetch

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neuron-go/neuron/datasets"
)

// server serves files by name and counts requests. A handler override
// lets a test misbehave for one name.
type server struct {
	*httptest.Server
	files    map[string][]byte
	requests atomic.Int32
	override map[string]http.HandlerFunc
}

func newServer(t *testing.T, files map[string][]byte) *server {
	s := &server{files: files, override: map[string]http.HandlerFunc{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		name := strings.TrimPrefix(r.URL.Path, "/datasets/")
		if h := s.override[name]; h != nil {
			h(w, r)
			return
		}
		b, ok := s.files[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

// downloadSpec returns the toy spec set up to download the four IDX files
// from srv, with hashes pinned from files.
func downloadSpec(t *testing.T, files map[string][]byte) *Spec {
	spec := toySpec(t)
	spec.Module = nil
	for _, name := range toyFiles {
		spec.Downloads = append(spec.Downloads, Download{Name: name, Size: int64(len(files[name])), SHA256: sha(files[name])})
	}
	return spec
}

// cacheEntries lists the files in the data set's cache directory.
func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestDownload(t *testing.T) {
	files := toyIDX(9)
	srv := newServer(t, files)
	spec := downloadSpec(t, files)
	cacheRoot := t.TempDir()
	var log strings.Builder
	opts := datasets.Options{CacheDir: cacheRoot, BaseURL: srv.URL + "/datasets/", Progress: &log}

	a := mustLoad(t, spec, opts)
	if a.YTrain.Data[0] != 9 {
		t.Errorf("wrong copy %d", a.YTrain.Data[0])
	}
	if n := srv.requests.Load(); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
	cache := filepath.Join(cacheRoot, "toy")
	if got := cacheEntries(t, cache); len(got) != 4 {
		t.Errorf("cache holds %v", got)
	}
	for _, want := range []string{
		"toy: downloading " + srv.URL + "/datasets/train-images-idx3-ubyte.gz (0.0 MB) to " + cache,
		"toy: saved t10k-labels-idx1-ubyte.gz (",
		"bytes, SHA-256 checked) in ",
		"toy: loaded from " + cache,
	} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("progress log lacks %q:\n%s", want, log.String())
		}
	}

	// The second run reads the cache and makes no request.
	mustLoad(t, spec, opts)
	if n := srv.requests.Load(); n != 4 {
		t.Errorf("second load made %d more requests", n-4)
	}

	// A cached file that went bad is replaced; the good ones are kept.
	path := filepath.Join(cache, toyFiles[3])
	if err := os.WriteFile(path, []byte("damaged"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, spec, opts)
	if n := srv.requests.Load(); n != 5 {
		t.Errorf("repair made %d requests, want 1", n-4)
	}

	// A stale temporary file from a killed download is cleaned up.
	stale := filepath.Join(cache, "."+toyFiles[0]+".tmp-123")
	os.WriteFile(stale, []byte("partial"), 0o644)
	old := time.Now().Add(-2 * staleAfter)
	os.Chtimes(stale, old, old)
	os.Remove(filepath.Join(cache, toyFiles[1]))
	mustLoad(t, spec, opts)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Error("stale temporary file was not removed")
	}
}

func TestDownloadNPZ(t *testing.T) {
	archive := toyNPZ(4)
	srv := newServer(t, map[string][]byte{"toy.npz": archive})
	spec := toySpec(t)
	spec.Module = nil
	spec.Downloads = []Download{{Name: "toy.npz", Size: int64(len(archive)), SHA256: sha(archive)}}
	cacheRoot := t.TempDir()
	a := mustLoad(t, spec, datasets.Options{CacheDir: cacheRoot, BaseURL: srv.URL + "/datasets"})
	if a.YTrain.Data[0] != 4 {
		t.Errorf("wrong copy %d", a.YTrain.Data[0])
	}
	if got := cacheEntries(t, filepath.Join(cacheRoot, "toy")); len(got) != 1 || got[0] != "toy.npz" {
		t.Errorf("cache holds %v", got)
	}
}

// TestDownloadFailures checks that each kind of bad download is an error
// that names the problem, and that nothing is left in the cache.
func TestDownloadFailures(t *testing.T) {
	files := toyIDX(9)
	name := toyFiles[0]
	good := files[name]
	other := append([]byte{}, good...)
	other[len(other)/2] ^= 1

	cases := []struct {
		name    string
		handler http.HandlerFunc
		want    []string
	}{
		{"wrong hash", func(w http.ResponseWriter, r *http.Request) { w.Write(other) },
			[]string{"SHA-256 mismatch: got " + sha(other) + ", want " + sha(good), "; nothing was saved"}},
		{"truncated response", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(good)))
			w.Write(good[:len(good)/2])
		}, []string{"connection closed after " + strconv.Itoa(len(good)/2) + " of " + strconv.Itoa(len(good)) + " bytes: unexpected EOF", "nothing was saved"}},
		{"short response", func(w http.ResponseWriter, r *http.Request) { w.Write(good[:10]) },
			[]string{"got 10 bytes, want " + strconv.Itoa(len(good)) + ": unexpected EOF"}},
		{"oversize response", func(w http.ResponseWriter, r *http.Request) { w.Write(append(append([]byte{}, good...), good...)) },
			[]string{"got more than the expected " + strconv.Itoa(len(good)) + " bytes"}},
		{"lying content length", func(w http.ResponseWriter, r *http.Request) {
			// Bypass the server, which refuses to send more than it
			// declared: the client must stop at Content-Length.
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			defer conn.Close()
			buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n")
			buf.Write(good)
			buf.Flush()
		}, []string{"got 10 bytes, want " + strconv.Itoa(len(good))}},
		{"not found", http.NotFound, []string{"HTTP 404 Not Found"}},
		{"server error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) },
			[]string{"HTTP 500 Internal Server Error"}},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.Path, http.StatusFound) },
			[]string{"stopped after 10 redirects"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, files)
			srv.override[name] = tc.handler
			spec := downloadSpec(t, files)
			cacheRoot := t.TempDir()
			_, err := Load(spec, datasets.Options{CacheDir: cacheRoot, BaseURL: srv.URL + "/datasets/"})
			if err == nil {
				t.Fatal("no error")
			}
			where := "  - download from " + srv.URL + "/datasets/: " + srv.URL + "/datasets/" + name + ": "
			if !strings.Contains(err.Error(), where) {
				t.Errorf("error lacks %q:\n%v", where, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if got := cacheEntries(t, filepath.Join(cacheRoot, "toy")); len(got) != 0 {
				t.Errorf("cache holds %v after a failed download", got)
			}
		})
	}
}

func TestDownloadRefused(t *testing.T) {
	files := toyIDX(9)
	srv := newServer(t, files)
	spec := downloadSpec(t, files)

	_, err := Load(spec, datasets.Options{CacheDir: t.TempDir(), BaseURL: srv.URL + "/datasets/", NoDownload: true})
	if err == nil || !strings.Contains(err.Error(), "  - download from "+srv.URL+"/datasets/: downloads are off (Options.NoDownload)") {
		t.Errorf("NoDownload: err = %v", err)
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("NoDownload made %d requests", n)
	}

	for base, want := range map[string]string{
		"http://example.com/d/": `base URL "http://example.com/d/": want https (plain http only for loopback hosts)`,
		"ftp://example.com/":    `base URL "ftp://example.com/": want an https URL`,
		"https:///x":            `base URL "https:///x": no host`,
		"://bad":                `base URL "://bad": parse`,
	} {
		_, err := Load(spec, datasets.Options{CacheDir: t.TempDir(), BaseURL: base})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("BaseURL %q: err = %v", base, err)
		}
	}
	for host, ok := range map[string]bool{"localhost": true, "127.0.0.1": true, "::1": true, "example.com": false, "10.0.0.1": false} {
		if isLoopback(host) != ok {
			t.Errorf("isLoopback(%q) = %v", host, !ok)
		}
	}
}

// fakeGo installs a shell script named go first on $PATH. It answers
// "go env GOMODCACHE" with modcache and "go mod download" with output.
func fakeGo(t *testing.T, modcache, output string, exit int) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("uses a shell script as the go command")
	}
	bin := t.TempDir()
	// Only shell builtins: $PATH holds nothing but this directory.
	script := "#!/bin/sh\n" +
		"case \"$1 $2\" in\n" +
		"\"env GOMODCACHE\") echo '" + modcache + "' ;;\n" +
		"\"mod download\") pwd > '" + filepath.Join(bin, "cwd") + "'; printf '%s' '" + output + "'; exit " + strconv.Itoa(exit) + " ;;\n" +
		"*) exit 2 ;;\n" +
		"esac\n"
	if err := os.WriteFile(filepath.Join(bin, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("GOMODCACHE", "")
}

func TestGoModDownload(t *testing.T) {
	spec := toySpec(t)
	modcache := t.TempDir()
	fetched := t.TempDir() // where the fake go command "downloads" to
	writeFiles(t, filepath.Join(fetched, "data"), toyIDX(5))
	fakeGo(t, modcache, `{"Path": "example.com/ToyData", "Version": "v1.2.3", "Dir": "`+fetched+`"}`, 0)

	var log strings.Builder
	a := mustLoad(t, spec, datasets.Options{CacheDir: t.TempDir(), Progress: &log})
	if a.YTrain.Data[0] != 5 {
		t.Errorf("wrong copy %d", a.YTrain.Data[0])
	}
	if !strings.Contains(log.String(), "toy: running go mod download example.com/ToyData@v1.2.3\n") {
		t.Errorf("progress log:\n%s", log.String())
	}

	// With the module already in the cache, go is not asked to download.
	inCache := filepath.Join(modcache, "example.com", "!toy!data@v1.2.3", "data")
	writeFiles(t, inCache, toyIDX(6))
	log.Reset()
	if a := mustLoad(t, spec, datasets.Options{CacheDir: t.TempDir(), Progress: &log}); a.YTrain.Data[0] != 6 {
		t.Errorf("wrong copy %d", a.YTrain.Data[0])
	}
	if strings.Contains(log.String(), "running go mod download") {
		t.Error("ran go mod download for a module already in the cache")
	}
}

func TestGoModDownloadFails(t *testing.T) {
	cases := []struct {
		name   string
		output string
		exit   int
		want   string
	}{
		{"go reports an error", `{"Path": "example.com/ToyData", "Error": "example.com/ToyData@v1.2.3: reading https://proxy.golang.org/...: 404 Not Found"}`, 1,
			"go mod download example.com/ToyData@v1.2.3: example.com/ToyData@v1.2.3: reading https://proxy.golang.org/...: 404 Not Found"},
		{"go fails silently", "", 1, "go mod download example.com/ToyData@v1.2.3: exit status 1"},
		{"bad output", "not json", 0, "cannot parse its output"},
		{"no directory", `{"Path": "example.com/ToyData"}`, 0, "it reported no directory"},
		{"empty module", `{"Dir": "/nonexistent/dir"}`, 0, "go mod download example.com/ToyData@v1.2.3: /nonexistent/dir/data: no such directory"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := toySpec(t)
			fakeGo(t, t.TempDir(), tc.output, tc.exit)
			_, err := Load(spec, datasets.Options{CacheDir: t.TempDir()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v\nwant it to contain %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "Go module cache (go env GOMODCACHE) ") {
				t.Errorf("err does not say the cache came from go env:\n%v", err)
			}
		})
	}
}

// TestGoModDownloadIsolated checks that go runs in a throwaway module, not
// in the caller's directory, so the caller's go.mod is never touched.
func TestGoModDownloadIsolated(t *testing.T) {
	spec := toySpec(t)
	fakeGo(t, t.TempDir(), `{"Dir": "/nonexistent"}`, 0)
	wd := t.TempDir()
	t.Chdir(wd)
	Load(spec, datasets.Options{CacheDir: t.TempDir()})
	cwd, err := os.ReadFile(filepath.Join(filepath.SplitList(os.Getenv("PATH"))[0], "cwd"))
	if err != nil {
		t.Fatal(err)
	}
	dir := strings.TrimSpace(string(cwd))
	if dir == wd || !strings.Contains(filepath.Base(dir), "neuron-gomod-") {
		t.Errorf("go ran in %s", dir)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("throwaway module %s was not removed", dir)
	}
}

func TestModCacheRoot(t *testing.T) {
	t.Setenv("GOMODCACHE", "/m")
	if root, how, _ := modCacheRoot("/no/go"); root != "/m" || how != "$GOMODCACHE" {
		t.Errorf("GOMODCACHE: %s (%s)", root, how)
	}
	t.Setenv("GOMODCACHE", "")
	t.Setenv("GOPATH", "/gp1"+string(filepath.ListSeparator)+"/gp2")
	if root, how, _ := modCacheRoot(""); root != filepath.Join("/gp1", "pkg", "mod") || how != "$GOPATH/pkg/mod" {
		t.Errorf("GOPATH: %s (%s)", root, how)
	}
	t.Setenv("GOPATH", "")
	home := t.TempDir()
	t.Setenv("HOME", home)
	if runtime.GOOS == "linux" {
		if root, how, _ := modCacheRoot(""); root != filepath.Join(home, "go", "pkg", "mod") || how != "~/go/pkg/mod" {
			t.Errorf("home: %s (%s)", root, how)
		}
	}
}
