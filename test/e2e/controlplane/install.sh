#!/usr/bin/env bash
# Installs LambdaStack on the local control plane as docs/install.md says, from the local registry:
#   1. ImageConfigs: xpkg.upbound.io/spec3/ and xpkg.upbound.io/upbound/ are rewritten to the
#      registry on 127.0.0.1:$REG_PORT (the mechanism of a private mirror; Crossplane trusts the
#      registry's CA through --ca-bundle-path, see run/crossplane.sh), and the function's runtime
#      gets the DeploymentRuntimeConfig lambdastack-e2e (args: --debug) through an ImageConfig;
#   2. kubectl apply of the Configuration xpkg.upbound.io/spec3/configuration-lambdastack:VERSION;
#   3. wait until it and every dependency the package manager installed are Healthy and the XRDs
#      Established; print kubectl get pkg.
# Nothing else is created: the Function, Providers, their revisions, CRDs, XRDs and Compositions
# come from the package manager, the function process from the package runtime.
#   install.sh [VERSION]   (default $E2E_VERSION)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
version=${1:-$E2E_VERSION}
reg=127.0.0.1:$REG_PORT
kubectl apply -f - >/dev/null <<YAML
apiVersion: pkg.crossplane.io/v1beta1
kind: ImageConfig
metadata:
  name: lambdastack-mirror
spec:
  matchImages:
  - prefix: xpkg.upbound.io/spec3/
  rewriteImage:
    prefix: $reg/spec3/
---
apiVersion: pkg.crossplane.io/v1beta1
kind: ImageConfig
metadata:
  name: upbound-mirror
spec:
  matchImages:
  - prefix: xpkg.upbound.io/upbound/
  rewriteImage:
    prefix: $reg/upbound/
---
apiVersion: pkg.crossplane.io/v1beta1
kind: DeploymentRuntimeConfig
metadata:
  name: lambdastack-e2e
spec:
  deploymentTemplate:
    spec:
      selector: {}
      template:
        spec:
          containers:
          - name: package-runtime
            args: [--debug]
---
apiVersion: pkg.crossplane.io/v1beta1
kind: ImageConfig
metadata:
  name: lambdastack-runtime
spec:
  matchImages:
  - prefix: $reg/spec3/function-lambdastack
  runtime:
    configRef:
      name: lambdastack-e2e
YAML
kubectl apply -f - >/dev/null <<YAML
apiVersion: pkg.crossplane.io/v1
kind: Configuration
metadata:
  name: configuration-lambdastack
spec:
  package: xpkg.upbound.io/spec3/configuration-lambdastack:$version
YAML
timeout=$E2E_INSTALL_TIMEOUT # lib.sh: a loaded 2-core machine needs minutes for the ~340 provider kinds
# the Configuration, every dependency of package/crossplane.yaml (the function, one provider per
# AWS service) and provider-family-aws: waiting for fewer lets the stand-in start before the last
# providers' kinds exist
want=${E2E_PACKAGES:-$(($(grep -c '^ *package: ' "$ROOT/package/crossplane.yaml") + 2))}
dump() {
  kubectl get pkg,pkgrev -o wide >&2 || true
  kubectl get pkg,pkgrev -o yaml 2>/dev/null | grep -E '^    name:|message:' >&2 || true
}
kubectl wait configuration.pkg.crossplane.io/configuration-lambdastack --for=condition=Healthy --timeout="${timeout}s" >/dev/null ||
  { dump; die "Configuration configuration-lambdastack is not Healthy after ${timeout}s"; }
# the dependencies exist once the package manager has created them: wait for them, then until healthy
deadline=$((SECONDS + timeout))
until [ "$(kubectl get pkg -o name | wc -l)" -ge "$want" ]; do
  [ $SECONDS -lt $deadline ] || { dump; die "fewer than $want packages after ${timeout}s"; }
  sleep 1
done
for kind in function.pkg.crossplane.io provider.pkg.crossplane.io; do
  kubectl wait "$kind" --all --for=condition=Healthy --timeout="$((deadline - SECONDS + 1))s" >/dev/null ||
    { dump; die "not every $kind is Healthy"; }
done
kubectl wait --for=condition=Established --timeout="$((deadline - SECONDS + 1))s" \
  xrd/lambdastacks.platform.spec3.io xrd/xlambdastacks.platform.spec3.io >/dev/null
# SafeStart: a Healthy provider has its ManagedResourceDefinitions; the CRDs of the kinds the
# installed Configuration's activation policy activates follow (read from the cluster: the
# release the upgrade test starts from activates its own list, not this tree's). Wait for them,
# so everything that watches the managed kinds (the provider stand-in) finds them all.
until kinds=$(kubectl get managedresourceactivationpolicy lambdastack -o jsonpath='{.spec.activate[*]}' 2>/dev/null) && [ -n "$kinds" ]; do
  [ $SECONDS -lt $deadline ] || die "no ManagedResourceActivationPolicy lambdastack after ${timeout}s"
  sleep 1
done
until kubectl get crd $kinds >/dev/null 2>&1; do
  [ $SECONDS -lt $deadline ] || { kubectl get crd $kinds >&2 || true; die "activated kinds without CRD after ${timeout}s"; }
  sleep 1
done
# within the same budget: on a loaded machine the API server takes minutes to establish 72 CRDs
kubectl wait --for=condition=Established --timeout="$((deadline - SECONDS + 1))s" $(printf 'crd/%s ' $kinds) >/dev/null ||
  die "activated kinds' CRDs not Established within E2E_INSTALL_TIMEOUT (${timeout}s)"
kubectl get pkg
