package fn

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"

	"github.com/spec3/lambdastack/internal/awspolicies"
)

// Least privilege: no IAM statement the function emits has a wildcard action, a NotAction, or
// the resource "*" (except for the actions AWS allows only on "*", wildcardResourceActions).
// The test walks every string of every composed resource of many generated stacks (before and
// after the provider reports values back) and checks each one that is a policy document (an
// object with a Statement), whatever field holds it, and the document of every AWS managed
// policy attached (policyArn), as AWS publishes it.

// managedPolicyProblems checks the document of an attached AWS managed policy, as AWS publishes
// it (internal/awspolicies). A managed policy not listed there is a problem: its permissions
// would go unchecked.
func managedPolicyProblems(arn, path string) []string {
	if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, ":iam::aws:policy/") {
		return []string{path + ": " + arn + " is not an AWS managed policy"}
	}
	doc, ok := awspolicies.Document(arn)
	if !ok {
		return []string{path + ": managed policy " + arn + " has no known document to check"}
	}
	return statementProblems(doc, path+" ("+arn+")")
}

// policyFields must hold policy documents where they appear.
var policyFields = map[string]bool{"assumeRolePolicy": true, "policy": true}

// policyProblems lists what is wrong with the policy documents in v (a composed object).
func policyProblems(v any, path string) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			p := path + "." + k
			if s, ok := x.(string); ok && policyFields[k] {
				if !looksLikePolicy(s) {
					out = append(out, p+": not a policy document: "+s)
					continue
				}
			}
			if s, ok := x.(string); ok && k == "policyArn" {
				out = append(out, managedPolicyProblems(s, p)...)
				continue
			}
			out = append(out, policyProblems(x, p)...)
		}
	case []any:
		for i, x := range t {
			out = append(out, policyProblems(x, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case string:
		if looksLikePolicy(t) {
			out = append(out, statementProblems(t, path)...)
		}
	}
	return out
}

func looksLikePolicy(s string) bool {
	var doc map[string]any
	if json.Unmarshal([]byte(s), &doc) != nil {
		return false
	}
	_, ok := doc["Statement"]
	return ok
}

// escalations are what no policy of the stack may ever allow, whatever the stage grants (the
// test's own statement of the rule fn.neverGranted enforces): "*" or a wildcard service, IAM
// actions other than explicit Get*/List* reads, Organizations actions, and sts:AssumeRole (or a
// wildcard matching it) on a resource with a wildcard.
func escalations(actions, resources []string) []string {
	var out []string
	wildRes := false
	for _, r := range resources {
		wildRes = wildRes || strings.ContainsAny(r, "*?")
	}
	for _, a := range actions {
		svc, name, _ := strings.Cut(strings.ToLower(a), ":")
		switch {
		case a == "*" || strings.ContainsAny(svc, "*?"):
			out = append(out, "every service: "+a)
		case svc == "organizations":
			out = append(out, "organizations: "+a)
		case svc == "iam" && (strings.ContainsAny(name, "*?") || !(strings.HasPrefix(name, "get") || strings.HasPrefix(name, "list"))):
			out = append(out, "IAM beyond reads: "+a)
		case svc == "sts" && wildRes && matches(name, "assumerole"):
			out = append(out, "sts:AssumeRole on a wildcard: "+a)
		}
	}
	return out
}

// escalationProblems lists the statements of policy document s that allow an escalation.
func escalationProblems(s, path string) []string {
	var doc struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return []string{path + ": Statement is not a list of statements: " + err.Error()}
	}
	var out []string
	for i, st := range doc.Statement {
		if st["Effect"] == "Deny" {
			continue
		}
		for _, e := range escalations(stringsOf(st["Action"]), stringsOf(st["Resource"])) {
			out = append(out, fmt.Sprintf("%s Statement[%d]: never allowed: %s", path, i, e))
		}
	}
	return out
}

func statementProblems(s, path string) []string {
	var doc struct {
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		return []string{path + ": Statement is not a list of statements: " + err.Error()}
	}
	out := escalationProblems(s, path)
	for i, st := range doc.Statement {
		where := fmt.Sprintf("%s Statement[%d]", path, i)
		if _, ok := st["NotAction"]; ok {
			out = append(out, where+": NotAction allows everything else")
		}
		if _, ok := st["NotResource"]; ok {
			out = append(out, where+": NotResource")
		}
		actions := stringsOf(st["Action"])
		if len(actions) == 0 {
			out = append(out, where+": no Action")
		}
		for _, a := range actions {
			if strings.Contains(a, "*") || strings.Contains(a, "?") {
				out = append(out, where+": wildcard action "+a)
			}
		}
		for _, r := range stringsOf(st["Resource"]) {
			if r != "*" {
				continue
			}
			for _, a := range actions {
				if !slices.Contains(wildcardResourceActions, a) {
					out = append(out, where+": Resource * for "+a)
				}
			}
			if len(actions) == 0 {
				out = append(out, where+": Resource *")
			}
		}
	}
	return out
}

func stringsOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			s, _ := x.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

func TestPolicyCheckerFindsWildcards(t *testing.T) {
	cases := map[string]struct {
		obj  map[string]any
		want string
	}{
		"service wildcard":       {map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::b"]}]}`}, "wildcard action s3:*"},
		"star":                   {map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b"}]}`}, "wildcard action *"},
		"partial wildcard":       {map[string]any{"x": []any{`{"Statement":[{"Action":["secretsmanager:Get*"]}]}`}}, "wildcard action secretsmanager:Get*"},
		"not action":             {map[string]any{"policy": `{"Statement":[{"NotAction":["iam:PassRole"]}]}`}, "NotAction"},
		"resource star":          {map[string]any{"assumeRolePolicy": `{"Statement":[{"Action":["sts:AssumeRole"],"Resource":"*"}]}`}, "Resource * for sts:AssumeRole"},
		"star beside a describe": {map[string]any{"policy": `{"Statement":[{"Action":["ec2:DescribeSubnets","ec2:CreateNetworkInterface"],"Resource":"*"}]}`}, "Resource * for ec2:CreateNetworkInterface"},
		"basic execution role":   {map[string]any{"policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}, "Resource * for logs:CreateLogGroup"},
		"VPC access role":        {map[string]any{"policyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"}, "no known document"},
		"customer policy":        {map[string]any{"policyArn": "arn:aws:iam::123456789012:policy/admin"}, "not an AWS managed policy"},
		"not a policy":           {map[string]any{"policy": `{}`}, "not a policy document"},
		"iam write":              {map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":["iam:PassRole"],"Resource":["arn:aws:iam::1:role/a"]}]}`}, "never allowed: IAM beyond reads: iam:PassRole"},
		"organizations":          {map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":["organizations:ListAccounts"],"Resource":["arn:aws:organizations::1:account/x"]}]}`}, "never allowed: organizations"},
		"assume any role":        {map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":["sts:AssumeRole"],"Resource":["arn:aws:iam::1:role/*"]}]}`}, "never allowed: sts:AssumeRole on a wildcard"},
		"assume by wildcard":     {map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":["sts:Assume*"],"Resource":["arn:aws:iam::1:role/*"]}]}`}, "never allowed: sts:AssumeRole on a wildcard"},
		"nested in an array":     {map[string]any{"spec": map[string]any{"inlinePolicy": []any{map[string]any{"policy": `{"Statement":[{"Action":"kms:*"}]}`}}}}, "kms:*"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := strings.Join(policyProblems(tc.obj, ""), "\n")
			if !strings.Contains(got, tc.want) {
				t.Errorf("problems %q, want one with %q", got, tc.want)
			}
		})
	}
	if p := policyProblems(map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["arn:aws:kms:us-east-1:1:key/x"]}]}`}, ""); len(p) != 0 {
		t.Errorf("a narrow policy is reported: %v", p)
	}
	if p := policyProblems(map[string]any{"policy": `{"Statement":[{"Effect":"Allow","Action":["iam:GetRole","sts:AssumeRole"],"Resource":["arn:aws:iam::1:role/reader"]}]}`}, ""); len(p) != 0 {
		t.Errorf("an IAM read and assuming one named role are reported: %v", p)
	}
	if p := policyProblems(map[string]any{"policyArn": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"}, ""); len(p) != 0 {
		t.Errorf("X-Ray's write policy (actions AWS allows only on *) is reported: %v", p)
	}
}

// The stage's opt-in to AWSLambdaBasicExecutionRole is the one way to get logs on "*", and the
// walk sees it.
func TestManagedLogPolicyOnlyWhereTheStageOptsIn(t *testing.T) {
	opted := settingsFor(t, xrObject(nil), envConfig("stage-dev", "dev", map[string]any{"managedLogPolicy": true}))
	m := byKey(t, opted)
	if p, _ := fp(m[keyRolePolicy], "policy").(string); strings.Contains(p, "WriteOwnLogs") {
		t.Error("inline log statement composed although the stage attaches the managed one")
	}
	if got := strings.Join(policyProblems(m[keyRoleBasic], keyRoleBasic), "\n"); !strings.Contains(got, "Resource * for logs:PutLogEvents") {
		t.Errorf("the walk does not see the managed policy's Resource *: %q", got)
	}
	def := byKey(t, settingsFor(t, xrObject(map[string]any{"regions": []any{"us-east-1", "eu-west-1"},
		"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "a-{region}", "key": "k.zip"}}}}), nil))
	if _, ok := def[keyRoleBasic]; ok {
		t.Error("AWSLambdaBasicExecutionRole attached without the stage opting in")
	}
	d := policyDocument{Statement: grantOf(t, def, "WriteOwnLogs")}
	want := []string{
		"arn:aws:logs:eu-west-1:*:log-group:/aws/lambda/team_dev_mcp:*",
		"arn:aws:logs:us-east-1:*:log-group:/aws/lambda/team_dev_mcp:*",
	}
	if len(d.Statement) != 1 || !slices.Equal(d.Statement[0].Resource, want) || !slices.Equal(d.Statement[0].Action, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) {
		t.Errorf("log policy %+v, want CreateLogStream and PutLogEvents on %v", d.Statement, want)
	}
}

// The network policy's only "*" is the Describe calls; creating and managing interfaces is
// limited to the stack's subnets.
func TestNetworkPolicyIsNarrow(t *testing.T) {
	m := byKey(t, settingsFor(t, xrObject(map[string]any{"network": map[string]any{"subnetIds": []any{"subnet-0a1b2c3d4e5f60718"}, "securityGroupIds": []any{"sg-0c1d2e3f4a5b60710"}}}), nil))
	d := policyDocument{Statement: grantOf(t, m, "CreateInterfacesInStackSubnets", "ManageInterfacesInStackSubnets", "DescribeNetwork")}
	var stars []string
	for _, st := range d.Statement {
		if slices.Contains(st.Resource, "*") {
			stars = append(stars, st.Action...)
		}
	}
	if !slices.Equal(stars, []string{"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}) {
		t.Errorf("actions on *: %v", stars)
	}
	create := d.Statement[0]
	wantCreate := []string{"arn:aws:ec2:us-east-1:*:network-interface/*", "arn:aws:ec2:us-east-1:*:subnet/subnet-0a1b2c3d4e5f60718", "arn:aws:ec2:us-east-1:*:security-group/sg-0c1d2e3f4a5b60710"}
	if !slices.Equal(create.Action, []string{"ec2:CreateNetworkInterface"}) || !slices.Equal(create.Resource, wantCreate) {
		t.Errorf("create statement %+v", create)
	}
	if c := fmt.Sprint(d.Statement[1].Condition); !strings.Contains(c, "ec2:Subnet") || !strings.Contains(c, "subnet/subnet-0a1b2c3d4e5f60718") {
		t.Errorf("managing interfaces is not limited to the stack's subnets: %v", c)
	}
}

// riskyGrants are wildcards, other accounts and escalations: some a permissive stage accepts,
// some never.
var riskyGrants = []grant{
	{[]any{"*"}, []any{"*"}},
	{[]any{"s3:*"}, []any{"*"}},
	{[]any{"s3:Get*", "s3:List*"}, []any{"arn:aws:s3:::assets/*"}},
	{[]any{"iam:*"}, []any{"*"}},
	{[]any{"iam:PassRole"}, []any{"arn:aws:iam::123456789012:role/admin"}},
	{[]any{"iam:Put*"}, []any{"arn:aws:iam::123456789012:role/x"}},
	{[]any{"iam:CreateAccessKey"}, []any{"*"}},
	{[]any{"organizations:*"}, []any{"*"}},
	{[]any{"organizations:DescribeOrganization"}, []any{"*"}},
	{[]any{"sts:AssumeRole"}, []any{"*"}},
	{[]any{"sts:AssumeRole"}, []any{"arn:aws:iam::123456789012:role/*"}},
	{[]any{"sts:Assume?ole"}, []any{"arn:aws:iam::*:role/x"}},
	{[]any{"sts:*"}, []any{"arn:aws:iam::123456789012:role/reader"}},
	{[]any{"*:Get*"}, []any{"arn:aws:s3:::assets/*"}},
	{[]any{"kms:Decrypt"}, []any{"arn:aws:kms:us-east-1:999999999999:key/x"}},
	{[]any{"kms:Decrypt"}, []any{"arn:aws:kms:us-east-1:555555555555:key/x"}},
}

// Whatever a stage allows, the policies the function composes never allow an escalation: every
// risky statement is either refused or granted only within what the stage allows.
func TestOwnPermissionsNeverEscalate(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	pool := append(append([]grant(nil), narrowGrants...), riskyGrants...)
	permissive := envConfig("stage-dev", "dev", map[string]any{"accountId": testAccount, "permissions": map[string]any{
		"allowWildcardActions": true, "allowWildcardResources": true, "allowedResourceAccountIds": []any{"999999999999"},
	}})
	strict := envConfig("stage-dev", "dev", map[string]any{"accountId": testAccount})
	refused, composed := 0, 0
	for i := range 300 {
		env, isStrict := permissive, i%2 == 1
		if isStrict {
			env = strict
		}
		xr := xrObject(map[string]any{"permissions": randomPermissions(rng, pool, 1+rng.IntN(2))})
		req := newRequest(t, xr, []map[string]any{env}, nil)
		rsp := run(t, req)
		if len(rsp.GetResults()) > 0 && rsp.GetResults()[0].GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			refused++
			continue
		}
		composed++
		for key, r := range rsp.GetDesired().GetResources() {
			obj := r.GetResource().AsMap()
			var problems []string
			if isStrict {
				problems = policyProblems(obj, key)
			} else {
				problems = escalationsIn(obj, key)
			}
			for _, p := range problems {
				t.Errorf("stack %d: %s", i, p)
			}
		}
	}
	if refused < 30 || composed < 30 {
		t.Errorf("refused %d, composed %d: the pool does not exercise both", refused, composed)
	}
}

// escalationsIn walks every policy document of a composed object for escalations only.
func escalationsIn(v any, path string) []string {
	var out []string
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			out = append(out, escalationsIn(x, path+"."+k)...)
		}
	case []any:
		for i, x := range t {
			out = append(out, escalationsIn(x, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case string:
		if looksLikePolicy(t) {
			out = append(out, escalationProblems(t, path)...)
		}
	}
	return out
}

func TestNoWildcardActions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 14))
	documents := 0
	for i := range 300 {
		xr := randomStack(rng)
		s := settingsFor(t, xr, nil)
		var o observedState
		for round := range 3 { // first reconcile, then with the simulated provider's values
			r, err := plan(s, o)
			if err != nil {
				t.Fatal(err)
			}
			out := r.Resources
			for _, c := range out {
				for _, p := range policyProblems(c.Object, c.Key) {
					t.Errorf("stack %d round %d: %s", i, round, p)
				}
				documents += countPolicies(c.Object)
			}
			o = simulateObserved(out)
		}
	}
	if documents < 600 {
		t.Errorf("only %d policy documents checked", documents)
	}
}

func countPolicies(v any) int {
	n := 0
	switch t := v.(type) {
	case map[string]any:
		for _, x := range t {
			n += countPolicies(x)
		}
	case []any:
		for _, x := range t {
			n += countPolicies(x)
		}
	case string:
		if looksLikePolicy(t) {
			n++
		}
	}
	return n
}

// Rule 9 of docs/tenancy.md as a property of the composed policies: for random requests of
// team-b on the stage it shares with team-a (and with team-b-x, whose name begins with
// team-b), no statement any composed policy allows can match a resource of another namespace
// unless the stage grants it, whatever the request names, before and after the provider reports
// the account. The probes are such resources, one or more per kind a request can name; the
// matcher is IAM's (* any run of characters, ? one), written here independently of fn's.
func TestTeamPoliciesStayInTheirNamespace(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 9))
	const acct = sharedAcct
	arn := func(svc, res string) string { return "arn:aws:" + svc + ":us-east-1:" + acct + ":" + res }
	var probes []string
	for _, other := range []string{"team-a", "team-b-x"} {
		probes = append(probes,
			arn("lambda", "function:"+other+"_dev_mcp"), arn("lambda", "function:"+other+"_dev_mcp:live"), arn("lambda", "layer:"+other+"_deps:1"),
			arn("logs", "log-group:/aws/lambda/"+other+"_dev_mcp"), arn("logs", "log-group:/aws/lambda/"+other+"_dev_mcp:log-stream:x"),
			arn("sqs", other+"_dev_mcp_sqs-jobs"), arn("sqs", other+"_jobs"), arn("sns", other+"_pager"), arn("dynamodb", "table/"+other+"_orders"),
			arn("secretsmanager", "secret:"+other+"/db-AbCdEf"), arn("events", "event-bus/"+other+"_bus"), arn("ecr", "repository/"+other+"/mcp"),
			"arn:aws:iam::"+acct+":role/"+other+"_dev_mcp_role", "arn:aws:s3:::artifacts/"+other+"/mcp.zip", "arn:aws:s3:::"+other+"-data/x")
	}
	probes = append(probes, arn("kms", "key/0a0a0a0a-1111-2222-3333-444444444444"), arn("events", "event-bus/default"), "arn:aws:s3:::platform-data/x")

	pick := func(opts ...string) string { return opts[rng.IntN(len(opts))] }
	// what team-b may name (its own, what the stage grants) and what it may not
	own := []string{
		arn("lambda", "function:team-b_dev_mcp"), arn("lambda", "function:team-b_*"), arn("logs", "log-group:/aws/lambda/team-b_*"),
		arn("sqs", "team-b_*"), arn("dynamodb", "table/shared_orders"), arn("dynamodb", "table/team-b_orders/index/*"),
		arn("secretsmanager", "secret:team-b/*"), arn("kms", "key/0b0b0b0b-1111-2222-3333-444444444444"), "arn:aws:s3:::artifacts/team-b/*",
		"arn:aws:iam::" + acct + ":role/team-b_*", "arn:aws:lambda:us-?ast-1:" + acct + ":function:team-b_dev_*",
	}
	others := []string{
		arn("lambda", "function:team-a_dev_mcp"), arn("lambda", "function:team-b*"), arn("lambda", "function:team-?_*"), arn("lambda", "function:*"),
		arn("lambda", "*"), arn("lambda", "?*"), "arn:aws:lambda:*:*:function:team-b_*", arn("logs", "log-group:/aws/lambda/team-a_dev_mcp:*"),
		arn("logs", "log-group:*"), arn("sqs", "team-a_jobs"), arn("sqs", "team-*"), arn("dynamodb", "table/*"), arn("secretsmanager", "secret:team-a/db-AbCdEf"),
		arn("secretsmanager", "secret:team-b*"), arn("kms", "key/*"), "arn:aws:s3:::artifacts/*", "arn:aws:s3:::*/*", "arn:aws:s3:::team-a-data/*", "*",
		"arn:aws:iam::" + acct + ":role/*",
	}
	resource := func() string {
		if rng.IntN(8) == 0 {
			return pick(others...)
		}
		return pick(own...)
	}
	actions := []string{"lambda:InvokeFunction", "sqs:SendMessage", "dynamodb:GetItem", "s3:GetObject", "secretsmanager:GetSecretValue", "logs:PutSubscriptionFilter", "kms:Decrypt", "iam:GetRole", "sqs:*"}
	queue := func() string {
		if rng.IntN(4) == 0 {
			return pick(arn("sqs", "team-a_jobs"), arn("sqs", "team-b-x_jobs"))
		}
		return arn("sqs", "team-b_jobs")
	}

	refused, composed, statements := 0, 0, 0
	for i := range 300 {
		spec := map[string]any{}
		var st []any
		for range 1 + rng.IntN(3) {
			st = append(st, map[string]any{"actions": []any{pick(actions...)}, "resources": []any{resource(), resource()}})
		}
		spec["permissions"] = map[string]any{"statements": st}
		if rng.IntN(2) == 0 {
			spec["triggers"] = map[string]any{"sqs": []any{map[string]any{"name": "jobs", "queueArn": queue()}}}
		}
		switch rng.IntN(3) {
		case 0:
			spec["async"] = map[string]any{"onFailureArn": pick(queue(), queue(), arn("events", "event-bus/default"), arn("sns", "team-b_failed"))}
		case 1:
			spec["async"] = map[string]any{"failureQueue": true}
		}
		if rng.IntN(2) == 0 {
			sec := map[string]any{"name": "db", "arn": pick(arn("secretsmanager", "secret:team-a/db-AbCdEf"), arn("secretsmanager", "secret:team-b/db-AbCdEf"), arn("secretsmanager", "secret:team-b/db-AbCdEf"))}
			if rng.IntN(2) == 0 {
				sec["kmsKeyArn"] = pick(arn("kms", "key/0a0a0a0a-1111-2222-3333-444444444444"), arn("kms", "key/0b0b0b0b-1111-2222-3333-444444444444"), arn("kms", "key/0b0b0b0b-1111-2222-3333-444444444444"))
			}
			spec["secrets"] = []any{sec}
		}
		guards := map[string]any{"permissionsBoundaryArn": testBoundary}
		if rng.IntN(2) == 0 {
			guards["allowWildcardResources"], guards["allowWildcardActions"] = true, true
		}
		env := sharedDev(map[string]any{"namespaces": []any{"team-a", "team-b", "team-b-x"}, "permissions": guards})[0]
		s, err := resolveRequest(t, teamB(spec), env)
		if err != nil {
			refused++
			continue
		}
		composed++
		var grants []string
		for _, g := range s.Ownership.Grants {
			grants = append(grants, g)
		}
		var o observedState
		for round := range 2 { // before and after the simulated provider reports the account
			r, err := plan(s, o)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range r.Resources {
				if c.Object["kind"] == "Role" && fp(c.Object, "permissionsBoundary") != testBoundary {
					t.Errorf("stack %d: role %s without the stage's boundary", i, c.Key)
				}
				for _, doc := range policiesIn(c.Object) {
					for _, stmt := range doc.Statement {
						statements++
						for _, res := range stmt.Resource {
							for _, p := range probes {
								if iamMatch(res, p) && !slices.ContainsFunc(grants, func(g string) bool { return iamMatch(g, p) }) {
									t.Errorf("stack %d round %d: %s allows %v on %s, which matches %s of another namespace, not granted", i, round, c.Key, stmt.Action, res, p)
								}
							}
						}
					}
				}
			}
			o = simulateObserved(r.Resources)
		}
	}
	t.Logf("refused %d, composed %d, %d statements checked", refused, composed, statements)
	if refused < 50 || composed < 30 || statements < 300 {
		t.Errorf("refused %d, composed %d, %d statements checked: the requests do not exercise both", refused, composed, statements)
	}
}

// iamMatch tells whether IAM's pattern p (* any run of characters, ? one) matches s.
func iamMatch(p, s string) bool {
	re := "^" + strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(p)) + "$"
	return regexp.MustCompile(re).MatchString(s)
}

// policiesIn are the policy documents among the strings of a composed object.
func policiesIn(v any) []policyDocument {
	var out []policyDocument
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			out = append(out, policiesIn(t[k])...)
		}
	case []any:
		for _, x := range t {
			out = append(out, policiesIn(x)...)
		}
	case string:
		var d policyDocument
		if looksLikePolicy(t) && json.Unmarshal([]byte(t), &d) == nil {
			out = append(out, d)
		}
	}
	return out
}
