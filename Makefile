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

## cli: the lambdastack CLI release binaries (linux/darwin x amd64/arm64) and SHA256SUMS in
## _output/cli/, reproducible: VERSION=vX.Y.Z (the publish workflow attaches them to the release)
VERSION ?= v0.0.0-dev
.PHONY: cli
cli:
	@hack/cli-release.sh $(VERSION)

## tools: the pinned crossplane CLI and core binaries in bin/ (built once)
tools:
	@hack/build-tools.sh crossplane crossplane-core

## function: the function binary for this machine
function:
	$(GO) build -o bin/function-lambdastack ./function

## bench: in-process benchmarks of every stage example and a loopback gRPC load test of the
## function binary (prod, first and later call, 1 and 8 callers); tables in _output/bench.txt
## (docs/performance.md). BENCHTIME=5s
BENCHTIME ?= 2s
bench:
	@mkdir -p _output/bench
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o _output/bench/function-lambdastack ./function
	set -o pipefail; { echo "# load before: $$(cut -d' ' -f1-3 /proc/loadavg)"; \
	  $(GO) test ./test/bench/ -run '^$$' -bench . -benchtime $(BENCHTIME) -count 1 || exit 1; \
	  echo "# load after: $$(cut -d' ' -f1-3 /proc/loadavg)"; } | tee _output/bench-go.txt
	$(GO) run ./test/bench/loadgen -bin _output/bench/function-lambdastack -gobench _output/bench-go.txt -out _output/bench.txt

## test: unit, render snapshot, schema, package and end-to-end tests, and a short fuzz run
test: tools
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(MAKE) fuzz FUZZTIME=20s
	$(MAKE) e2e

## fuzz: fuzz RunFunction (seed corpus in fn/testdata/fuzz); FUZZTIME=5m for a longer run
FUZZTIME ?= 1m
.PHONY: fuzz
fuzz:
	$(GO) test ./fn/ -run '^$$' -fuzz '^FuzzRunFunction$$' -fuzztime $(FUZZTIME)

## generate: the XRDs in apis/ from the Go types in apis/v1alpha1
generate:
	@hack/generate.sh

## e2e: a real control plane (etcd, kube-apiserver, kube-controller-manager, Crossplane) on this
## machine with LambdaStack installed from a local registry as docs/install.md says, the Go e2e
## suite and uptest against it, then a clean stop (docs/e2e.md)
e2e:
	@test/e2e/run.sh

## e2e-aws: the same control plane with the REAL provider-aws (built once into bin/ from the
## pinned module for the Configuration's kinds: hack/build-tools.sh provider-aws) against moto, a
## local AWS: every example to Ready, read back from AWS with the SDK, updated, deleted; a table in
## _output/e2e-aws.md (test/e2e/aws.sh; docs/e2e.md). Not part of make test.
.PHONY: e2e-aws
e2e-aws:
	@test/e2e/aws.sh

## scale: the local control plane (as make e2e) with the provider stand-in and SCALE_N=300
## LambdaStacks in 10 namespaces: time to Ready, steady-state CPU/RSS, one update's latency
## (test/e2e/scale.sh; _output/scale.md; docs/performance.md). E2E_PROVIDER=real: through the REAL
## provider-aws against moto, as make e2e-aws. Not part of make test.
.PHONY: scale
scale:
	@test/e2e/scale.sh

## chaos: fault injection on the local control plane (as make e2e) with the provider stand-in:
## CHAOS_N=50 stacks to Ready, then the function SIGKILLed, Crossplane/kube-apiserver/etcd
## restarted, provider failures, invalid edits and a burst of updates; 0 recreations, 0 shrinks,
## recovery, truthful conditions, bounded function (test/e2e/chaos.sh; _output/chaos.md;
## docs/reliability.md). make e2e runs a short version (CHAOS_N=4).
.PHONY: chaos
chaos:
	@test/e2e/chaos.sh

## uptest: uptest over the examples against the current kubeconfig (a cluster with Crossplane,
## provider-aws and AWS credentials; docs/e2e.md)
uptest:
	@test/e2e/uptest.sh

## xpkg: the Function (runtime image embedded, linux amd64 + arm64) and Configuration packages
## in _output/, without Docker (hack/xpkg.sh; test/package inspects them)
xpkg:
	@hack/xpkg.sh build

## xpkg-push: push what `make xpkg` built: VERSION=vX.Y.Z [REGISTRY=xpkg.upbound.io/spec3]
.PHONY: xpkg-push
xpkg-push:
	@hack/xpkg.sh push

## lint: formatting, vet and golangci-lint v2.15.0 (.golangci.yml; built once into bin/)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@hack/build-tools.sh golangci-lint
	bin/golangci-lint run ./...

## uptest-cluster: Crossplane, the LambdaStack Configuration (from UPTEST_REGISTRY, see
## `make xpkg-push`) and AWS credentials on the cluster at the current kubeconfig, for `make uptest`
.PHONY: uptest-cluster
uptest-cluster:
	@hack/uptest-cluster.sh

clean:
	rm -rf _output
