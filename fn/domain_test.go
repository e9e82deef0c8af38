package fn

import (
	"reflect"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"

	"github.com/spec3/lambdastack/test/schema"
)

func TestDomainRefusesWhatTheStageDoesNotGrant(t *testing.T) {
	host := map[string]any{"hostname": testHostname}
	cases := map[string]refusal{
		"a stage without a zone": {
			xr: domainXR(host), envs: []map[string]any{envConfig("stage-prod", "prod", map[string]any{})},
			want: []string{"spec.api.domain: stage prod grants no custom domains"},
		},
		"a built-in stage without an EnvironmentConfig": {
			xr:   xrObject(map[string]any{"api": map[string]any{"domain": host}}),
			want: []string{"spec.api.domain: stage dev grants no custom domains"},
		},
		"no API": {
			xr:   xrObject(map[string]any{"stage": "prod", "api": map[string]any{"enabled": false, "domain": host}}),
			envs: []map[string]any{domainEnv(nil)},
			want: []string{"spec.api.domain: needs the HTTP API"},
		},
		"another team's hostname": {
			xr: domainXR(map[string]any{"hostname": "mcp.other-team.api.example.com"}), envs: []map[string]any{domainEnv(nil)},
			want: []string{`spec.api.domain.hostname: "mcp.other-team.api.example.com" is not granted: namespace team may use team.api.example.com`},
		},
		"a namespace whose name ends like ours": {
			xr: domainXR(map[string]any{"hostname": "mcp.a-team.api.example.com"}), envs: []map[string]any{domainEnv(nil)},
			want: []string{`spec.api.domain.hostname: "mcp.a-team.api.example.com" is not granted`},
		},
		"a hostname outside the zone": {
			xr: domainXR(map[string]any{"hostname": "team.api.example.com.evil.com"}), envs: []map[string]any{domainEnv(nil)},
			want: []string{"spec.api.domain.hostname"},
		},
		"a wildcard": {
			xr: domainXR(map[string]any{"hostname": "*.team.api.example.com"}), envs: []map[string]any{domainEnv(nil)},
			want: []string{`spec.api.domain.hostname: "*.team.api.example.com" is not a hostname`},
		},
		"upper case": {
			xr: domainXR(map[string]any{"hostname": "MCP.team.api.example.com"}), envs: []map[string]any{domainEnv(nil)},
			want: []string{"spec.api.domain.hostname"},
		},
		"longer than a certificate name": {
			xr: domainXR(map[string]any{"hostname": strings.Repeat("a", 50) + ".team.api.example.com"}), envs: []map[string]any{domainEnv(nil)},
			want: []string{"spec.api.domain.hostname: \"" + strings.Repeat("a", 50) + ".team.api.example.com\" is longer than 64 characters"},
		},
		"a regional hostname longer than a certificate name": {
			xr:   domainXR(map[string]any{"hostname": strings.Repeat("a", 30) + ".team.api.example.com"}, "us-east-1", "ap-southeast-2"),
			envs: []map[string]any{domainEnv(nil)},
			want: []string{"is longer than 64 characters"},
		},
		"a suffix without the namespace": {
			xr: domainXR(host), envs: []map[string]any{domainEnv(map[string]any{"hostnameSuffix": "team.api.example.com"})},
			want: []string{`EnvironmentConfig data.domains.hostnameSuffix: "team.api.example.com" must contain {namespace}`},
		},
		"a suffix outside the zone": {
			xr: domainXR(host), envs: []map[string]any{domainEnv(map[string]any{"hostnameSuffix": "{namespace}.example.org"})},
			want: []string{"EnvironmentConfig data.domains.hostnameSuffix: \"{namespace}.example.org\" is not inside the zone api.example.com"},
		},
		"a bad zone ID": {
			xr: domainXR(host), envs: []map[string]any{domainEnv(map[string]any{"hostedZoneId": "zone-1"})},
			want: []string{`EnvironmentConfig data.domains.hostedZoneId: "zone-1" is not a Route53 hosted zone ID`},
		},
		"latency routing with one region": {
			xr: domainXR(map[string]any{"hostname": testHostname, "latencyRouting": true}), envs: []map[string]any{domainEnv(nil)},
			want: []string{"spec.api.domain.latencyRouting: needs a stack with several regions"},
		},
		"a certificate of another account": {
			xr:   domainXR(map[string]any{"hostname": testHostname, "certificateArns": []any{strings.Replace(testCert, testAccount, "999999999999", 1)}}),
			envs: []map[string]any{domainEnv(nil)},
			want: []string{"spec.api.domain.certificateArns[0]: the certificate is in account 999999999999, not in stage prod's account " + testAccount},
		},
		"a certificate of another region": {
			xr: domainXR(map[string]any{"hostname": testHostname, "certificateArns": []any{testCertEU}}), envs: []map[string]any{domainEnv(nil)},
			want: []string{"spec.api.domain.certificateArns[0]: the certificate is in region eu-west-1, where the stack does not run"},
		},
		"not a certificate ARN": {
			xr: domainXR(map[string]any{"hostname": testHostname, "certificateArns": []any{"arn:aws:iam::123456789012:role/x"}}), envs: []map[string]any{domainEnv(nil)},
			want: []string{"spec.api.domain.certificateArns[0]: \"arn:aws:iam::123456789012:role/x\" is not an ACM certificate ARN"},
		},
		"a region without a certificate": {
			xr: domainXR(map[string]any{"hostname": testHostname, "certificateArns": []any{testCert}}, "us-east-1", "eu-west-1"), envs: []map[string]any{domainEnv(nil)},
			want: []string{"spec.api.domain.certificateArns: has no certificate for region eu-west-1"},
		},
		"an XLambdaStack without a claim": {
			xr: func() map[string]any {
				o := domainXR(host)
				return unclaimedXR(o["spec"].(map[string]any))
			}(),
			envs: []map[string]any{domainEnv(nil)},
			want: []string{"spec.api.domain: hostnames are granted per namespace"},
		},
	}
	wantRefusals(t, cases)
}

func TestDomainWithACreatedCertificate(t *testing.T) {
	s := settingsFor(t, domainXR(map[string]any{"hostname": testHostname}), domainEnv(nil))

	// first reconcile: only the certificate; everything else waits for what AWS reports
	m, _, pending := planByKey(t, s, nil)
	if fp(m[keyDomainCertificate], "domainName") != testHostname || fp(m[keyDomainCertificate], "validationMethod") != "DNS" {
		t.Errorf("certificate: %v", m[keyDomainCertificate]["spec"])
	}
	for _, k := range []string{keyDomainValidation, keyDomainValidationRecord, keyDomainName, keyDomainMapping, keyDomainRecord} {
		if m[k] != nil {
			t.Errorf("%s composed before its values are known", k)
		}
	}
	for _, want := range []string{keyDomainValidationRecord + " (waits for the domain validation options of " + keyDomainCertificate, keyDomainName + " (waits for", keyDomainValidation + " (waits for"} {
		if !strings.Contains(strings.Join(pending, "\n"), want) {
			t.Errorf("pending %q lacks %q", pending, want)
		}
	}

	m, o := converged(t, s)
	var domainKeys []string
	for _, k := range keysOf(m) {
		if strings.HasPrefix(k, "domain-") {
			domainKeys = append(domainKeys, k)
		}
	}
	want := []string{keyDomainCertificate, keyDomainValidation, keyDomainMapping, keyDomainName, keyDomainRecord, keyDomainValidationRecord}
	if !reflect.DeepEqual(domainKeys, want) {
		t.Fatalf("domain resources %v, want %v", domainKeys, want)
	}

	// the validation record is the one ACM asked for, in the stage's zone
	dvo, ok := o.validationOption(keyDomainCertificate, testHostname)
	if !ok {
		t.Fatal("the simulated certificate has no validation option")
	}
	rec := m[keyDomainValidationRecord]
	if fp(rec, "zoneId") != testZoneID || fp(rec, "name") != dvo.name || fp(rec, "type") != "CNAME" ||
		!reflect.DeepEqual(fp(rec, "records"), []any{dvo.value}) || !strings.HasPrefix(dvo.name, "_") || strings.HasSuffix(dvo.name, ".") {
		t.Errorf("validation record %v, ACM asks for %+v", rec["spec"], dvo)
	}
	if got := fp(m[keyDomainValidation], "validationRecordFqdns"); !reflect.DeepEqual(got, []any{dvo.name}) {
		t.Errorf("validationRecordFqdns %v", got)
	}
	if fp(m[keyDomainValidation], "certificateArnRef", "name") != objectName(s, keyDomainCertificate) {
		t.Errorf("the validation does not reference the certificate: %v", m[keyDomainValidation]["spec"])
	}

	// the domain name uses the certificate once issued, and is named after the hostname
	dn := m[keyDomainName]
	if lookup(dn, "metadata", "annotations", annotationExternalName) != testHostname {
		t.Errorf("domain name external name %v", lookup(dn, "metadata", "annotations"))
	}
	wantConf := map[string]any{"endpointType": "REGIONAL", "securityPolicy": "TLS_1_2", "certificateArnRef": map[string]any{"name": objectName(s, keyDomainCertificate)}}
	if got := fp(dn, "domainNameConfiguration"); !reflect.DeepEqual(got, wantConf) {
		t.Errorf("domainNameConfiguration %v, want %v", got, wantConf)
	}
	mapping := m[keyDomainMapping]
	for field, key := range map[string]string{"apiIdRef": keyAPI, "domainNameRef": keyDomainName, "stageRef": keyAPIStage} {
		if fp(mapping, field, "name") != objectName(s, key) || m[key] == nil {
			t.Errorf("mapping %s does not point at %s of this stack: %v", field, key, mapping["spec"])
		}
	}

	// the alias record points at the regional target AWS gave the domain name
	target, zone := o.domainTarget(keyDomainName)
	if target == "" || !strings.HasSuffix(target, ".execute-api.us-east-1.amazonaws.com") {
		t.Fatalf("simulated target %q", target)
	}
	alias := map[string]any{"name": target, "zoneId": zone, "evaluateTargetHealth": false}
	r := m[keyDomainRecord]
	if fp(r, "name") != testHostname || fp(r, "type") != "A" || fp(r, "zoneId") != testZoneID || !reflect.DeepEqual(fp(r, "alias"), alias) || fp(r, "setIdentifier") != nil {
		t.Errorf("alias record %v", r["spec"])
	}
	if st := mustPlan(t, s, o).Status; st.CustomURL != "https://"+testHostname || st.Regions[0].CustomURL != "https://"+testHostname {
		t.Errorf("status customUrl %q, regions %+v", st.CustomURL, st.Regions)
	}

	// not Ready yet: no custom URL
	if st := mustPlan(t, s, simulateObserved(nil)).Status; st.CustomURL != "" {
		t.Errorf("custom URL %q before the record is Ready", st.CustomURL)
	}
}

func TestDomainPartsStayWhenTheirSourceIsGone(t *testing.T) {
	s := settingsFor(t, domainXR(map[string]any{"hostname": testHostname}), domainEnv(nil))
	want, o := converged(t, s)
	// the certificate and the domain name are being replaced: AWS reports none of their values
	// and they are not Ready
	for _, k := range []string{keyDomainCertificate, keyDomainName, keyDomainValidation} {
		o[resource.Name(k)].Resource.Object["status"] = map[string]any{"conditions": []any{map[string]any{"type": "Ready", "status": "False"}}}
	}
	m, _, _ := planByKey(t, s, o)
	for _, k := range []string{keyDomainValidationRecord, keyDomainValidation, keyDomainName, keyDomainMapping, keyDomainRecord} {
		if !reflect.DeepEqual(m[k], want[k]) {
			t.Errorf("%s changed or was dropped when its source went away:\n%v\nwant\n%v", k, m[k], want[k])
		}
	}
}

func TestDomainWithAnExistingCertificate(t *testing.T) {
	s := settingsFor(t, domainXR(map[string]any{"hostname": testHostname, "certificateArns": []any{testCert}}), domainEnv(nil))
	m, _, _ := planByKey(t, s, nil)
	for _, k := range []string{keyDomainCertificate, keyDomainValidation, keyDomainValidationRecord} {
		if m[k] != nil {
			t.Errorf("%s composed for an existing certificate", k)
		}
	}
	// composed at once: nothing to wait for
	if got := fp(m[keyDomainName], "domainNameConfiguration", "certificateArn"); got != testCert {
		t.Errorf("domain name certificate %v", got)
	}
	m, _ = converged(t, s)
	for _, k := range []string{keyDomainName, keyDomainMapping, keyDomainRecord} {
		if m[k] == nil {
			t.Errorf("no %s", k)
		}
	}
}

func TestDomainInSeveralRegionsWithLatencyRouting(t *testing.T) {
	s := settingsFor(t, domainXR(map[string]any{"hostname": testHostname, "latencyRouting": true}, "us-east-1", "eu-west-1"), domainEnv(map[string]any{}))
	m, o := converged(t, s)
	eu := "-eu-west-1"
	var domainKeys []string
	for _, k := range keysOf(m) {
		if strings.HasPrefix(k, "domain-") {
			domainKeys = append(domainKeys, k)
		}
	}
	rg := domainRegional
	want := []string{
		keyDomainCertificate + rg, keyDomainCertificate + rg + eu, keyDomainValidation + rg, keyDomainValidation + rg + eu,
		keyDomainMapping + rg, keyDomainMapping + rg + eu, keyDomainMapping + domainGlobal, keyDomainMapping + domainGlobal + eu,
		keyDomainName + rg, keyDomainName + rg + eu, keyDomainName + domainGlobal, keyDomainName + domainGlobal + eu,
		keyDomainRecord + rg, keyDomainRecord + rg + eu, keyDomainRecord + domainGlobal, keyDomainRecord + domainGlobal + eu,
		// ACM asks for one record per name in every region: the hostname's is composed once
		keyDomainValidationRecord + rg, keyDomainValidationRecord + rg + eu, keyDomainValidationRecord + domainGlobal,
	}
	if !reflect.DeepEqual(domainKeys, sortedCopy(want)) {
		t.Fatalf("domain resources\n%v\nwant\n%v", domainKeys, sortedCopy(want))
	}
	// every region's certificate covers its regional hostname and the hostname
	euCert := m[keyDomainCertificate+rg+eu]
	if fp(euCert, "domainName") != "eu-west-1."+testHostname ||
		!reflect.DeepEqual(fp(euCert, "subjectAlternativeNames"), []any{testHostname}) || fp(euCert, "region") != "eu-west-1" {
		t.Errorf("certificate of eu-west-1: %v", euCert["spec"])
	}
	global := mustOption(t, o, keyDomainCertificate+rg, testHostname)
	if mustOption(t, o, keyDomainCertificate+rg+eu, testHostname) != global {
		t.Fatal("the simulated certificates ask for different records for the same name")
	}
	if got := fp(m[keyDomainValidation+rg+eu], "validationRecordFqdns"); !reflect.DeepEqual(got, sortedStrList([]string{global.name, mustOption(t, o, keyDomainCertificate+rg+eu, "eu-west-1."+testHostname).name})) {
		t.Errorf("eu-west-1 validation fqdns %v", got)
	}
	for _, r := range []string{"us-east-1", "eu-west-1"} {
		suffix := ""
		if r != "us-east-1" {
			suffix = eu
		}
		rec := m[keyDomainRecord+domainGlobal+suffix]
		target, zone := o.domainTarget(keyDomainName + domainGlobal + suffix)
		if fp(rec, "name") != testHostname || fp(rec, "setIdentifier") != r || !reflect.DeepEqual(fp(rec, "latencyRoutingPolicy"), map[string]any{"region": r}) ||
			fp(rec, "alias", "name") != target || fp(rec, "alias", "zoneId") != zone {
			t.Errorf("latency record of %s: %v", r, rec["spec"])
		}
		if got := lookup(m[keyDomainName+domainGlobal+suffix], "metadata", "annotations", annotationExternalName); got != testHostname {
			t.Errorf("global domain name of %s is %v", r, got)
		}
		if fp(m[keyDomainRecord+rg+suffix], "name") != r+"."+testHostname || fp(m[keyDomainRecord+rg+suffix], "setIdentifier") != nil {
			t.Errorf("regional record of %s: %v", r, m[keyDomainRecord+rg+suffix]["spec"])
		}
	}
	st := mustPlan(t, s, o).Status
	if st.CustomURL != "https://"+testHostname || st.Regions[1].CustomURL != "https://eu-west-1."+testHostname {
		t.Errorf("status customUrl %q, regions %+v", st.CustomURL, st.Regions)
	}

	// without latency routing: regional hostnames only, the primary's is the custom URL
	s = settingsFor(t, domainXR(map[string]any{"hostname": testHostname}, "us-east-1", "eu-west-1"), domainEnv(nil))
	m, o = converged(t, s)
	for k := range m {
		if strings.Contains(k, domainGlobal) {
			t.Errorf("%s without latency routing", k)
		}
	}
	if st := mustPlan(t, s, o).Status; st.CustomURL != "https://us-east-1."+testHostname {
		t.Errorf("custom URL %q", st.CustomURL)
	}
}

func mustOption(t *testing.T, o observedState, key, domain string) dnsRecord {
	t.Helper()
	r, ok := o.validationOption(key, domain)
	if !ok {
		t.Fatalf("%s has no validation option for %s", key, domain)
	}
	return r
}

func sortedCopy(in []string) []string {
	out := []string{}
	for _, v := range sortedStrList(in) {
		out = append(out, v.(string))
	}
	return out
}

// TestDomainResourcesMatchTheCRDs validates the domain resources of both flavours, single and
// multi-region, against provider-aws v2.5.0's CRDs.
func TestDomainResourcesMatchTheCRDs(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles CRD schemas")
	}
	single := domainXR(map[string]any{"hostname": testHostname})
	multi := domainXR(map[string]any{"hostname": testHostname, "latencyRouting": true}, "us-east-1", "eu-west-1")
	existing := domainXR(map[string]any{"hostname": testHostname, "certificateArns": []any{testCert}})
	seen := map[string]bool{}
	legacy := func(xr map[string]any) map[string]any { return legacyXR(xr["spec"].(map[string]any)) }
	for _, xr := range []map[string]any{single, multi, existing, legacy(single), legacy(multi)} {
		s := settingsFor(t, xr, domainEnv(nil))
		m, _ := converged(t, s)
		for k, obj := range m {
			if !strings.HasPrefix(k, "domain-") {
				continue
			}
			seen[obj["apiVersion"].(string)+" "+obj["kind"].(string)] = true
			if err := schema.ValidateComposed(obj); err != nil {
				t.Errorf("%s: %v", k, err)
			}
		}
	}
	for _, g := range []string{"aws.m.upbound.io", "aws.upbound.io"} {
		for _, k := range []string{"acm." + g + "/v1beta1 Certificate", "acm." + g + "/v1beta1 CertificateValidation", "route53." + g + "/v1beta1 Record",
			"apigatewayv2." + g + "/v1beta1 DomainName", "apigatewayv2." + g + "/v1beta1 APIMapping"} {
			if !seen[k] {
				t.Errorf("no %s was validated", k)
			}
		}
	}
}

// A region whose certificate asks for another record for the latency hostname than the primary
// region's gets its own record; ACM normally asks for the same one.
func TestDomainLatencyValidationRecordPerRegionWhenACMAsksForAnother(t *testing.T) {
	s := settingsFor(t, domainXR(map[string]any{"hostname": testHostname, "latencyRouting": true}, "us-east-1", "eu-west-1"), domainEnv(nil))
	_, o := converged(t, s)
	euCert := keyDomainCertificate + domainRegional + "-eu-west-1"
	at := o[resource.Name(euCert)].Resource.Object["status"].(map[string]any)["atProvider"].(map[string]any)
	for _, e := range at["domainValidationOptions"].([]any) {
		if m := e.(map[string]any); m["domainName"] == testHostname {
			m["resourceRecordName"] = "_other." + testHostname + "."
		}
	}
	m, _, pending := planByKey(t, s, o)
	own := m[keyDomainValidationRecord+domainGlobal+"-eu-west-1"]
	if own == nil || fp(own, "name") != "_other."+testHostname {
		t.Fatalf("no record of its own for eu-west-1's certificate (pending %v): %v", pending, own)
	}
	if fp(m[keyDomainValidationRecord+domainGlobal], "name") == "_other."+testHostname {
		t.Error("the primary region's record changed")
	}
}

// A DomainName is named after its hostname: a stack that gains a region (its hostnames become
// <region>.<hostname>) composes new domain names instead of renaming the existing one.
func TestDomainNamesNeverChangeTheirHostname(t *testing.T) {
	one, _ := converged(t, settingsFor(t, domainXR(map[string]any{"hostname": testHostname}), domainEnv(nil)))
	two, _ := converged(t, settingsFor(t, domainXR(map[string]any{"hostname": testHostname, "latencyRouting": true}, "us-east-1", "eu-west-1"), domainEnv(nil)))
	n := 0
	for k, obj := range one {
		if obj["kind"] != "DomainName" {
			continue
		}
		n++
		if other, ok := two[k]; ok {
			a, b := lookup(obj, "metadata", "annotations", annotationExternalName), lookup(other, "metadata", "annotations", annotationExternalName)
			if a != b {
				t.Errorf("%s is %v with one region and %v with two", k, a, b)
			}
		}
	}
	if n == 0 {
		t.Fatal("no DomainName composed")
	}
}
