package fn

import (
	"reflect"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

func TestReleaseAlias(t *testing.T) {
	cases := map[string]struct {
		release     map[string]any
		at, fp      map[string]map[string]any
		wantVersion string         // "" = no alias
		wantRouting map[string]any // nil = none
		wantPCC     bool
		wantCanary  bool
	}{
		"dev serves $LATEST without an alias": {
			release: map[string]any{"useAlias": false},
		},
		"before a version is observed live points at $LATEST": {
			wantVersion: "$LATEST",
		},
		"live follows the newest published version": {
			at:          map[string]map[string]any{KeyFunction: fnObserved("7")},
			fp:          map[string]map[string]any{keyAlias: {"functionVersion": "6"}},
			wantVersion: "7",
		},
		"pinned version: rollback": {
			release:     map[string]any{"pinnedVersion": "5"},
			at:          map[string]map[string]any{KeyFunction: fnObserved("7")},
			fp:          map[string]map[string]any{keyAlias: {"functionVersion": "7"}},
			wantVersion: "5",
		},
		"never back to $LATEST once a version was served": {
			at:          map[string]map[string]any{KeyFunction: fnObserved("$LATEST")},
			fp:          map[string]map[string]any{keyAlias: {"functionVersion": "4"}},
			wantVersion: "4",
		},
		"provisioned concurrency only on a published version": {
			release:     map[string]any{"provisionedConcurrency": int64(5)},
			wantVersion: "$LATEST",
		},
		"provisioned concurrency on live": {
			release:     map[string]any{"provisionedConcurrency": int64(5)},
			at:          map[string]map[string]any{KeyFunction: fnObserved("2")},
			wantVersion: "2", wantPCC: true,
		},
		"canary holds live and routes its share to the new version": {
			release:     map[string]any{"canary": map[string]any{"additionalVersion": "8", "weight": int64(10)}},
			at:          map[string]map[string]any{KeyFunction: fnObserved("8")},
			fp:          map[string]map[string]any{keyAlias: {"functionVersion": "7"}},
			wantVersion: "7", wantRouting: map[string]any{"8": 0.1}, wantCanary: true,
		},
		"canary waits until its version is published": {
			release:     map[string]any{"canary": map[string]any{"additionalVersion": "8", "weight": int64(25)}},
			at:          map[string]map[string]any{KeyFunction: fnObserved("7")},
			fp:          map[string]map[string]any{keyAlias: {"functionVersion": "7"}},
			wantVersion: "7", wantCanary: true,
		},
		"canary of the version already live routes nothing": {
			release:     map[string]any{"canary": map[string]any{"additionalVersion": "8", "weight": int64(25)}},
			at:          map[string]map[string]any{KeyFunction: fnObserved("8")},
			fp:          map[string]map[string]any{keyAlias: {"functionVersion": "8"}},
			wantVersion: "8", wantCanary: true,
		},
		"canary on a new stack serves the newest version": {
			release:     map[string]any{"canary": map[string]any{"additionalVersion": "2", "weight": int64(50)}},
			at:          map[string]map[string]any{KeyFunction: fnObserved("1")},
			wantVersion: "1", wantCanary: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := settingsFor(t, prodXR(tc.release, nil), nil)
			got := builtWith(t, s, observedStack(t, s, tc.at, tc.fp))
			fn := got[KeyFunction]
			if publish := lookup(fn, "spec", "forProvider", "publish"); publish != (tc.wantVersion != "") {
				t.Errorf("function publish = %v", publish)
			}
			alias, ok := got[keyAlias]
			if ok != (tc.wantVersion != "") {
				t.Fatalf("alias composed = %v, want version %q", ok, tc.wantVersion)
			}
			if !ok {
				return
			}
			if v := lookup(alias, "spec", "forProvider", "functionVersion"); v != tc.wantVersion {
				t.Errorf("functionVersion = %v, want %s", v, tc.wantVersion)
			}
			if r := lookup(alias, "spec", "forProvider", "routingConfig", "additionalVersionWeights"); !reflect.DeepEqual(r, anyMap(tc.wantRouting)) {
				t.Errorf("routing = %v, want %v", r, tc.wantRouting)
			}
			if _, ok := got[keyProvisionedConcurrency]; ok != tc.wantPCC {
				t.Errorf("provisioned concurrency composed = %v", ok)
			}
			if _, ok := got[keyCanaryAlarm]; ok != tc.wantCanary {
				t.Errorf("canary alarm composed = %v", ok)
			}
		})
	}
}

func anyMap(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

func TestReleaseResourceShapes(t *testing.T) {
	release := map[string]any{"provisionedConcurrency": int64(3), "canary": map[string]any{"additionalVersion": "4", "weight": int64(20)}}
	at := map[string]map[string]any{KeyFunction: fnObserved("4")}
	fp := map[string]map[string]any{keyAlias: {"functionVersion": "3"}}

	s := settingsFor(t, prodXR(release, nil), nil)
	got := builtWith(t, s, observedStack(t, s, at, fp))
	alias := got[keyAlias]
	if alias["apiVersion"] != "lambda.aws.m.upbound.io/v1beta1" || alias["kind"] != "Alias" {
		t.Errorf("alias kind %v %v", alias["apiVersion"], alias["kind"])
	}
	if n := lookup(alias, "metadata", "annotations", annotationExternalName); n != aliasName {
		t.Errorf("alias external name %v", n)
	}
	if ref := lookup(alias, "spec", "forProvider", "functionNameRef", "name"); ref != "mcp--function" {
		t.Errorf("alias functionNameRef %v", ref)
	}
	if r := lookup(alias, "spec", "forProvider", "region"); r != "us-east-1" {
		t.Errorf("alias region %v", r)
	}
	pcc := got[keyProvisionedConcurrency]
	wantPCC := map[string]any{"functionName": "team_prod_mcp", "qualifier": "live", "provisionedConcurrentExecutions": int64(3), "region": "us-east-1"}
	if fp := lookup(pcc, "spec", "forProvider"); !reflect.DeepEqual(fp, wantPCC) {
		t.Errorf("provisioned concurrency %v", fp)
	}
	alarm := got[keyCanaryAlarm]
	wantDims := map[string]any{"FunctionName": "team_prod_mcp", "Resource": "team_prod_mcp:live", "ExecutedVersion": "4"}
	if d := lookup(alarm, "spec", "forProvider", "dimensions"); !reflect.DeepEqual(d, wantDims) {
		t.Errorf("canary alarm dimensions %v", d)
	}
	if m := lookup(alarm, "spec", "forProvider", "metricName"); m != "Errors" {
		t.Errorf("canary alarm metric %v", m)
	}
	if n := lookup(alarm, "metadata", "annotations", annotationExternalName); n != "team_prod_mcp_canary-errors" {
		t.Errorf("canary alarm name %v", n)
	}

	// The legacy cluster-scoped Alias keeps Terraform's list shape for routingConfig.
	legacy := settingsFor(t, legacyOf(prodXR(release, nil)), nil)
	lg := builtWith(t, legacy, observedStack(t, legacy, at, fp))
	rc := lookup(lg[keyAlias], "spec", "forProvider", "routingConfig")
	if l, ok := rc.([]any); !ok || len(l) != 1 || !reflect.DeepEqual(l[0], map[string]any{"additionalVersionWeights": map[string]any{"4": 0.2}}) {
		t.Errorf("legacy routingConfig %#v", rc)
	}
	if lg[keyAlias]["apiVersion"] != "lambda.aws.upbound.io/v1beta1" {
		t.Errorf("legacy alias apiVersion %v", lg[keyAlias]["apiVersion"])
	}
}

func TestInvokeTarget(t *testing.T) {
	fnRef := map[string]any{"name": "mcp--function"}
	aliasRef := map[string]any{"name": "mcp--alias"}
	cases := map[string]struct {
		release         map[string]any
		at              map[string]map[string]any
		wantIntegration map[string]any
		wantPermission  map[string]any
	}{
		"dev: the function": {
			release:         map[string]any{"useAlias": false},
			at:              map[string]map[string]any{KeyFunction: fnObserved("$LATEST")},
			wantIntegration: map[string]any{"integrationUriRef": fnRef},
			wantPermission:  map[string]any{"functionNameRef": fnRef},
		},
		"alias ARN observed": {
			at:              map[string]map[string]any{keyAlias: {"arn": "arn:aws:lambda:us-east-1:" + testAccount + ":function:team_prod_mcp:live"}},
			wantIntegration: map[string]any{"integrationUri": "arn:aws:lambda:us-east-1:" + testAccount + ":function:team_prod_mcp:live"},
			wantPermission:  map[string]any{"functionNameRef": fnRef, "qualifierRef": aliasRef},
		},
		"alias ARN from the function ARN": {
			at:              map[string]map[string]any{KeyFunction: fnObserved("1")},
			wantIntegration: map[string]any{"integrationUri": "arn:aws:lambda:us-east-1:" + testAccount + ":function:team_prod_mcp:live"},
			wantPermission:  map[string]any{"functionNameRef": fnRef, "qualifierRef": aliasRef},
		},
		"alias ARN from the role's account": {
			at:              map[string]map[string]any{KeyRole: {"arn": "arn:aws:iam::" + testAccount + ":role/team_prod_mcp_role"}},
			wantIntegration: map[string]any{"integrationUri": "arn:aws:lambda:us-east-1:" + testAccount + ":function:team_prod_mcp:live"},
			wantPermission:  map[string]any{"functionNameRef": fnRef, "qualifierRef": aliasRef},
		},
		"nothing observed: the function until the account is known": {
			wantIntegration: map[string]any{"integrationUriRef": fnRef},
			wantPermission:  map[string]any{"functionNameRef": fnRef, "qualifierRef": aliasRef},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := settingsFor(t, prodXR(tc.release, nil), nil)
			b := &builder{s: s, o: observedStack(t, s, tc.at, nil)}
			got := b.invokeTarget("us-east-1")
			if !reflect.DeepEqual(got.Integration, tc.wantIntegration) {
				t.Errorf("integration %v, want %v", got.Integration, tc.wantIntegration)
			}
			if !reflect.DeepEqual(got.Permission, tc.wantPermission) {
				t.Errorf("permission %v, want %v", got.Permission, tc.wantPermission)
			}
		})
	}
}

// TestRollback walks a release: version 1, new code publishes 2 (live follows), a pin rolls live
// back to 1, and removing the pin serves the newest again. The provider's part is simulated:
// each step reports what the previous one composed, plus the newest published version.
func TestRollback(t *testing.T) {
	steps := []struct {
		release  map[string]any
		newest   string
		wantLive string
	}{
		{nil, "", "$LATEST"},
		{nil, "1", "1"},
		{nil, "2", "2"},
		{map[string]any{"pinnedVersion": "1"}, "2", "1"},
		{map[string]any{"canary": map[string]any{"additionalVersion": "3", "weight": int64(10)}}, "3", "1"},
		{nil, "3", "3"},
	}
	var lastAlias map[string]any
	for i, st := range steps {
		s := settingsFor(t, prodXR(st.release, nil), nil)
		at := map[string]map[string]any{}
		if st.newest != "" {
			at[KeyFunction] = fnObserved(st.newest)
		}
		fp := map[string]map[string]any{}
		if lastAlias != nil {
			fp[keyAlias] = lookup(lastAlias, "spec", "forProvider").(map[string]any)
		}
		got := builtWith(t, s, observedStack(t, s, at, fp))
		lastAlias = got[keyAlias]
		if v := lookup(lastAlias, "spec", "forProvider", "functionVersion"); v != st.wantLive {
			t.Fatalf("step %d: live serves %v, want %s", i, v, st.wantLive)
		}
	}
}

func TestMultiRegion(t *testing.T) {
	spec := map[string]any{
		"regions":  []any{"eu-central-1", "eu-west-1"},
		"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "mcp/abc.zip"}}},
	}
	s := settingsFor(t, prodXR(nil, spec), nil)
	at := map[string]map[string]any{
		KeyFunction:                {"arn": "arn:aws:lambda:eu-central-1:" + testAccount + ":function:team_prod_mcp", "version": "3"},
		KeyFunction + "-eu-west-1": {"arn": "arn:aws:lambda:eu-west-1:" + testAccount + ":function:team_prod_mcp", "version": "2"},
	}
	got := builtWith(t, s, observedStack(t, s, at, nil))
	for key, want := range map[string]struct{ region, bucket, version string }{
		"":           {"eu-central-1", "artifacts-eu-central-1", "3"},
		"-eu-west-1": {"eu-west-1", "artifacts-eu-west-1", "2"},
	} {
		fn, alias := got[KeyFunction+key], got[keyAlias+key]
		if fn == nil || alias == nil {
			t.Fatalf("region %s: function or alias missing", want.region)
		}
		if r := lookup(fn, "spec", "forProvider", "region"); r != want.region {
			t.Errorf("function%s region %v", key, r)
		}
		if b := lookup(fn, "spec", "forProvider", "s3Bucket"); b != want.bucket {
			t.Errorf("function%s bucket %v", key, b)
		}
		if v := lookup(alias, "spec", "forProvider", "functionVersion"); v != want.version {
			t.Errorf("alias%s version %v, want %s", key, v, want.version)
		}
		if r := lookup(alias, "spec", "forProvider", "functionNameRef", "name"); r != "mcp--function"+key {
			t.Errorf("alias%s refers to %v", key, r)
		}
		if l := lookup(alias, "metadata", "labels", labelRegion); l != want.region {
			t.Errorf("alias%s region label %v", key, l)
		}
	}
	roles := 0
	for _, o := range got {
		if o["kind"] == "Role" {
			roles++
		}
	}
	if roles != 1 {
		t.Errorf("%d IAM roles, want one shared role", roles)
	}
	b := &builder{s: s, o: observedStack(t, s, at, nil)}
	if uri := b.invokeTarget("eu-west-1").Integration["integrationUri"]; uri != "arn:aws:lambda:eu-west-1:"+testAccount+":function:team_prod_mcp:live" {
		t.Errorf("eu-west-1 invokes %v", uri)
	}
}

func TestMultiRegionImage(t *testing.T) {
	uri := "111122223333.dkr.ecr.eu-central-1.amazonaws.com/mcp:1.2.3"
	spec := map[string]any{
		"regions":  []any{"eu-central-1", "eu-west-1"},
		"function": map[string]any{"code": map[string]any{"imageUri": uri}},
	}
	got := byKey(t, settingsFor(t, prodXR(nil, spec), nil))
	if u := lookup(got[KeyFunction], "spec", "forProvider", "imageUri"); u != uri {
		t.Errorf("primary image %v", u)
	}
	if u := lookup(got[KeyFunction+"-eu-west-1"], "spec", "forProvider", "imageUri"); u != "111122223333.dkr.ecr.eu-west-1.amazonaws.com/mcp:1.2.3" {
		t.Errorf("eu-west-1 image %v", u)
	}
}

func TestRegionsRefused(t *testing.T) {
	allowed := envConfig("stage-prod", "prod", map[string]any{"region": "eu-central-1", "allowedRegions": []any{"eu-central-1", "eu-west-1"}})
	zip := func(bucket string) map[string]any {
		return map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": bucket, "key": "k.zip"}}}
	}
	cases := map[string]refusal{
		"region not allowed for the stage": {
			xr:   prodXR(nil, map[string]any{"regions": []any{"eu-central-1", "us-east-1"}, "function": zip("a-{region}")}),
			envs: []map[string]any{allowed},
			want: []string{"spec.regions: region us-east-1 is not allowed for stage prod (allowed: eu-central-1, eu-west-1)"},
		},
		"single region override not allowed": {
			xr:   prodXR(nil, map[string]any{"region": "ap-south-1"}),
			envs: []map[string]any{allowed},
			want: []string{"region ap-south-1 is not allowed for stage prod"},
		},
		"one bucket for two regions": {
			xr:   prodXR(nil, map[string]any{"regions": []any{"eu-central-1", "eu-west-1"}, "function": zip("artifacts")}),
			envs: []map[string]any{allowed},
			want: []string{`spec.function.code.s3.bucket: "artifacts" is one bucket, but the stack runs in 2 regions`},
		},
		"bucket too long once the region is in": {
			xr:   prodXR(nil, map[string]any{"function": zip(strings.Repeat("a", 51) + "-{region}")}),
			envs: []map[string]any{allowed},
			want: []string{"is not a valid bucket name in region eu-central-1"},
		},
	}
	wantRefusals(t, cases)
	// Allowed regions and a single-region stack with the placeholder pass.
	rsp := run(t, newRequest(t, prodXR(nil, map[string]any{"regions": []any{"eu-west-1", "eu-central-1"}, "function": zip("a-{region}")}), []map[string]any{allowed}, nil))
	if len(rsp.GetResults()) != 0 {
		t.Errorf("allowed regions refused: %v", rsp.GetResults())
	}
}

func TestReleaseStatusAndWarnings(t *testing.T) {
	xr := prodXR(map[string]any{"canary": map[string]any{"additionalVersion": "5", "weight": int64(10)}},
		map[string]any{"regions": []any{"us-east-1", "eu-west-1"},
			"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "a-{region}", "key": "k.zip"}}}})
	first := run(t, newRequest(t, xr, prodEnvs(), nil))
	observed := map[string]map[string]any{}
	for k, r := range first.GetDesired().GetResources() {
		var at map[string]any
		switch k {
		case KeyFunction:
			at = fnObserved("4")
		case KeyFunction + "-eu-west-1":
			at = map[string]any{"arn": "arn:aws:lambda:eu-west-1:" + testAccount + ":function:team_prod_mcp", "version": "4"}
		case keyAlias:
			at = map[string]any{"arn": "arn:aws:lambda:us-east-1:" + testAccount + ":function:team_prod_mcp:live", "functionVersion": "4"}
		case keyAPI + "-eu-west-1":
			at = map[string]any{"apiEndpoint": "https://b2.execute-api.eu-west-1.amazonaws.com"}
		}
		obj := r.GetResource().AsMap()
		if k == keyAlias || k == keyAlias+"-eu-west-1" {
			obj["spec"].(map[string]any)["forProvider"].(map[string]any)["functionVersion"] = "4"
		}
		observed[k] = readyObserved(obj, at)
	}
	observed[keyAPI+"-eu-west-1"] = readyObserved(map[string]any{}, map[string]any{"apiEndpoint": "https://b2.execute-api.eu-west-1.amazonaws.com"})
	rsp := run(t, newRequest(t, xr, prodEnvs(), observed))
	st := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any)
	if st["aliasArn"] != "arn:aws:lambda:us-east-1:"+testAccount+":function:team_prod_mcp:live" || st["liveVersion"] != "4" {
		t.Errorf("status alias %v %v", st["aliasArn"], st["liveVersion"])
	}
	wantRegions := []any{
		map[string]any{"region": "us-east-1", "functionArn": "arn:aws:lambda:us-east-1:" + testAccount + ":function:team_prod_mcp"},
		map[string]any{"region": "eu-west-1", "functionArn": "arn:aws:lambda:eu-west-1:" + testAccount + ":function:team_prod_mcp", "apiEndpoint": "https://b2.execute-api.eu-west-1.amazonaws.com"},
	}
	if !reflect.DeepEqual(st["regions"], wantRegions) {
		t.Errorf("status regions %v", st["regions"])
	}
	var warnings []string
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_WARNING {
			warnings = append(warnings, r.GetMessage())
		}
	}
	if len(warnings) != 2 || !strings.Contains(warnings[0], "version 5 is not published in us-east-1 yet (newest observed: 4); live keeps serving 4") {
		t.Errorf("warnings %q", warnings)
	}
}

// TestAliasIsNotLateInitialized: a canary's routingConfig must go away when the canary ends; late
// initialization would copy it back from AWS into the spec.
func TestAliasIsNotLateInitialized(t *testing.T) {
	for _, xr := range []map[string]any{prodXR(nil, nil), legacyOf(prodXR(nil, nil))} {
		got := byKey(t, settingsFor(t, xr, nil))
		mp := lookup(got[keyAlias], "spec", "managementPolicies")
		if !reflect.DeepEqual(mp, []any{"Observe", "Create", "Update", "Delete"}) {
			t.Errorf("%s alias managementPolicies %v", xr["kind"], mp)
		}
	}
}
