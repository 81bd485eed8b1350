package main

import "testing"

// TestRun trains briefly on a folder of 200 Fashion-MNIST PNGs it writes.
func TestRun(t *testing.T) {
	if err := run([]string{"-limit", "200", "-epochs", "1", "-size", "14", "-verbose", "0"}); err != nil {
		t.Fatal(err)
	}
}
