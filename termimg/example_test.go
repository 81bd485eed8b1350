package termimg_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/neuron-go/neuron/termimg"
)

func ExampleRender() {
	// An 8×8 image of a bright ring on a dark ground. ASCII mode draws one
	// character per column and pair of rows.
	img := []uint8{
		0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 255, 255, 255, 255, 0, 0,
		0, 255, 128, 0, 0, 128, 255, 0,
		0, 255, 0, 0, 0, 0, 255, 0,
		0, 255, 0, 0, 0, 0, 255, 0,
		0, 255, 128, 0, 0, 128, 255, 0,
		0, 0, 255, 255, 255, 255, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
	}
	var buf bytes.Buffer
	if err := termimg.Render(&buf, img, 8, 8, termimg.ASCII, nil); err != nil {
		panic(err)
	}
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		fmt.Printf("|%s|\n", line)
	}
	// Output:
	// |  ====  |
	// | @:  :@ |
	// | @:  :@ |
	// |  ====  |
}

func ExampleDetectModeFrom() {
	env := map[string]string{"TERM": "xterm-256color", "COLORTERM": "truecolor"}
	fmt.Println(termimg.DetectModeFrom(func(k string) string { return env[k] }))
	// Output: TrueColor
}
