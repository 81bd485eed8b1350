// Package chromiumtest starts Debian's headless Chromium for the tests
// that check pages in a real browser (the dashboard, the serving demo).
package chromiumtest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// Start launches headless Chromium with a window of width×height pixels
// and returns a chromedp context for it, which lives until parent ends or
// the test's cleanup stops the browser. The test is skipped when chromium
// is not on PATH, and fails instead when NEURON_REQUIRE_CHROMIUM=1 (as in
// CI), so that a missing browser never passes for a tested page.
func Start(t testing.TB, parent context.Context, width, height int) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("NEURON_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("chromium is not on PATH and NEURON_REQUIRE_CHROMIUM=1: %v", err)
		}
		t.Skip("chromium is not on PATH; install Debian's chromium to run the browser tests")
	}
	actx, cancelA := chromedp.NewExecAllocator(parent,
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	bctx, cancelC := chromedp.NewContext(actx)
	// The first Run starts the browser, which then lives as long as its
	// context: a caller's time limit goes on a context made after it.
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[int]("1")); err != nil {
		cancelC()
		cancelA()
		t.Fatalf("starting chromium: %v", err)
	}
	t.Cleanup(func() { cancelC(); cancelA() })
	return bctx
}
