package fn

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Logs for the team (docs/app-teams.md, lambdastack logs): teams hold no AWS keys for the
// stack's account, so where the stage's EnvironmentConfig names who may read logs
// (data.logsAccess.principalArns, the platform's word: a request cannot name principals), each
// stack gets a read-only role:
//
//   - trusted by the accounts of those principals, for callers whose ARN matches one of the
//     patterns (Condition ArnLike aws:PrincipalArn) with {namespace} replaced by the stack's
//     namespace. Naming the account rather than the role keeps the role valid while a team's
//     role does not exist yet (IAM refuses a trust policy naming a missing role) and when it is
//     recreated;
//   - allowed only logs:FilterLogEvents, logs:GetLogEvents and logs:StartLiveTail on the stack's
//     own log groups (the function's and the API's access logs, in every region), in one inline
//     policy on the role: one object per stack.
//
// Its ARN goes to status.logsRoleArn and the outputs ConfigMap (logsRoleArn).

// keyLogsReader is the key of the logs role.
const keyLogsReader = "logs-reader"

// logsReadActions are the only actions of the logs role.
var logsReadActions = []string{"logs:FilterLogEvents", "logs:GetLogEvents", "logs:StartLiveTail"}

// maxLogsPrincipals bounds data.logsAccess.principalArns (one trust policy holds them all);
// maxTrustPolicy is IAM's default quota of a role's trust policy, in characters.
const (
	maxLogsPrincipals = 10
	maxTrustPolicy    = 2048
)

// reLogsPrincipal is an IAM role or user ARN pattern in a named account: ArnLike wildcards (* ?)
// and {namespace} in its path and name.
var reLogsPrincipal = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::([0-9]{12}):(role|user)/[A-Za-z0-9+=,.@_/{}*?-]+$`)

// logsAccessConfig is who may assume the stack's logs role.
type logsAccessConfig struct {
	// Principals are the ARN patterns of data.logsAccess.principalArns with {namespace} replaced,
	// sorted and unique.
	Principals []string
}

// resolveLogsAccess checks the stage's principal patterns and replaces {namespace} with the
// owner namespace. nil when the stage names none. A stack without an owner namespace (an
// XLambdaStack created without a claim) keeps only the patterns without {namespace}.
func resolveLogsAccess(c *v1alpha1.LogsAccessSettings, owner string) (*logsAccessConfig, error) {
	if c == nil || len(c.PrincipalARNs) == 0 {
		return nil, nil
	}
	const field = "EnvironmentConfig data.logsAccess.principalArns"
	var errs fieldErrors
	if len(c.PrincipalARNs) > maxLogsPrincipals {
		errs.add(field, "names %d principals, at most %d", len(c.PrincipalARNs), maxLogsPrincipals)
	}
	var principals []string
	for i, p := range c.PrincipalARNs {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !reLogsPrincipal.MatchString(p) {
			errs.add(f, "%q is not an IAM role or user ARN in a named account (arn:aws:iam::<account>:role/<path and name>, * and ? as wildcards, {namespace} for the stack's namespace)", p)
			continue
		}
		if msg := namespaceDelimited(p); msg != "" {
			errs.add(f, "%q: %s", p, msg)
			continue
		}
		if strings.Contains(p, namespacePlaceholder) && owner == "" {
			continue
		}
		principals = append(principals, strings.ReplaceAll(p, namespacePlaceholder, owner))
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	if len(principals) == 0 {
		return nil, nil
	}
	la := &logsAccessConfig{Principals: uniqueSorted(principals)}
	if n := len(logsTrustPolicy(la.Principals)); n > maxTrustPolicy {
		return nil, fmt.Errorf("%s: the logs role's trust policy would be %d characters for namespace %s, IAM allows %d: name fewer or shorter patterns", field, n, owner, maxTrustPolicy)
	}
	return la, nil
}

// namespaceDelimited explains why the {namespace} placeholders of an ARN pattern could match
// another namespace's principals, "" when they cannot: each must sit between characters that no
// namespace name contains (lower-case letters, digits and '-' may continue a name; a wildcard
// may stand for anything), else team-a's pattern would match team-ab's roles. Braces other than
// {namespace} are refused too.
func namespaceDelimited(p string) string {
	rest := strings.ReplaceAll(p, namespacePlaceholder, "")
	if strings.ContainsAny(rest, "{}") {
		return "the only placeholder is {namespace}"
	}
	inName := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '*' || c == '?'
	}
	for i := 0; ; {
		j := strings.Index(p[i:], namespacePlaceholder)
		if j < 0 {
			return ""
		}
		start, end := i+j, i+j+len(namespacePlaceholder)
		if inName(p[start-1]) || end < len(p) && inName(p[end]) {
			return "{namespace} must sit between characters no namespace name contains (such as _ or /), not next to a letter, digit, '-' or wildcard, so that it never matches another namespace's principals"
		}
		i = end
	}
}

// logsAccess composes the stack's read-only logs role where the stage names who may assume it.
func (b *builder) logsAccess() {
	if b.s.LogsAccess == nil {
		return
	}
	b.add(b.managed(keyLogsReader, "iam", "Role", mrOpts{externalName: b.name(maxRoleName, "logs-reader"), taggable: true}, map[string]any{
		"assumeRolePolicy": logsTrustPolicy(b.s.LogsAccess.Principals),
		"description":      "Reads the logs of the " + b.s.Stage + " " + b.s.App + " stack (LambdaStack, lambdastack logs)",
		"inlinePolicy": []any{map[string]any{
			"name":   "read-stack-logs",
			"policy": policyJSON(b.logsReadPolicy()),
		}},
	}))
}

// logsTrustPolicy trusts the accounts of principals, for callers matching them.
func logsTrustPolicy(principals []string) string {
	var accounts []string
	for _, p := range principals {
		a, _ := parseARN(p)
		accounts = append(accounts, newARN(a.partition, "iam", "", a.account, "root"))
	}
	return policyJSON(policyDocument{Version: "2012-10-17", Statement: []statement{{
		Sid:       "TeamReadsStackLogs",
		Effect:    "Allow",
		Principal: map[string]any{"AWS": uniqueSorted(accounts)},
		Action:    []string{"sts:AssumeRole"},
		Condition: map[string]any{"ArnLike": map[string]any{"aws:PrincipalArn": principals}},
	}}})
}

// logsReadPolicy allows reading the stack's own log groups and nothing else: each group (what
// FilterLogEvents and StartLiveTail name) and its streams (GetLogEvents).
func (b *builder) logsReadPolicy() policyDocument {
	var resources []string
	for _, g := range b.stackLogGroups() {
		group := b.arnPattern("logs", g.region, "log-group:"+g.name)
		resources = append(resources, group, group+":*")
	}
	return policyDocument{Version: "2012-10-17", Statement: []statement{{
		Sid: "ReadOwnLogs", Effect: "Allow", Action: logsReadActions, Resource: uniqueSorted(resources),
	}}}
}

// stackLogGroup is one log group the stack composes.
type stackLogGroup struct{ key, region, name string }

// stackLogGroups are the log groups of the stack: the function's in every region (lambda.go)
// and, with the HTTP API, its access logs in every region (api.go).
func (b *builder) stackLogGroups() []stackLogGroup {
	var out []stackLogGroup
	b.regional(func(region, suffix string) {
		out = append(out, stackLogGroup{KeyLogGroup + suffix, region, b.logGroupName()})
		if b.s.API.Enabled {
			out = append(out, stackLogGroup{keyAPILogGroup + suffix, region, b.apiLogGroupName()})
		}
	})
	return out
}

// logsRoleStatus is the ARN of the logs role once observed.
func (b *builder) logsRoleStatus() string {
	if b.s.LogsAccess == nil {
		return ""
	}
	return b.o.atProvider(keyLogsReader, "arn")
}
