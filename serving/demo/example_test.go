package demo_test

import (
	"context"
	"log"
	"net/http"

	"github.com/neuron-go/neuron/serving/demo"
)

// Build the page once, then write it as plain files and serve it under
// /demo/ next to the rest of a program's handlers.
func ExampleBuild() {
	site, err := demo.Build(context.Background(), demo.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := site.WriteDir("site"); err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/demo/", http.StripPrefix("/demo", site.Handler()))
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", mux))
}
