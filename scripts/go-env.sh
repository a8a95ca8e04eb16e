#!/usr/bin/env bash
# Source me: the Go module settings every build and check of queuekit's Go code uses.
# -mod=readonly: the committed go.sum pins the whole graph, so the sum database is not needed for it.
export GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local GONOSUMDB=github.com/pulumi
