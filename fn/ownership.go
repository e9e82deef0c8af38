package fn

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Ownership inside a shared account (docs/tenancy.md, rules 9 and 10). A stage's account is
// shared between the namespaces it admits unless its EnvironmentConfig says sharedAccount:
// false (then it admits exactly one namespace, whose account it is). In a shared account a
// request may name an existing resource of the account (in its own permissions, as trigger,
// destination, authorizer, layer, key, secret, alarm topic, certificate, code object or image
// repository) only when it is the namespace's own, named <namespace>_... or <namespace>/...
// (what the stack creates is named <namespace>_<stage>_<app>..., naming.go; secrets are owned
// by the stage's secretNamePrefix only), or when the stage grants it by an ARN pattern
// (data.grants). A pattern the request gives (its own permissions) is allowed only when every
// ARN it can match is, segment by segment (globWithin).
//
// AWS itself holds a second wall: every taggable resource carries the owner namespace
// (tagOwner, tags.go), and every execution role of a shared-account stage gets the stage's
// permissions boundary, ownerBoundary: a role may act on a resource whose owner tag is its own
// or that has none, never on another namespace's (ABAC, aws:ResourceTag against
// aws:PrincipalTag), and may not set or remove owner tags.

// accountPlaceholder in a grant pattern stands for the stage's accountId.
const accountPlaceholder = "{account}"

// ownershipConfig is what the stack may name of its stage's account besides what it creates.
type ownershipConfig struct {
	// Shared: other namespaces have stacks in the account, so an existing resource must be the
	// owner's own or granted. False on an account of one namespace, a built-in stage without
	// an EnvironmentConfig and an XLambdaStack without a claim.
	Shared bool
	// Account is the stage's accountId.
	Account string
	// Grants are the ARN patterns the stage grants the owner, placeholders replaced.
	Grants []string
	// SubnetIDs, SecurityGroupIDs and VPCIDs the owner may use: the stage's lists and the
	// owner namespace's (network.go).
	SubnetIDs, SecurityGroupIDs, VPCIDs []string
}

// ownedTypes are, per service, the resource types whose names a namespace owns: an ARN's
// resource <type><name> with a name under the owner prefix. Services not listed (KMS keys, S3
// buckets, EC2 and other resources named by ID or in a global namespace) are never a
// namespace's own by name: only a grant makes them usable on a shared account.
var ownedTypes = map[string][]string{
	"lambda":     {"function:", "layer:"},
	"logs":       {"log-group:", "log-group:/aws/lambda/", "log-group:/aws/apigateway/"},
	"sqs":        {""},
	"sns":        {""},
	"dynamodb":   {"table/"},
	"iam":        {"role/", "policy/"},
	"events":     {"event-bus/", "rule/"},
	"states":     {"stateMachine:", "activity:"},
	"ssm":        {"parameter/"},
	"kinesis":    {"stream/"},
	"firehose":   {"deliverystream/"},
	"ecr":        {"repository/"},
	"cloudwatch": {"alarm:", "dashboard/"},
}

// typelessServices name resources without a type in their ARN (the resource is the name).
var typelessServices = []string{"s3", "sqs", "sns", "execute-api"}

func resolveOwnership(stageCfg *v1alpha1.StageProfile, owner string, configured bool) ownershipConfig {
	g := orZero(stageCfg.Grants)
	mine := g.Namespaces[owner]
	c := ownershipConfig{
		Shared:           configured && owner != "" && firstBool(stageCfg.SharedAccount, boolp(true)),
		Account:          stageCfg.AccountID,
		SubnetIDs:        append(slices.Clone(stageCfg.AllowedSubnetIDs), mine.SubnetIDs...),
		SecurityGroupIDs: append(slices.Clone(stageCfg.AllowedSecurityGroupIDs), mine.SecurityGroupIDs...),
		VPCIDs:           append(slices.Clone(stageCfg.AllowedVPCIDs), mine.VPCIDs...),
	}
	for _, p := range append(slices.Clone(g.Resources), mine.Resources...) {
		p = strings.ReplaceAll(p, namespacePlaceholder, owner)
		c.Grants = append(c.Grants, strings.ReplaceAll(p, accountPlaceholder, stageCfg.AccountID))
	}
	return c
}

var reGrantNamespace = regexp.MustCompile(`\{namespace\}([^_/:]|$)`)

// validateOwnershipConfig checks what the stage's EnvironmentConfig says about ownership: an
// account of one namespace admits exactly one, grant patterns are ARNs whose {namespace} is
// followed by a character no namespace contains, and a shared account names the permissions
// boundary of its execution roles.
func validateOwnershipConfig(errs *fieldErrors, s *settings, stageCfg *v1alpha1.StageProfile) {
	if !s.StageConfigured {
		return
	}
	if sa := stageCfg.SharedAccount; sa != nil && !*sa && (len(stageCfg.Namespaces) != 1 || stageCfg.NamespaceSelector != nil) {
		errs.add("EnvironmentConfig data.sharedAccount", "false says the account is one namespace's, but stage %s admits %s; list exactly that namespace in data.namespaces (and no data.namespaceSelector), or let the account be shared", s.Stage, admitted(stageCfg))
	}
	g := orZero(stageCfg.Grants)
	validateGrantPatterns(errs, "EnvironmentConfig data.grants.resources", g.Resources, stageCfg.AccountID)
	for _, ns := range sortedKeys(g.Namespaces) {
		f := "EnvironmentConfig data.grants.namespaces." + ns
		validateGrantPatterns(errs, f+".resources", g.Namespaces[ns].Resources, stageCfg.AccountID)
		validateNetworkIDs(errs, f+".subnetIds", g.Namespaces[ns].SubnetIDs, reSubnet)
		validateNetworkIDs(errs, f+".securityGroupIds", g.Namespaces[ns].SecurityGroupIDs, reSG)
		validateNetworkIDs(errs, f+".vpcIds", g.Namespaces[ns].VPCIDs, reVPC)
	}
	validateNetworkIDs(errs, "EnvironmentConfig data.allowedSubnetIds", stageCfg.AllowedSubnetIDs, reSubnet)
	validateNetworkIDs(errs, "EnvironmentConfig data.allowedSecurityGroupIds", stageCfg.AllowedSecurityGroupIDs, reSG)
	validateNetworkIDs(errs, "EnvironmentConfig data.allowedVpcIds", stageCfg.AllowedVPCIDs, reVPC)
	if s.Ownership.Shared && s.Permissions.Guards.PermissionsBoundaryARN == "" {
		errs.add("EnvironmentConfig data.permissions.permissionsBoundaryArn", "%s, so every execution role needs the permissions boundary that keeps it off other namespaces' resources: create the policy of docs/iam/owner-boundary.json once in the account and name it here (or say data.sharedAccount: false for an account of one namespace)", s.sharedAccount())
	}
}

// admitted says which namespaces a stage admits, for messages.
func admitted(stageCfg *v1alpha1.StageProfile) string {
	out := fmt.Sprintf("%d namespaces by name", len(stageCfg.Namespaces))
	if stageCfg.NamespaceSelector != nil {
		out += " and those data.namespaceSelector selects"
	}
	return out
}

func validateGrantPatterns(errs *fieldErrors, field string, patterns []string, account string) {
	for _, p := range patterns {
		a, ok := parseARN(p)
		switch {
		case !ok || a.prefix != "arn" || a.service == "" || hasWildcard(a.service):
			errs.add(field, "%q is not an ARN pattern (arn:<partition>:<service>:<region>:<account>:<resource>, with * and ? and the placeholders {namespace} and {account})", p)
		case reGrantNamespace.MatchString(p):
			errs.add(field, "%q: {namespace} must be followed by _, / or : (a character no namespace contains) or end the pattern, or namespace team's grant would cover namespace team-b's resources", p)
		case strings.Contains(p, accountPlaceholder) && account == "":
			errs.add(field, "%q names {account}, but the EnvironmentConfig names no data.accountId", p)
		case strings.Contains(strings.NewReplacer(namespacePlaceholder, "", accountPlaceholder, "").Replace(p), "{"):
			errs.add(field, "%q: the only placeholders are {namespace} and {account}", p)
		}
	}
}

// checkOwned refuses arn (a literal ARN or an IAM pattern; {region} stands for each region of
// the stack), named by the request in field, on a shared account unless every resource it can
// match is the owner's own or granted by the stage. what names the kind of resource.
func checkOwned(errs *fieldErrors, s *settings, field, what, arn string) {
	if !s.Ownership.Shared {
		return
	}
	for _, r := range s.Regions {
		a := inRegion(arn, r)
		if s.owns(a) || s.granted(a) {
			continue
		}
		verb := "is not"
		if hasWildcard(a) {
			verb = "can match resources that are not"
		}
		errs.add(field, "the %s %s %s namespace %s's: %s, and %s; the platform grants others in the stage's EnvironmentConfig (data.grants.resources, or data.grants.namespaces.%s.resources)",
			what, a, verb, s.Owner, s.sharedAccount(), s.ownedHint(a), s.Owner)
		return
	}
}

// sharedAccount says whose the stage's account is, for messages.
func (s *settings) sharedAccount() string {
	if s.Ownership.Account == "" {
		return "stage " + s.Stage + "'s account is shared between namespaces"
	}
	return "stage " + s.Stage + " shares account " + s.Ownership.Account + " between namespaces"
}

// owns tells whether every resource pattern p can match is the owner's own.
func (s *settings) owns(p string) bool {
	a, ok := parseARN(p)
	if !ok {
		return false
	}
	for _, o := range s.ownPatterns(a) {
		if globWithin(p, o) {
			return true
		}
	}
	return false
}

// granted tells whether every resource pattern p can match is granted by the stage.
func (s *settings) granted(p string) bool {
	for _, g := range s.Ownership.Grants {
		if globWithin(p, g) {
			return true
		}
	}
	return false
}

// ownPatterns are the ARN patterns of the owner's own resources of a's service in the stage's
// account: names under <owner>_ or <owner>/ (secrets: under the stage's secret name prefix),
// and for a stack named before names carried the owner, its function and log group.
func (s *settings) ownPatterns(a arnParts) []string {
	acct := s.Ownership.Account
	if acct == "" {
		return nil
	}
	var names []string
	switch {
	case a.service == "secretsmanager":
		if s.SecretNamePrefix != "" {
			names = append(names, "secret:"+s.SecretNamePrefix+"*")
		}
	default:
		for _, t := range ownedTypes[a.service] {
			names = append(names, t+s.Owner+nameSeparator+"*", t+s.Owner+"/*")
		}
		if s.NameScheme == namesWithoutOwner {
			fn := stackStem(s)
			switch a.service {
			case "lambda":
				names = append(names, "function:"+fn, "function:"+fn+":*")
			case "logs":
				names = append(names, "log-group:/aws/lambda/"+fn, "log-group:/aws/lambda/"+fn+":*")
			}
		}
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, newARN(partition(s.Region), a.service, "*", acct, n))
	}
	return out
}

// ownedHint says what a namespace owns of a's service, for messages.
func (s *settings) ownedHint(p string) string {
	a, _ := parseARN(p)
	switch {
	case a.service == "secretsmanager" && s.SecretNamePrefix == "":
		return "the stage has no data.secretNamePrefix, so no existing secret is a namespace's own"
	case a.service == "secretsmanager":
		return fmt.Sprintf("a namespace's own secrets are named %s… (data.secretNamePrefix)", s.SecretNamePrefix)
	case ownedTypes[a.service] != nil:
		return fmt.Sprintf("a namespace's own resources of account %s are named %s_… or %s/…", s.Ownership.Account, s.Owner, s.Owner)
	}
	return fmt.Sprintf("resources of %s are named by ID or in a namespace shared by every account, so none is a namespace's own", firstStr(a.service, "every service"))
}

// leadingWildcard tells whether an ARN pattern matches every resource of its type: the type or
// the first character of the name is a wildcard (function:*, table/*, key/*, ?*, s3's */*).
func leadingWildcard(a arnParts) bool {
	r := a.resource
	if !slices.Contains(typelessServices, a.service) {
		i := strings.IndexAny(r, "/:")
		if i < 0 || hasWildcard(r[:i]) {
			return hasWildcard(r)
		}
		r = r[i+1:]
	}
	return r == "" || r[0] == '*' || r[0] == '?'
}

// globWithin tells whether every ARN pattern p matches is matched by pattern g: segment by
// segment (partition, service, region, account, resource), each as IAM matches it (* any run of
// characters, ? any one).
func globWithin(p, g string) bool {
	ps, gs := strings.SplitN(p, ":", 6), strings.SplitN(g, ":", 6)
	if len(ps) != 6 || len(gs) != 6 {
		return p == g
	}
	for i := range ps {
		if !globSegmentWithin(ps[i], gs[i]) {
			return false
		}
	}
	return true
}

// globSegmentWithin tells whether the language of glob p is a subset of glob g's. It walks
// every prefix p can produce, with the set of positions g can be in after it, looking for a
// word p accepts and g does not.
func globSegmentWithin(p, g string) bool {
	if !hasWildcard(p) && !hasWildcard(g) {
		return p == g
	}
	// the characters g tells apart, and one it does not ('\x00' stands for any other)
	alphabet := []byte{0}
	for i := range len(g) {
		if g[i] != '*' && g[i] != '?' && !slices.Contains(alphabet, g[i]) {
			alphabet = append(alphabet, g[i])
		}
	}
	closure := func(set []int) []int {
		for k := 0; k < len(set); k++ {
			if j := set[k]; j < len(g) && g[j] == '*' && !slices.Contains(set, j+1) {
				set = append(set, j+1)
			}
		}
		slices.Sort(set)
		return slices.Compact(set)
	}
	step := func(set []int, c byte) []int {
		var out []int
		for _, j := range set {
			switch {
			case j == len(g):
			case g[j] == '*':
				out = append(out, j)
			case g[j] == '?' || g[j] == c && c != 0:
				out = append(out, j+1)
			}
		}
		return closure(out)
	}
	type state struct {
		i   int
		set string
	}
	key := func(i int, set []int) state { return state{i, fmt.Sprint(set)} }
	seen := map[state]bool{}
	var visit func(i int, set []int) bool
	visit = func(i int, set []int) bool {
		if k := key(i, set); seen[k] {
			return true
		} else {
			seen[k] = true
		}
		if i == len(p) {
			return slices.Contains(set, len(g))
		}
		switch p[i] {
		case '*':
			if !visit(i+1, set) {
				return false
			}
			for _, c := range alphabet {
				if !visit(i, step(set, c)) {
					return false
				}
			}
		case '?':
			for _, c := range alphabet {
				if !visit(i+1, step(set, c)) {
					return false
				}
			}
		default:
			c := p[i]
			if !slices.Contains(alphabet, c) {
				c = 0
			}
			if !visit(i+1, step(set, c)) {
				return false
			}
		}
		return true
	}
	return visit(0, closure([]int{0}))
}

// ownerBoundary is the permissions boundary of every execution role of a shared-account
// stage (docs/iam/owner-boundary.json; the platform creates it once per account and names it in
// data.permissions.permissionsBoundaryArn). It allows what the role's own policies allow on a
// resource whose owner tag is the role's or that has none (services that support
// aws:ResourceTag for an action check it; docs/tenancy.md lists what stays name-checked only),
// and denies setting or removing an owner tag.
func ownerBoundary() policyDocument {
	return policyDocument{Version: "2012-10-17", Statement: []statement{
		{
			Sid: "OwnOrUnownedResources", Effect: "Allow", Action: []string{"*"}, Resource: []string{"*"},
			Condition: map[string]any{"StringEqualsIfExists": map[string]any{
				"aws:ResourceTag/" + tagOwner: "${aws:PrincipalTag/" + tagOwner + "}",
			}},
		},
		{
			Sid: "NoOwnerTagChanges", Effect: "Deny", Action: []string{"*"}, Resource: []string{"*"},
			Condition: map[string]any{"ForAnyValue:StringEqualsIgnoreCase": map[string]any{
				"aws:TagKeys": []string{tagOwner},
			}},
		},
	}}
}
