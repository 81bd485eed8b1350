#!/bin/sh
# Regenerates tfevent.pb.go from tfevent.proto with Debian's protoc and
# protoc-gen-go v1.36.12 (go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12).
set -e
cd "$(dirname "$0")"
protoc --go_out=. --go_opt=paths=source_relative tfevent.proto
