// Package pb holds the Go types of ONNX's protobuf schema, generated from
// onnx.proto of github.com/onnx/onnx (Apache-2.0; origin and commit in
// gen.sh, licence in LICENSE.onnx). Package onnx is the public API.
package pb

//go:generate ./gen.sh
