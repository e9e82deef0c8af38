package fn

import "strings"

// Network: spec.network places the function in a VPC. With securityGroupIds the function's
// vpcConfig names them; with vpcId the stack creates an egress-only security group (no ingress
// rule: nothing connects to a Lambda function's network interfaces) with one egress rule per
// CIDR (all protocols; default 0.0.0.0/0) and the function's vpcConfig references it. Either way
// the role gets AWSLambdaVPCAccessExecutionRole (iam.go) to manage the network interfaces.
//
// Subnets, security groups and VPCs belong to one region, so a stack with spec.network runs in
// one region (validateNetworkRegions).

// Keys of the network part.
const (
	KeySecurityGroup  = "security-group"
	keySecurityEgress = "security-group-egress-"
)

// DefaultEgressCIDR is the egress of the created security group when spec.network.egressCidrs
// is empty.
const DefaultEgressCIDR = "0.0.0.0/0"

// network composes the security group the stack creates for a VPC; nothing otherwise.
func (b *builder) network() {
	n := b.s.Network
	if n == nil || n.VPCID == "" {
		return
	}
	region := b.s.Region
	b.add(b.managed(KeySecurityGroup, "ec2", "SecurityGroup", mrOpts{region: region, taggable: true}, map[string]any{
		"name":        b.securityGroupName(),
		"description": "Egress-only security group of the " + b.s.Stage + " " + b.s.App + " Lambda function (LambdaStack)",
		"vpcId":       n.VPCID,
	}))
	cidrs := n.EgressCIDRs
	if len(cidrs) == 0 {
		cidrs = []string{DefaultEgressCIDR}
	}
	for _, c := range slugsOf(cidrs) {
		b.add(b.managed(keySecurityEgress+c.Slug, "ec2", "SecurityGroupEgressRule", mrOpts{region: region, taggable: true}, map[string]any{
			"securityGroupIdRef": b.ref(KeySecurityGroup),
			"ipProtocol":         "-1",
			"cidrIpv4":           c.Value,
			"description":        "All outbound traffic to " + c.Value,
		}))
	}
}

// securityGroupName is <stage>-<app>-lambda; AWS refuses names starting with sg- (a stage
// called sg), which get a lambdastack- prefix.
func (b *builder) securityGroupName() string {
	n := b.name(maxSGName, "lambda")
	if strings.HasPrefix(n, "sg-") {
		n = fitName("lambdastack-"+n, maxSGName)
	}
	return n
}

// vpcConfig is the function's vpcConfig block, nil without spec.network.
func (b *builder) vpcConfig() any {
	n := b.s.Network
	if n == nil {
		return nil
	}
	c := map[string]any{"subnetIds": sortedStrList(n.SubnetIDs)}
	if n.VPCID != "" {
		c["securityGroupIdRefs"] = []any{b.ref(KeySecurityGroup)}
	} else {
		c["securityGroupIds"] = sortedStrList(n.SecurityGroupIDs)
	}
	return b.block(c)
}

// validateNetworkRegions refuses spec.network on a stack of several regions: its subnets and
// security groups (or VPC) exist in one region only.
func validateNetworkRegions(errs *fieldErrors, s *Settings) {
	if s.Network != nil && len(s.Regions) > 1 {
		errs.add("spec.network", "subnets, security groups and VPCs belong to one region, but the stack runs in %d regions; deploy one stack per region to place the function in a VPC", len(s.Regions))
	}
}
