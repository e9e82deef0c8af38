package fn

import (
	"reflect"
	"strings"
	"testing"

	"github.com/crossplane/function-sdk-go/resource"
	sdkcomposed "github.com/crossplane/function-sdk-go/resource/composed"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestNetwork(t *testing.T) {
	subnets := []any{"subnet-0b1c2d3e4f5a60719", "subnet-0a1b2c3d4e5f60718"}
	sortedSubnets := []any{"subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60719"}
	cases := map[string]struct {
		xr      map[string]any
		wantVPC any // the function's vpcConfig
		wantSG  map[string]any
		rules   map[string]string // egress rule key → CIDR
	}{
		"no network": {xr: xrObject(nil)},
		"existing security groups": {
			xr:      xrObject(map[string]any{"network": map[string]any{"subnetIds": subnets, "securityGroupIds": []any{"sg-0c1d2e3f4a5b60710"}}}),
			wantVPC: map[string]any{"subnetIds": sortedSubnets, "securityGroupIds": []any{"sg-0c1d2e3f4a5b60710"}},
		},
		"vpc: created egress-only group, default CIDR": {
			xr:      xrObject(map[string]any{"network": map[string]any{"subnetIds": subnets, "vpcId": "vpc-0e1f2a3b4c5d60712"}}),
			wantVPC: map[string]any{"subnetIds": sortedSubnets, "securityGroupIdRefs": []any{map[string]any{"name": "mcp--security-group"}}},
			wantSG: map[string]any{"name": "team_dev_mcp_lambda", "vpcId": "vpc-0e1f2a3b4c5d60712", "region": "us-east-1",
				"description": "Egress-only security group of the dev mcp Lambda function (LambdaStack)"},
			rules: map[string]string{"security-group-rule-egress-0-0-0-0-0": "0.0.0.0/0"},
		},
		"vpc: listed CIDRs": {
			xr:      xrObject(map[string]any{"network": map[string]any{"subnetIds": subnets, "vpcId": "vpc-0e1f2a3b4c5d60712", "egressCidrs": []any{"10.0.0.0/8", "192.168.0.0/16"}}}),
			wantVPC: map[string]any{"subnetIds": sortedSubnets, "securityGroupIdRefs": []any{map[string]any{"name": "mcp--security-group"}}},
			wantSG:  map[string]any{"name": "team_dev_mcp_lambda"},
			rules:   map[string]string{"security-group-rule-egress-10-0-0-0-8": "10.0.0.0/8", "security-group-rule-egress-192-168-0-0-16": "192.168.0.0/16"},
		},
		"legacy: vpcConfig is a list": {
			xr:      legacyXR(map[string]any{"network": map[string]any{"subnetIds": subnets, "vpcId": "vpc-0e1f2a3b4c5d60712"}}),
			wantVPC: []any{map[string]any{"subnetIds": sortedSubnets, "securityGroupIdRefs": []any{map[string]any{"name": "mcp--security-group"}}}},
			wantSG:  map[string]any{"name": "team_dev_mcp_lambda"},
			rules:   map[string]string{"security-group-rule-egress-0-0-0-0-0": "0.0.0.0/0"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := byKey(t, settingsFor(t, tc.xr, nil))
			if got := fp(m[KeyFunction], "vpcConfig"); !reflect.DeepEqual(got, tc.wantVPC) {
				t.Errorf("vpcConfig = %v, want %v", got, tc.wantVPC)
			}
			p, _ := fp(m[keyRolePolicy], "policy").(string)
			if vpcRole := strings.Contains(p, "CreateInterfacesInStackSubnets"); vpcRole != (tc.wantVPC != nil) {
				t.Errorf("the role's network permissions = %v, want %v", vpcRole, tc.wantVPC != nil)
			}
			_, roleUsage := m["usage-role-by-function"]
			if roleUsage != (tc.wantVPC != nil) {
				t.Errorf("usage of the role by the function composed = %v, want %v (Lambda manages its network interfaces with the role)", roleUsage, tc.wantVPC != nil)
			}
			sg, hasSG := m[keySecurityGroup]
			if hasSG != (tc.wantSG != nil) {
				t.Fatalf("security group composed = %v, want %v", hasSG, tc.wantSG != nil)
			}
			wantFields(t, "security group", sg, tc.wantSG)
			rules := 0
			for k, obj := range m {
				if strings.HasPrefix(k, keySecurityEgress) {
					rules++
					if lookup(obj, "kind") != "SecurityGroupRule" || fp(obj, "type") != "egress" || !reflect.DeepEqual(fp(obj, "cidrBlocks"), []any{tc.rules[k]}) ||
						fp(obj, "protocol") != "-1" || fp(obj, "fromPort") != 0 || fp(obj, "toPort") != 0 ||
						fp(obj, "securityGroupIdRef", "name") != "mcp--security-group" {
						t.Errorf("%s = %s %v", k, lookup(obj, "kind"), fp(obj))
					}
				}
				if lookup(obj, "kind") == "SecurityGroupIngressRule" || lookup(obj, "kind") == "SecurityGroupEgressRule" || fp(obj, "type") == "ingress" {
					t.Errorf("%s: the stack composes no ingress", k)
				}
			}
			if rules != len(tc.rules) {
				t.Errorf("%d egress rules, want %d", rules, len(tc.rules))
			}
			usage, hasUsage := m["usage-security-group-by-function"]
			if hasUsage != hasSG {
				t.Errorf("usage of the security group by the function composed = %v, want %v", hasUsage, hasSG)
			}
			if hasUsage && lookup(usage, "spec", "of", "kind") != "SecurityGroup" {
				t.Errorf("usage of = %v", lookup(usage, "spec", "of"))
			}
		})
	}
}

func TestSecurityGroupNameAvoidsSGPrefix(t *testing.T) {
	// only a stack named before names carried an owner starts with its stage: an XLambdaStack
	// without a claim has an empty owner field now (_sg_mcp_lambda)
	s := settingsFor(t, unclaimedXR(map[string]any{"stage": "sg", "network": map[string]any{"subnetIds": []any{"subnet-0a1b2c3d4e5f60718"}, "vpcId": "vpc-0e1f2a3b4c5d60712"}}),
		envConfig("stage-sg", "sg", map[string]any{"baseProfile": "dev"}))
	if got := fp(byKey(t, s)[keySecurityGroup], "name"); got != "_sg_mcp_lambda" {
		t.Errorf("name = %v", got)
	}
	s.NameScheme = namesWithoutOwner
	if got := fp(byKey(t, s)[keySecurityGroup], "name"); got != "lambdastack-sg-mcp-lambda" {
		t.Errorf("name = %v", got)
	}
}

func TestNetworkRefusedInSeveralRegions(t *testing.T) {
	xr := xrObject(map[string]any{"regions": []any{"us-east-1", "us-west-2"},
		"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "k.zip"}}},
		"network":  map[string]any{"subnetIds": []any{"subnet-0a1b2c3d4e5f60718"}, "securityGroupIds": []any{"sg-0c1d2e3f4a5b60710"}}})
	rsp := run(t, newRequest(t, xr, []map[string]any{}, nil))
	res := rsp.GetResults()
	if len(res) != 1 || !strings.Contains(res[0].GetMessage(), "spec.network: subnets, security groups and VPCs belong to one region") {
		t.Fatalf("want a Fatal result about spec.network in several regions, got %v", res)
	}
}

// egressV1Observed is what an earlier release's stack reports for its SecurityGroupEgressRule of
// 0.0.0.0/0 next to the other parts of s: created in AWS (the provider recorded the rule's ID)
// or not (provider-aws v2.5.0's "Missing Resource Identity After Read"), with the management
// policies the object has.
func egressV1Observed(t *testing.T, s *settings, created bool, policies []any) observedState {
	t.Helper()
	_, o := converged(t, s)
	for k := range o {
		if strings.HasPrefix(string(k), keySecurityEgress) {
			delete(o, k)
		}
	}
	b := &builder{s: s}
	mr := b.managed(keyEgressRuleV1+"0-0-0-0-0", "ec2", "SecurityGroupEgressRule", mrOpts{region: s.Region}, map[string]any{
		"securityGroupIdRef": b.ref(keySecurityGroup), "ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"})
	obj := mr.Object
	meta := obj["metadata"].(map[string]any)
	cond := map[string]any{"type": "Synced", "status": "False", "reason": "ReconcileError",
		"message": "observe failed: read resource request failed: Missing Resource Identity After Read"}
	if created {
		meta["annotations"] = map[string]any{annotationExternalName: "sgr-0123456789abcdef0"}
		cond = map[string]any{"type": "Ready", "status": "True", "reason": "Available"}
	}
	if policies != nil {
		obj["spec"].(map[string]any)["managementPolicies"] = policies
	}
	obj["status"] = map[string]any{"conditions": []any{cond}}
	o2 := observedState{}
	for k, v := range o {
		o2[k] = v
	}
	o2[resource.Name(mr.Key)] = resource.ObservedComposed{Resource: &sdkcomposed.Unstructured{Unstructured: unstructured.Unstructured{Object: obj}}}
	return o2
}

// TestEgressRuleFromEarlierReleases: a stack whose egress rule an earlier release composed as a
// SecurityGroupEgressRule keeps it when AWS has it (no second rule EC2 would refuse, no moment
// without egress), and otherwise gets the SecurityGroupRule at once while the old object is
// first made observe-only, then dropped (so its deletion calls nothing in AWS).
func TestEgressRuleFromEarlierReleases(t *testing.T) {
	subnets := []any{"subnet-0b1c2d3e4f5a60719"}
	for name, xr := range map[string]map[string]any{
		"namespaced": xrObject(map[string]any{"network": map[string]any{"subnetIds": subnets, "vpcId": "vpc-0e1f2a3b4c5d60712"}}),
		"legacy":     legacyXR(map[string]any{"network": map[string]any{"subnetIds": subnets, "vpcId": "vpc-0e1f2a3b4c5d60712"}}),
	} {
		t.Run(name, func(t *testing.T) {
			s := settingsFor(t, xr, nil)
			v1, v2 := keyEgressRuleV1+"0-0-0-0-0", keySecurityEgress+"0-0-0-0-0"
			all := []any{"Observe", "Create", "Update", "LateInitialize", "Delete"}

			// created in AWS: kept as it is, and no second rule
			m := keysIn(mustPlan(t, s, egressV1Observed(t, s, true, all)).Resources)
			wantKeys(t, m, []string{v1}, []string{v2})
			if got := lookup(m[v1], "spec", "managementPolicies"); got != nil {
				t.Errorf("%s: management policies %v, want the default (the rule stays managed)", v1, got)
			}
			if fp(m[v1], "cidrIpv4") != "0.0.0.0/0" || fp(m[v1], "ipProtocol") != "-1" {
				t.Errorf("%s changed: %v", v1, fp(m[v1]))
			}

			// never created: the new rule at once, the old one observe-only
			m = keysIn(mustPlan(t, s, egressV1Observed(t, s, false, nil)).Resources)
			wantKeys(t, m, []string{v1, v2}, nil)
			if got := lookup(m[v1], "spec", "managementPolicies"); !reflect.DeepEqual(got, []any{"Observe"}) {
				t.Errorf("%s: management policies %v, want [Observe]", v1, got)
			}
			if got, want := lookup(m[v1], "spec", "deletionPolicy"), map[bool]any{true: "Orphan", false: nil}[s.Flavour == legacy]; got != want {
				t.Errorf("%s: deletionPolicy %v, want %v", v1, got, want)
			}

			// observe-only applied: the old object goes, the new rule stays
			m = keysIn(mustPlan(t, s, egressV1Observed(t, s, false, []any{"Observe"})).Resources)
			wantKeys(t, m, []string{v2}, []string{v1})

			// a create under way counts as created
			o := egressV1Observed(t, s, false, all)
			o[resource.Name(v1)].Resource.SetAnnotations(map[string]string{annotationCreatePending: "2026-12-07T00:00:00Z"})
			wantKeys(t, keysIn(mustPlan(t, s, o).Resources), []string{v1}, []string{v2})
		})
	}
}
