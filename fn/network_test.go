package fn

import (
	"reflect"
	"strings"
	"testing"
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
			rules: map[string]string{"security-group-egress-0-0-0-0-0": "0.0.0.0/0"},
		},
		"vpc: listed CIDRs": {
			xr:      xrObject(map[string]any{"network": map[string]any{"subnetIds": subnets, "vpcId": "vpc-0e1f2a3b4c5d60712", "egressCidrs": []any{"10.0.0.0/8", "192.168.0.0/16"}}}),
			wantVPC: map[string]any{"subnetIds": sortedSubnets, "securityGroupIdRefs": []any{map[string]any{"name": "mcp--security-group"}}},
			wantSG:  map[string]any{"name": "team_dev_mcp_lambda"},
			rules:   map[string]string{"security-group-egress-10-0-0-0-8": "10.0.0.0/8", "security-group-egress-192-168-0-0-16": "192.168.0.0/16"},
		},
		"legacy: vpcConfig is a list": {
			xr:      legacyXR(map[string]any{"network": map[string]any{"subnetIds": subnets, "vpcId": "vpc-0e1f2a3b4c5d60712"}}),
			wantVPC: []any{map[string]any{"subnetIds": sortedSubnets, "securityGroupIdRefs": []any{map[string]any{"name": "mcp--security-group"}}}},
			wantSG:  map[string]any{"name": "team_dev_mcp_lambda"},
			rules:   map[string]string{"security-group-egress-0-0-0-0-0": "0.0.0.0/0"},
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
					if fp(obj, "cidrIpv4") != tc.rules[k] || fp(obj, "ipProtocol") != "-1" || fp(obj, "securityGroupIdRef", "name") != "mcp--security-group" {
						t.Errorf("%s = %v", k, fp(obj))
					}
				}
				if lookup(obj, "kind") == "SecurityGroupIngressRule" || lookup(obj, "kind") == "SecurityGroupRule" {
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
