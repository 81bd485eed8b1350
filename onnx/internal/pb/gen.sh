#!/bin/sh
# Regenerates onnx.pb.go from onnx.proto with protoc and protoc-gen-go at the
# version of google.golang.org/protobuf in go.mod:
#   go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
# onnx.proto is taken unchanged from github.com/onnx/onnx, onnx/onnx.proto at
# commit f7546912001bc31e92a238b17068a21b373d882e (Apache-2.0, see LICENSE.onnx).
set -e
cd "$(dirname "$0")"
protoc --go_out=. --go_opt=paths=source_relative \
  --go_opt=Monnx.proto=github.com/neuron-go/neuron/onnx/internal/pb onnx.proto
