package fn

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// The function's own permissions (spec.permissions): IAM statements in the execution role's
// inline policy role-permissions and managed policies the stage allowlists, attached as
// role-managed-<account>-<name>. The stage's EnvironmentConfig (data.permissions) bounds them
// and may set a permissions boundary on the role. Some grants are never made, whatever the
// stage allows (neverGranted): they would let the function raise its own privileges or leave
// its account.

// Keys of the permissions part.
const (
	keyRolePermissions = "role-permissions"
	keyRoleManaged     = "role-managed-" // + <account|aws>-<policy name>
	// maxPermissionsPolicy bounds the inline policy of spec.permissions, leaving room for the
	// stack's own inline policies within IAM's 10,240 characters per role.
	maxPermissionsPolicy = 6144
)

// permissionsConfig is the resolved spec.permissions with the stage's guards.
type permissionsConfig struct {
	Statements        []v1alpha1.PolicyStatementSpec
	ManagedPolicyARNs []string
	Guards            v1alpha1.PermissionsGuards
}

var (
	reAction           = regexp.MustCompile(`^[a-z0-9-]+:[A-Za-z0-9*?]+$`)
	reSid              = regexp.MustCompile(`^[A-Za-z0-9]+$`)
	reManagedPolicyARN = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9/+=,.@_-]+$`)
	reConditionOp      = regexp.MustCompile(`^((ForAllValues|ForAnyValue):)?([A-Za-z]+?)(IfExists)?$`)
	reConditionKey     = regexp.MustCompile(`^[A-Za-z0-9]+:[^\s]+$`)
)

// conditionOperators are IAM's condition operators (without ForAllValues:/ForAnyValue: and
// IfExists).
var conditionOperators = []string{
	"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
	"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
	"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
	"Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
}

func resolvePermissions(spec *v1alpha1.PermissionsSpec, stageCfg *v1alpha1.PermissionsGuards) permissionsConfig {
	spec = orZero(spec)
	return permissionsConfig{Statements: spec.Statements, ManagedPolicyARNs: spec.ManagedPolicyARNs, Guards: *orZero(stageCfg)}
}

// hasWildcard tells whether an IAM pattern matches more than itself.
func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// neverGranted is why action may never be granted on resources, whatever the stage allows;
// "" when it may be (subject to the stage's guards). Action names are case-insensitive.
//   - "*" and wildcard services: they include IAM and Organizations.
//   - IAM actions other than explicit Get*/List* reads: IAM writes can change the role's own
//     policies or boundary (Put/Attach/Delete...RolePolicy, CreatePolicyVersion,
//     SetDefaultPolicyVersion, ...RolePermissionsBoundary), pass a stronger role to a service
//     (PassRole), trust another principal (UpdateAssumeRolePolicy) or create credentials
//     (CreateAccessKey, CreateLoginProfile); an IAM wildcard includes them.
//   - Organizations actions: they reach beyond the account.
//   - sts:AssumeRole (or a wildcard matching it) on a resource with a wildcard: it would take
//     any role the trust policies allow, including stronger ones.
func neverGranted(action string, resources []string) string {
	svc, name, _ := strings.Cut(strings.ToLower(action), ":")
	switch {
	case action == "*" || hasWildcard(svc):
		return "a wildcard over every service includes IAM and Organizations and is never granted"
	case svc == "organizations":
		return "Organizations actions are never granted"
	case svc == "iam" && hasWildcard(name):
		return "IAM wildcards are never granted: they include actions that change the role's own permissions"
	case svc == "iam" && !strings.HasPrefix(name, "get") && !strings.HasPrefix(name, "list"):
		return "IAM actions other than Get*/List* reads are never granted: they can change the role's own policies, pass roles or create credentials"
	case svc == "sts":
		if ok, _ := path.Match(name, "assumerole"); ok && slices.ContainsFunc(resources, hasWildcard) {
			return "sts:AssumeRole on a wildcard resource is never granted: it would assume any role that trusts the account"
		}
	}
	return ""
}

// validatePermissions checks spec.permissions against the stage's guards and its account.
func validatePermissions(errs *fieldErrors, s *settings, stageCfg *v1alpha1.StageProfile) {
	p := &s.Permissions
	g := p.Guards
	if g.PermissionsBoundaryARN != "" && !reManagedPolicyARN.MatchString(g.PermissionsBoundaryARN) {
		errs.add("EnvironmentConfig data.permissions.permissionsBoundaryArn", "%q is not an IAM policy ARN", g.PermissionsBoundaryARN)
	}
	for _, a := range g.AllowedResourceAccountIDs {
		if !reAccount.MatchString(a) {
			errs.add("EnvironmentConfig data.permissions.allowedResourceAccountIds", "%q is not a 12-digit AWS account ID", a)
		}
	}
	for i, arn := range p.ManagedPolicyARNs {
		f := fmt.Sprintf("spec.permissions.managedPolicyArns[%d]", i)
		switch {
		case !reManagedPolicyARN.MatchString(arn):
			errs.add(f, "%q is not an IAM policy ARN", arn)
		case !slices.Contains(g.AllowedManagedPolicyARNs, arn):
			errs.add(f, "%s is not allowed on stage %s: the platform lists the managed policies a request may attach in data.permissions.allowedManagedPolicyArns of the stage's EnvironmentConfig", arn, s.Stage)
		case slices.Index(p.ManagedPolicyARNs, arn) != i:
			errs.add(f, "%s is listed twice", arn)
		}
	}
	sids := map[string]bool{}
	for i, st := range p.Statements {
		f := fmt.Sprintf("spec.permissions.statements[%d]", i)
		if st.Effect != "" && st.Effect != "Allow" {
			errs.add(f+".effect", "%q: only Allow statements may be given", st.Effect)
		}
		if st.Sid != "" {
			if !reSid.MatchString(st.Sid) {
				errs.add(f+".sid", "%q must contain only letters and digits", st.Sid)
			}
			if sids[st.Sid] {
				errs.add(f+".sid", "%q is used twice", st.Sid)
			}
			sids[st.Sid] = true
		}
		if len(st.Actions) == 0 {
			errs.add(f+".actions", "needs at least one action")
		}
		if len(st.Resources) == 0 {
			errs.add(f+".resources", "needs at least one resource ARN")
		}
		for _, a := range st.Actions {
			if a != "*" && !reAction.MatchString(a) {
				errs.add(f+".actions", "%q is not an IAM action like dynamodb:GetItem", a)
				continue
			}
			if why := neverGranted(a, st.Resources); why != "" {
				errs.add(f+".actions", "%s: %s", a, why)
				continue
			}
			if hasWildcard(a) && (g.AllowWildcardActions == nil || !*g.AllowWildcardActions) {
				errs.add(f+".actions", "%s is a wildcard action; list the actions the function needs (stage %s does not set data.permissions.allowWildcardActions)", a, s.Stage)
			}
		}
		for _, r := range st.Resources {
			checkStatementResource(errs, s, stageCfg, f+".resources", r)
		}
		seen := map[string]bool{}
		for j, c := range st.Conditions {
			cf := fmt.Sprintf("%s.conditions[%d]", f, j)
			if m := reConditionOp.FindStringSubmatch(c.Operator); m == nil || !slices.Contains(conditionOperators, m[3]) {
				errs.add(cf+".operator", "%q is not an IAM condition operator (e.g. StringEquals, ArnLike, IpAddress, Bool, with an optional ForAllValues:/ForAnyValue: prefix or IfExists suffix)", c.Operator)
			}
			if !reConditionKey.MatchString(c.Key) {
				errs.add(cf+".key", "%q is not a condition key like aws:SourceVpce", c.Key)
			}
			if len(c.Values) == 0 {
				errs.add(cf+".values", "needs at least one value")
			}
			if seen[c.Operator+" "+c.Key] {
				errs.add(cf, "%s %s is given twice in the statement; list all its values in one condition", c.Operator, c.Key)
			}
			seen[c.Operator+" "+c.Key] = true
		}
	}
	if doc, ok := (&builder{s: s}).permissionsPolicy(); ok {
		if n := len(policyJSON(doc)); n > maxPermissionsPolicy {
			errs.add("spec.permissions.statements", "the policy takes %d characters, more than the %d left for it within IAM's limit of inline policies per role; use fewer or shorter statements", n, maxPermissionsPolicy)
		}
	}
}

// checkStatementResource refuses a resource outside what the stage grants: "*", ARNs whose
// account or service is a wildcard and ARNs matching every resource of a type (function:*,
// table/*, arn:aws:s3:::*/*: the name starts with a wildcard) need allowWildcardResources; an
// ARN naming an account must name the stage's (or one of allowedResourceAccountIds); on a
// shared account every resource the ARN can match must be the namespace's own or granted
// (checkOwned, ownership.go), else a secret must be under the namespace's secret name prefix.
// ARNs without an account (S3) are checked only on a shared account, where they must be granted.
func checkStatementResource(errs *fieldErrors, s *settings, stageCfg *v1alpha1.StageProfile, field, r string) {
	wildOK := s.Permissions.Guards.AllowWildcardResources != nil && *s.Permissions.Guards.AllowWildcardResources
	if r == "*" {
		switch {
		case s.Ownership.Shared:
			errs.add(field, "\"*\" (every resource) reaches other namespaces' resources: %s, so it is never granted there; name the resources' ARNs", s.sharedAccount())
		case !wildOK:
			errs.add(field, "\"*\" (every resource) is refused on stage %s; name the resources' ARNs (data.permissions.allowWildcardResources allows it)", s.Stage)
		}
		return
	}
	a, ok := parseARN(r)
	if !ok || a.prefix != "arn" || a.service == "" {
		errs.add(field, "%q is not an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)", r)
		return
	}
	if want := partition(s.Region); a.partition != want {
		errs.add(field, "%s is in partition %s, the stack in %s", r, a.partition, want)
		return
	}
	acct := a.account
	switch {
	case hasWildcard(a.service) || hasWildcard(acct):
		if !wildOK {
			errs.add(field, "%s has a wildcard service or account, so it reaches resources of any account; name the account (data.permissions.allowWildcardResources allows it)", r)
			return
		}
	case strings.Trim(a.resource, "*") == "":
		if !wildOK {
			errs.add(field, "%s is every resource of the service, as good as \"*\"; name the resources (data.permissions.allowWildcardResources allows it)", r)
			return
		}
	case leadingWildcard(a):
		if !wildOK {
			errs.add(field, "%s matches every resource of its type (its name starts with a wildcard), as good as \"*\"; name the resources or a name prefix (data.permissions.allowWildcardResources allows it)", r)
			return
		}
	case acct == "" || acct == "aws" || !s.StageConfigured:
	case slices.Contains(s.Permissions.Guards.AllowedResourceAccountIDs, acct):
		return // another account the platform lets the stage reach: not the shared one
	case stageCfg.AccountID == "":
		errs.add(field, "%s names account %s, but stage %s's EnvironmentConfig names no account (data.accountId), so no account can be granted", r, acct, s.Stage)
		return
	case acct != stageCfg.AccountID:
		errs.add(field, "%s is in account %s, not in stage %s's account %s (data.permissions.allowedResourceAccountIds lists others a stage may reach)", r, acct, s.Stage, stageCfg.AccountID)
		return
	}
	if s.Ownership.Shared {
		checkOwned(errs, s, field, "resource", r)
		return
	}
	if a.service == "secretsmanager" && s.SecretNamePrefix != "" {
		if name := secretNameOfARN(r); !strings.HasPrefix(name, s.SecretNamePrefix) {
			errs.add(field, "secret %q is not under this namespace's prefix %q (data.secretNamePrefix of stage %s)", name, s.SecretNamePrefix, s.Stage)
		}
	}
}

// permissions composes an attachment per managed policy (spec.permissions.statements are part
// of the role's inline policy, permissionsPolicy).
func (b *builder) permissions() {
	for _, arn := range b.s.Permissions.ManagedPolicyARNs {
		b.attachPolicyARN(keyRoleManaged+managedPolicySlug(arn), arn)
	}
}

// managedPolicySlug is the key fragment of a managed policy: its account (or aws) and name,
// which identify it.
func managedPolicySlug(arn string) string {
	a, _ := parseARN(arn)
	acct := a.account
	_, name, _ := strings.Cut(arn, ":policy/")
	return fitName(slug(acct+"-"+name), maxSlug)
}

// permissionsPolicy is spec.permissions.statements as a policy document: statements in the
// request's order, their actions and resources sorted; none without statements.
func (b *builder) permissionsPolicy() (policyDocument, bool) {
	if len(b.s.Permissions.Statements) == 0 {
		return policyDocument{}, false
	}
	doc := policyDocument{Version: "2012-10-17"}
	for _, st := range b.s.Permissions.Statements {
		out := statement{Sid: st.Sid, Effect: "Allow", Action: uniqueSorted(st.Actions), Resource: uniqueSorted(st.Resources)}
		for _, c := range st.Conditions {
			if out.Condition == nil {
				out.Condition = map[string]any{}
			}
			op, _ := out.Condition[c.Operator].(map[string]any)
			if op == nil {
				op = map[string]any{}
				out.Condition[c.Operator] = op
			}
			op[c.Key] = append([]string(nil), c.Values...)
		}
		doc.Statement = append(doc.Statement, out)
	}
	return doc, true
}
