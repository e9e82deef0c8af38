package fn

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Network: spec.network places the function in a VPC. With securityGroupIds the function's
// vpcConfig names them; with vpcId the stack creates an egress-only security group (no ingress
// rule: nothing connects to a Lambda function's network interfaces) with one egress rule per
// CIDR (all protocols; default 0.0.0.0/0) and the function's vpcConfig references it. Either way
// the role's inline policy (networkPolicy) lets Lambda manage the function's network interfaces
// in those subnets only.
//
// The egress rules are SecurityGroupRules of type egress (aws_security_group_rule). Earlier
// releases composed SecurityGroupEgressRules (aws_vpc_security_group_egress_rule), which
// provider-aws v2.5.0 never creates: its first observe fails with "Missing Resource Identity
// After Read" (docs/e2e.md). egressRules moves a stack composed that way without losing a rule.
//
// Subnets, security groups and VPCs belong to one region, so a stack with spec.network runs in
// one region (validateNetworkRegions).

// Keys of the network part.
const (
	keySecurityGroup  = "security-group"
	keyRoleVPC        = "role-network"
	keySecurityEgress = "security-group-rule-egress-"
	// keyEgressRuleV1 is the key of the SecurityGroupEgressRules of earlier releases.
	keyEgressRuleV1 = "security-group-egress-"
)

// defaultEgressCIDR is the egress of the created security group when spec.network.egressCidrs
// is empty.
const defaultEgressCIDR = "0.0.0.0/0"

var (
	reSubnet = regexp.MustCompile(`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`)
	reSG     = regexp.MustCompile(`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`)
	reVPC    = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)
)

func validateNetwork(errs *fieldErrors, n *v1alpha1.NetworkSpec) {
	if n == nil {
		return
	}
	if len(n.SubnetIDs) == 0 {
		errs.add("spec.network.subnetIds", "needs at least one subnet ID")
	}
	for _, id := range n.SubnetIDs {
		if !reSubnet.MatchString(id) {
			errs.add("spec.network.subnetIds", "%q is not a subnet ID", id)
		}
	}
	switch {
	case len(n.SecurityGroupIDs) > 0 && n.VPCID != "":
		errs.add("spec.network", "give securityGroupIds or vpcId, not both")
	case len(n.SecurityGroupIDs) == 0 && n.VPCID == "":
		errs.add("spec.network", "needs securityGroupIds or a vpcId to create an egress-only security group in")
	}
	for _, id := range n.SecurityGroupIDs {
		if !reSG.MatchString(id) {
			errs.add("spec.network.securityGroupIds", "%q is not a security group ID", id)
		}
	}
	if n.VPCID != "" && !reVPC.MatchString(n.VPCID) {
		errs.add("spec.network.vpcId", "%q is not a VPC ID", n.VPCID)
	}
	if len(n.EgressCIDRs) > 0 && n.VPCID == "" {
		errs.add("spec.network.egressCidrs", "applies only to the security group created from vpcId")
	}
	for _, c := range n.EgressCIDRs {
		if p, err := netip.ParsePrefix(c); err != nil || !p.Addr().Is4() || p.Masked() != p {
			errs.add("spec.network.egressCidrs", "%q is not an IPv4 network in CIDR form", c)
		}
	}
}

// validateNetworkGrants applies rule 12 of docs/tenancy.md: subnets, security groups and the
// VPC of spec.network must be in the stage's lists or the owner namespace's
// (data.grants.namespaces.<namespace>). Where neither lists any, an account of one namespace
// allows any and a shared account none: another namespace's security group would open the
// network its resources admit that group to.
func validateNetworkGrants(errs *fieldErrors, s *settings) {
	n := s.Network
	if n == nil || !s.StageConfigured {
		return
	}
	o := s.Ownership
	check := func(field, what string, ids, granted []string) {
		if len(granted) == 0 && !o.Shared {
			return
		}
		for _, id := range ids {
			if slices.Contains(granted, id) {
				continue
			}
			list := "none"
			if len(granted) > 0 {
				list = strings.Join(granted, ", ")
			}
			errs.add(field, "%s is not granted to namespace %s on stage %s (granted: %s); the platform grants %ss to every namespace in the stage's EnvironmentConfig data.allowed%ss and to one in data.grants.namespaces.%s.%ss", id, s.Owner, s.Stage, list, what, networkListName(what), s.Owner, lowerFirst(networkListName(what)))
		}
	}
	check("spec.network.subnetIds", "subnet", n.SubnetIDs, o.SubnetIDs)
	check("spec.network.securityGroupIds", "security group", n.SecurityGroupIDs, o.SecurityGroupIDs)
	if n.VPCID != "" {
		check("spec.network.vpcId", "VPC", []string{n.VPCID}, o.VPCIDs)
	}
}

// networkListName is the list field of what (subnet, security group, VPC) without "allowed".
func networkListName(what string) string {
	return map[string]string{"subnet": "SubnetId", "security group": "SecurityGroupId", "VPC": "VpcId"}[what]
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

// validateNetworkIDs checks the IDs of one of a stage's network lists (field).
func validateNetworkIDs(errs *fieldErrors, field string, ids []string, re *regexp.Regexp) {
	for _, id := range ids {
		if !re.MatchString(id) {
			errs.add(field, "%q is not an ID of that kind (%s)", id, strings.TrimSuffix(strings.TrimPrefix(re.String(), "^"), "$"))
		}
	}
}

// validateNetworkRegions refuses spec.network on a stack of several regions: its subnets and
// security groups (or VPC) exist in one region only.
func validateNetworkRegions(errs *fieldErrors, s *settings) {
	if s.Network != nil && len(s.Regions) > 1 {
		errs.add("spec.network", "subnets, security groups and VPCs belong to one region, but the stack runs in %d regions; deploy one stack per region to place the function in a VPC", len(s.Regions))
	}
}

// validateEgressKeys refuses an egress CIDR listed twice (two resources of one key).
func validateEgressKeys(errs *fieldErrors, s *settings) {
	if n := s.Network; n != nil {
		seen := map[string]bool{}
		for _, c := range n.EgressCIDRs {
			if seen[c] {
				errs.add("spec.network.egressCidrs", "%q is listed twice", c)
			}
			seen[c] = true
		}
	}
}

// network composes the security group the stack creates for a VPC (the role's network
// permissions are part of its inline policy, networkPolicy); nothing without spec.network.
func (b *builder) network() {
	n := b.s.Network
	if n == nil {
		return
	}
	if n.VPCID == "" {
		return
	}
	region := b.s.Region
	b.add(b.managed(keySecurityGroup, "ec2", "SecurityGroup", mrOpts{region: region, taggable: true}, map[string]any{
		"name":        b.securityGroupName(),
		"description": "Egress-only security group of the " + b.s.Stage + " " + b.s.App + " Lambda function (LambdaStack)",
		"vpcId":       n.VPCID,
	}))
	cidrs := n.EgressCIDRs
	if len(cidrs) == 0 {
		cidrs = []string{defaultEgressCIDR}
	}
	for _, c := range slugsOf(cidrs) {
		b.egressRule(c)
	}
}

// egressRule composes the egress rule of one CIDR. A stack composed by an earlier release has a
// SecurityGroupEgressRule for it (keyEgressRuleV1):
//   - when AWS has that rule (the provider recorded its ID as external name, or a create is
//     under way), it stays as it is: EC2 refuses a second rule of the same permission, and
//     replacing it would leave the group without egress for a moment;
//   - else (the provider-aws v2.5.0 case: nothing was ever created) it is composed once more
//     with Observe as its only management policy, and once the provider's object has that
//     policy it is no longer composed: Crossplane deletes the object, and with Delete out of
//     its policies the provider removes its finalizer without calling AWS (the observe that
//     fails is skipped). The SecurityGroupRule is composed at once: there is no rule to
//     duplicate.
func (b *builder) egressRule(c slugged) {
	region := b.s.Region
	if v1 := keyEgressRuleV1 + c.Slug; b.o.exists(v1) {
		if b.o.createdInAWS(v1) {
			b.add(b.managed(v1, "ec2", "SecurityGroupEgressRule", mrOpts{region: region, taggable: true}, map[string]any{
				"securityGroupIdRef": b.ref(keySecurityGroup),
				"ipProtocol":         "-1",
				"cidrIpv4":           c.Value,
				"description":        "All outbound traffic to " + c.Value,
			}))
			return
		}
		if !b.o.withoutDelete(v1) {
			mr := b.managed(v1, "ec2", "SecurityGroupEgressRule", mrOpts{region: region, taggable: true}, map[string]any{
				"securityGroupIdRef": b.ref(keySecurityGroup),
				"ipProtocol":         "-1",
				"cidrIpv4":           c.Value,
				"description":        "All outbound traffic to " + c.Value,
			})
			observeOnly(b.s, mr)
			b.add(mr)
		}
	}
	b.add(b.managed(keySecurityEgress+c.Slug, "ec2", "SecurityGroupRule", mrOpts{region: region}, map[string]any{
		"type":               "egress",
		"securityGroupIdRef": b.ref(keySecurityGroup),
		"protocol":           "-1",
		"fromPort":           0,
		"toPort":             0,
		"cidrBlocks":         []any{c.Value},
		"description":        "All outbound traffic to " + c.Value,
	}))
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
		c["securityGroupIdRefs"] = []any{b.ref(keySecurityGroup)}
	} else {
		c["securityGroupIds"] = sortedStrList(n.SecurityGroupIDs)
	}
	return b.block(c)
}

// networkPolicy is what Lambda needs of the execution role to give the function network
// interfaces in the stack's subnets: creating them only in those subnets with the stack's
// security groups, managing only interfaces in those subnets, and the two Describe calls AWS
// allows on "*" only (wildcardResourceActions). None without spec.network.
func (b *builder) networkPolicy() (policyDocument, bool) {
	n, r := b.s.Network, b.s.Region
	if n == nil {
		return policyDocument{}, false
	}
	prefix := b.arnPattern("ec2", r, "")
	var subnets, groups []string
	for _, id := range n.SubnetIDs {
		subnets = append(subnets, prefix+"subnet/"+id)
	}
	for _, id := range n.SecurityGroupIDs {
		groups = append(groups, prefix+"security-group/"+id)
	}
	if n.VPCID != "" {
		// the stack's own group, whose ID AWS assigns; only groups of that VPC
		groups = append(groups, prefix+"security-group/*")
	}
	create := append(append([]string{prefix + "network-interface/*"}, uniqueSorted(subnets)...), uniqueSorted(groups)...)
	st := []statement{
		{Sid: "CreateInterfacesInStackSubnets", Effect: "Allow", Action: []string{"ec2:CreateNetworkInterface"}, Resource: create},
		{Sid: "ManageInterfacesInStackSubnets", Effect: "Allow",
			Action:    []string{"ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"},
			Resource:  []string{prefix + "network-interface/*"},
			Condition: map[string]any{"ArnEquals": map[string]any{"ec2:Subnet": uniqueSorted(subnets)}}},
		{Sid: "DescribeNetwork", Effect: "Allow", Action: []string{"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}, Resource: []string{"*"}},
	}
	if n.VPCID != "" {
		st[0].Condition = map[string]any{"ArnEqualsIfExists": map[string]any{"ec2:Vpc": []string{prefix + "vpc/" + n.VPCID}}}
	}
	return policyDocument{Version: "2012-10-17", Statement: st}, true
}
