# LambdaStack: `make render` renders every example stage; `make test` runs every test.
SHELL := /bin/bash
GO    ?= go
export GOFLAGS ?= -buildvcs=false

.PHONY: all render test unit e2e uptest bench xpkg generate lint tools function clean

all: test

## render: every example request rendered through the real crossplane CLI and the function
render:
	@hack/render.sh

## tools: the pinned crossplane CLI and core binaries in bin/ (built once)
tools:
	@hack/build-tools.sh crossplane crossplane-core

## function: the function binary for this machine
function:
	$(GO) build -o bin/function-lambdastack ./function

## test: unit, render snapshot, schema, package and end-to-end tests
test: tools
	$(GO) vet ./...
	$(GO) test -count=1 ./...

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf _output
