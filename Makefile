# LambdaStack: `make render` renders every example stage; `make test` runs every test.
SHELL := /bin/bash
GO    ?= go
export GOFLAGS ?= -buildvcs=false

.PHONY: all render test unit e2e uptest bench xpkg generate lint tools function clean

all: test

## render: every example request rendered through the real crossplane CLI and the function
render:
	@hack/render.sh

## bundle: dry run of `lambdastack bundle` on examples/lambda: prints the code: block the examples carry
.PHONY: bundle
bundle:
	$(GO) run ./cmd/lambdastack bundle examples/lambda --bucket spec3-lambdastack-artifacts --prefix mcp-server --dry-run

## tools: the pinned crossplane CLI and core binaries in bin/ (built once)
tools:
	@hack/build-tools.sh crossplane crossplane-core

## function: the function binary for this machine
function:
	$(GO) build -o bin/function-lambdastack ./function

## test: unit, render snapshot, schema, package and end-to-end tests, and a short fuzz run
test: tools
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(MAKE) fuzz FUZZTIME=20s

## fuzz: fuzz RunFunction (seed corpus in fn/testdata/fuzz); FUZZTIME=5m for a longer run
FUZZTIME ?= 1m
.PHONY: fuzz
fuzz:
	$(GO) test ./fn/ -run '^$$' -fuzz '^FuzzRunFunction$$' -fuzztime $(FUZZTIME)

## generate: the XRDs in apis/ from the Go types in apis/v1alpha1
generate:
	@hack/generate.sh

## lint: formatting and vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf _output
