#!/usr/bin/env bash
# make scale: the local e2e control plane (test/e2e/controlplane/up.sh: etcd, kube-apiserver,
# kube-controller-manager, Crossplane core, the function over mTLS) with the provider stand-in
# (SIMULATED provider-aws), then test/e2e/cmd/scale: first the cost of one stack of each stage
# (SCALE_STAGE_N stacks of one stage at a time, from the API server's and Crossplane's metrics:
# objects, writes to Ready, writes per minute at steady state, reconciles), then N LambdaStacks
# applied at once over the namespaced stage examples and team namespaces: time to all Ready,
# CPU and peak RSS per process, writes per stack, the function's share of the control plane's
# CPU and the latency of one XR update. Not part of make test. Report: _output/scale.md; logs:
# test/e2e/.state/logs.
#   SCALE_N=300 SCALE_NAMESPACES=10 SCALE_STEADY=5m SCALE_TIMEOUT=30m STANDIN_WORKERS=8
#   SCALE_STAGE_N=4 (0: no per-stage cost) SCALE_STAGE_STEADY=2m SCALE_STAGES (e.g. dev,prod: only those)
#   SCALE_TTL: the response TTL the platform sets on every stage (data.responseTTLSeconds of the
#     stages' EnvironmentConfigs, e.g. 5m); unset keeps the stages' own
#   XP_POLL_INTERVAL, XP_SYNC_INTERVAL, XP_EXTRA_ARGS: Crossplane's flags
#     (controlplane/run/crossplane.sh). make scale runs the settings docs/install.md gives a
#     platform for a fleet: Crossplane's own poll (1m) and sync (1h), not make e2e's 10s and 1m
#     (every informer resync re-enqueues every XR that depends on the kind, so a 1m sync
#     reconciles a prod stack, 29 kinds, about 25 times a minute instead of once per response
#     TTL), and XP_EXTRA_ARGS=--max-reconcile-rate=10 (10 XR workers instead of 100: an XR waits
#     in Crossplane's queue while its parts change, so one reconcile takes many watch events;
#     100 stacks Ready in 3m19s instead of 7m49s, docs/performance.md). XP_EXTRA_ARGS= (empty)
#     runs Crossplane's default of 100.
#   E2E_PROVIDER=real: the REAL provider-aws (bin/lambdastack-provider, hack/build-tools.sh
#     provider-aws) against moto instead of the stand-in, installed and run as make e2e-aws does
#     (controlplane/up.sh); the platform is make e2e-aws's (TestAWSPlatform: the accounts in moto,
#     ProviderConfigs for it, the examples' IDs replaced by moto's), moto's CPU is reported too
#   E2E_PORT_BASE (test/e2e/controlplane/lib.sh); E2E_KEEP=1 deletes the fleet at the end (timed)
#   and leaves the control plane running: $STATE/scale can then be run again against it.
set -euo pipefail
export t0=$(date +%s.%N)
. "$(dirname "$0")/controlplane/lib.sh"
cd "$ROOT"
# on failure the tail of every log; then stop (by recorded PID) unless E2E_KEEP=1
trap 'exit 130' INT TERM
trap 'rc=$?; [ $rc -eq 0 ] || "$CP_DIR/logs.sh" >&2 || true; [ "${E2E_KEEP:-}" = 1 ] || "$CP_DIR/down.sh" >/dev/null; ts "== done (rc=$rc)"' EXIT

# make scale reads the API server's request and watch event counters; its histograms (per
# resource, ~8 MB per scrape with the ~400 provider CRDs, 10 s of its CPU each) are turned off
export KAS_EXTRA_ARGS=${KAS_EXTRA_ARGS:---disabled-metrics=etcd_request_duration_seconds,apiserver_request_duration_seconds,apiserver_watch_events_dispatch_duration_seconds,apiserver_watch_list_duration_seconds,apiserver_request_sli_duration_seconds,apiserver_storage_list_duration_seconds,apiserver_request_body_size_bytes,apiserver_watch_cache_read_wait_seconds,apiserver_watch_cache_initialization_duration_seconds,apiserver_watch_events_sizes,apiserver_response_sizes}

ts "== binaries"
hack/build-tools.sh kube etcd crossplane-core $([ "$E2E_PROVIDER" = real ] && echo crossplane provider-aws)
mkdir -p "$STATE"
go build -trimpath -tags e2e -o "$STATE/provider-standin" ./test/e2e/cmd/provider-standin
go build -trimpath -tags e2e -o "$STATE/scale" ./test/e2e/cmd/scale
[ "$E2E_PROVIDER" = real ] && go test -trimpath -tags e2e -c -o "$STATE/e2e.test" ./test/e2e/

export XP_POLL_INTERVAL=${XP_POLL_INTERVAL:-1m} XP_SYNC_INTERVAL=${XP_SYNC_INTERVAL:-1h} XP_EXTRA_ARGS=${XP_EXTRA_ARGS---max-reconcile-rate=10}
ts "== control plane"
"$CP_DIR/up.sh"
# the platform (up.sh installed the Configuration): provider configs, the stages'
# EnvironmentConfigs, Crossplane may read namespaces (stages that select them by label); the
# scale command grants its team namespaces the stages as a platform team would
aws_flags=()
export STANDIN_WORKERS=${STANDIN_WORKERS:-8}
provider=provider-standin label="provider stand-in (SIMULATED provider, $STANDIN_WORKERS workers)"
if [ "$E2E_PROVIDER" = real ]; then
  # make e2e-aws's platform step; the package runtime (up.sh) already runs the real provider
  (cd "$E2E_DIR" && E2E_MOTO_URL="http://127.0.0.1:$MOTO_PORT" E2E_AWS_EXAMPLES="$STATE/aws-examples" \
    "$STATE/e2e.test" -test.run '^TestAWSPlatform$' -test.v -test.count=1 -test.timeout=20m) >"$LOGS/scale-setup.log" 2>&1 ||
    { tail -40 "$LOGS/scale-setup.log" >&2; die "the platform in the local AWS (TestAWSPlatform) failed: $LOGS/scale-setup.log"; }
  grep -q '^--- PASS: TestAWSPlatform' "$LOGS/scale-setup.log" || die "TestAWSPlatform did not pass (skipped?): $LOGS/scale-setup.log"
  provider=provider label="provider-aws $PROVIDER_AWS_VERSION (REAL, bin/lambdastack-provider) against moto"
  aws_flags=(-local-aws moto -examples "$STATE/aws-examples")
else
  "$E2E_DIR/platform.sh" >"$LOGS/scale-setup.log" 2>&1
  start provider-standin
fi
sleep 2
must_live "$provider"

settings="Crossplane --poll-interval $XP_POLL_INTERVAL, --sync-interval $XP_SYNC_INTERVAL, --circuit-breaker-burst 1000 --circuit-breaker-refill-rate 20${XP_EXTRA_ARGS:+, $XP_EXTRA_ARGS}"
ts "== ${SCALE_N:-300} LambdaStacks ($settings)"
"$STATE/scale" -n "${SCALE_N:-300}" -namespaces "${SCALE_NAMESPACES:-10}" -steady "${SCALE_STEADY:-5m}" \
  -timeout "${SCALE_TIMEOUT:-30m}" -stage-n "${SCALE_STAGE_N:-4}" -stages "${SCALE_STAGES:-}" -stage-steady "${SCALE_STAGE_STEADY:-2m}" \
  -ttl "${SCALE_TTL:-0}" -crossplane-metrics "http://127.0.0.1:$XP_METRICS_PORT/metrics" \
  -settings "$settings" -provider "$provider" -provider-label "$label" $([ "${E2E_KEEP:-}" = 1 ] && echo -cleanup) \
  -pids "$PIDS" "${aws_flags[@]}" -out "$ROOT/_output/scale.md" 2>&1 | tee "$LOGS/scale.log"
must_live function
must_live "$provider"
