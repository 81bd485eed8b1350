package dashboard

import (
	"context"
	"embed"
	"encoding/base64"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neuron-go/neuron/models"
)

//go:embed static
var static embed.FS

// Config holds a Server's settings.
type Config struct {
	// Addr is the address to listen on, host:port. An empty host means
	// 127.0.0.1 (not every interface, as for net.Listen): to be reached
	// from elsewhere, name the interface, e.g. "0.0.0.0:8050". An empty
	// Addr means 127.0.0.1 on a free port; Server.URL tells which.
	Addr string
	// Hosts are host names, besides localhost and IP addresses, that
	// requests may name in their Host header (the names by which the
	// machine is reached when Addr is not a loopback address).
	Hosts []string
	// ClientBuffer is the number of updates queued for each browser
	// (4096 by default). A browser that falls that far behind misses
	// updates and is sent the whole state once it catches up.
	ClientBuffer int
}

// Server serves the dashboard page and the runs it shows.
type Server struct {
	cfg   Config
	ln    net.Listener
	hs    *http.Server
	url   string
	hosts map[string]bool
	done  chan struct{}
	once  sync.Once

	mu      sync.Mutex
	runs    []*Run
	clients map[*client]struct{}
	nclient atomic.Int32
	// dropped counts the updates not queued because a browser's queue was
	// full (tests read it).
	dropped atomic.Int64
}

// client is one browser's event stream.
type client struct {
	ch     chan []byte
	resync atomic.Bool
}

// New starts a Server listening on cfg.Addr.
func New(cfg Config) (*Server, error) {
	addr, err := listenAddr(cfg.Addr)
	if err != nil {
		return nil, err
	}
	if cfg.ClientBuffer < 0 {
		return nil, fmt.Errorf("dashboard: ClientBuffer must be positive, got %d", cfg.ClientBuffer)
	}
	if cfg.ClientBuffer == 0 {
		cfg.ClientBuffer = 4096
	}
	s := &Server{cfg: cfg, hosts: map[string]bool{"localhost": true}, done: make(chan struct{}), clients: map[*client]struct{}{}}
	for _, h := range cfg.Hosts {
		if h == "" || strings.ContainsAny(h, ":/ ") {
			return nil, fmt.Errorf("dashboard: Hosts: %q is not a host name", h)
		}
		s.hosts[strings.ToLower(h)] = true
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dashboard: Addr %q: %w", cfg.Addr, err)
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String() + "/"
	if ap, err := netip.ParseAddrPort(ln.Addr().String()); err == nil && ap.Addr().IsUnspecified() {
		s.url = fmt.Sprintf("http://127.0.0.1:%d/", ap.Port())
	}
	s.hs = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	go func() { _ = s.hs.Serve(ln) }()
	return s, nil
}

// listenAddr checks a Config.Addr and puts 127.0.0.1 for a missing host.
func listenAddr(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("dashboard: Addr must be host:port, got %q: %v", addr, err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// URL returns the page's address, e.g. "http://127.0.0.1:8050/".
func (s *Server) URL() string { return s.url }

// Close stops the server and ends the browsers' event streams.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if err = s.hs.Shutdown(ctx); err != nil {
			err = s.hs.Close()
		}
	})
	return err
}

// NewRun adds a run, named name, and returns it: the callback that feeds
// it from Fit.
func (s *Server) NewRun(name string) *Run {
	return s.addRun(name, "fit", "waiting")
}

func (s *Server) addRun(name, source, status string) *Run {
	s.mu.Lock()
	r := &Run{srv: s, id: len(s.runs), name: name, source: source, status: status, params: map[string]int{}}
	s.runs = append(s.runs, r)
	s.mu.Unlock()
	s.broadcast("run", r.snapshot())
	return r
}

// AddHistory adds a finished run with the epochs of h.
func (s *Server) AddHistory(name string, h *models.History) *Run {
	return s.addFinished(name, "history", h.History, h.Epoch)
}

func (s *Server) addFinished(name, source string, h map[string][]float64, epochs []int) *Run {
	r := &Run{srv: s, name: name, source: source, status: "finished", params: map[string]int{}}
	n := 0
	for _, v := range h {
		n = max(n, len(v))
	}
	for i := range n {
		rec := epochRecord{Epoch: i, Logs: map[string]num{}}
		if i < len(epochs) {
			rec.Epoch = epochs[i]
		}
		for k, v := range h {
			if i < len(v) {
				rec.Logs[k] = num(v[i])
			}
		}
		// Keras puts the rate in the logs when a callback changes it.
		for _, k := range []string{"learning_rate", "lr"} {
			if v, ok := rec.Logs[k]; ok {
				rec.LR = &v
				break
			}
		}
		r.epochs = append(r.epochs, rec)
	}
	r.params["epochs"] = n
	s.mu.Lock()
	r.id = len(s.runs)
	s.runs = append(s.runs, r)
	s.mu.Unlock()
	s.broadcast("run", r.snapshot())
	return r
}

func (s *Server) hasClients() bool { return s.nclient.Load() > 0 }

// broadcast queues an event for every browser without waiting: a browser
// whose queue is full misses it and gets the whole state later.
func (s *Server) broadcast(event string, v any) {
	if !s.hasClients() {
		return
	}
	s.broadcastRaw(event, marshal(v))
}

// broadcastRaw is broadcast of data already encoded.
func (s *Server) broadcastRaw(event string, data []byte) {
	frame := sseFrame(event, data)
	s.mu.Lock()
	for c := range s.clients {
		select {
		case c.ch <- frame:
		default:
			s.dropped.Add(1)
			c.resync.Store(true)
		}
	}
	s.mu.Unlock()
}

func sseFrame(event string, data []byte) []byte {
	b := make([]byte, 0, len(event)+len(data)+16)
	b = append(b, "event: "...)
	b = append(b, event...)
	b = append(b, "\ndata: "...)
	// JSON has no raw line breaks, so data is one line.
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// snapshotJSON is every run's state.
func (s *Server) snapshotJSON() []byte {
	s.mu.Lock()
	runs := append([]*Run(nil), s.runs...)
	s.mu.Unlock()
	out := struct {
		Runs []runJSON `json:"runs"`
	}{Runs: make([]runJSON, 0, len(runs))}
	for _, r := range runs {
		out.Runs = append(out.Runs, r.snapshot())
	}
	return marshal(out)
}

// Handler returns the server's HTTP handler, for serving the dashboard
// from another http.Server (New serves it already).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	sub, _ := fs.Sub(static, "static")
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := fs.ReadFile(sub, "index.html")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(b)
	})
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(sub)))
	mux.HandleFunc("GET /api/runs", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(s.snapshotJSON())
	})
	mux.HandleFunc("GET /api/events", s.events)
	return s.guard(mux)
}

// guard refuses requests for another host or from another origin and
// sets the headers that keep the page to itself.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.allowedHost(r.Host) {
			http.Error(w, fmt.Sprintf("dashboard: refused: Host %q is not this server's (DNS rebinding?)", r.Host), http.StatusForbidden)
			return
		}
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if err != nil || u.Scheme != "http" || !strings.EqualFold(u.Host, r.Host) {
				http.Error(w, fmt.Sprintf("dashboard: refused: Origin %q is not this server", o), http.StatusForbidden)
				return
			}
		}
		if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
			http.Error(w, "dashboard: refused: a cross-site request", http.StatusForbidden)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// allowedHost reports whether a Host header names this server: an IP
// address (DNS rebinding needs a name), localhost or one of Config.Hosts.
func (s *Server) allowedHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return s.hosts[strings.ToLower(strings.TrimSuffix(host, "."))]
}

// events streams the runs to a browser as Server-Sent Events: the whole
// state first ("snapshot"), then each update.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	c := &client{ch: make(chan []byte, s.cfg.ClientBuffer)}
	s.mu.Lock()
	s.clients[c] = struct{}{}
	s.nclient.Add(1)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.clients, c)
		s.nclient.Add(-1)
		s.mu.Unlock()
	}()
	write := func(b []byte) bool {
		// A browser that stops reading is dropped rather than kept.
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	snapshot := func() bool {
		// Updates queued before the snapshot are in it.
		for len(c.ch) > 0 {
			<-c.ch
		}
		return write(sseFrame("snapshot", s.snapshotJSON()))
	}
	if !write([]byte("retry: 1000\n\n")) || !snapshot() {
		return
	}
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	// Updates are sent at most every flushEvery, several in one write:
	// a write per training step would wake the browser and this
	// goroutine hundreds of times a second, taking CPU from Fit.
	var pending []byte
	var flush <-chan time.Time
	last := time.Now()
	for {
		ok := true
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case <-keepAlive.C:
			if len(pending) == 0 {
				ok = write([]byte(": keep-alive\n\n"))
			}
		case b := <-c.ch:
			if c.resync.Swap(false) {
				pending, flush = pending[:0], nil
				ok = snapshot()
				last = time.Now()
				break
			}
			pending = append(pending, b...)
			if flush == nil {
				flush = time.After(time.Until(last.Add(flushEvery)))
			}
		case <-flush:
			flush = nil
			ok = write(pending)
			pending = pending[:0]
			last = time.Now()
		}
		if !ok {
			return
		}
	}
}

// flushEvery is the shortest time between two writes to a browser.
const flushEvery = 100 * time.Millisecond

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
