// Package dashboard serves a live training dashboard: a local web page
// that shows, while Fit runs, the loss and every metric per batch and per
// epoch (training and validation), the learning rate, the epoch and its
// ETA, and the model's summary, then the confusion matrix and sample
// predictions of a classification model when the run ends. Several runs
// can be shown side by side, live ones and finished ones read from a
// CSVLogger file or a history.json.
//
// A Server listens on 127.0.0.1 unless told otherwise; NewRun gives the
// callback that feeds it:
//
//	srv, err := dashboard.New(dashboard.Config{Addr: "127.0.0.1:8050"})
//	...
//	defer srv.Close()
//	run := srv.NewRun("mnist")
//	h, err := model.Fit(x, y, models.FitConfig{Epochs: 5, Callbacks: []callbacks.Callback{run}})
//
// The page gets its updates through Server-Sent Events and draws its
// charts with uPlot (MIT licence, vendored in static/ with its licence and
// embedded in the binary): it loads nothing from elsewhere.
//
// Fit never waits for a browser: each one has a bounded queue of updates,
// and a browser whose queue is full misses updates and is sent the whole
// state again once it catches up. The server answers only requests whose
// Host is an IP address, localhost or a name of Config.Hosts, and whose
// Origin, if any, is the server itself, so that a web page elsewhere
// cannot read the runs through DNS rebinding. The page writes every name
// (runs, metrics, layers, classes) as text, never as HTML.
package dashboard
