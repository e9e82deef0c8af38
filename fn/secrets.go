package fn

import (
	"sort"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Secrets: each of spec.secrets is an existing Secrets Manager secret (arn) or one the stack
// creates in the primary region (a Secret and a SecretVersion whose value the provider reads
// from a Kubernetes Secret: values never pass through the request). The function gets each ARN
// (never a value) in SECRET_<NAME>_ARN, in every region, and the role an inline policy that
// allows secretsmanager:GetSecretValue on exactly those secrets and kms:Decrypt on the given keys
// only, and only through Secrets Manager.
//
// The ARN of a created secret ends in six random characters AWS appends, so nobody can know it
// before the secret exists. The function therefore gets SECRET_<NAME>_ARN only once the
// provider has observed the secret's ARN (a variable holding a guess or a name would be worse: a
// function reading a wrong value at startup); until then the stack waits (not Ready, see
// deferred.go). The inline policy does not wait: until the ARN is observed it names the secret
// by its name and the six-character wildcard AWS documents for that purpose,
// arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-?????? (account * until known).

// Keys, names and policy parts of the secrets part.
const (
	keySecret        = "secret-"  // + name: a created Secret
	keySecretVersion = "-version" // secret-<name>-version: its value
	envSecretPrefix  = "SECRET_"  // SECRET_<NAME>_ARN
	envSecretSuffix  = "_ARN"
	secretSuffixGlob = "-??????" // the six random characters AWS appends to a secret's name
	kmsViaService    = "kms:ViaService"
	secretsPolicySid = "ReadStackSecrets"
	kmsPolicySid     = "DecryptStackSecrets"
)

// secrets composes the secrets the stack creates and the role's inline policy to read them all.
func (b *builder) secrets() {
	if len(b.s.Secrets) == 0 {
		return
	}
	for _, sec := range b.s.Secrets {
		if sec.Create != nil {
			b.add(b.secret(sec), b.secretVersion(sec))
		}
	}
	b.rolePolicy(KeyRoleInline, KeyRole, "secrets", b.secretsPolicy())
}

// secretName is the AWS name of a secret the stack creates: [<prefix>]<owner>_<stage>-<app>/<name>,
// under the stage's secret name prefix for the namespace when it sets one (tenancy.go).
func (b *builder) secretName(name string) string {
	return fitName(b.s.SecretNamePrefix+stackStem(b.s)+"/"+name, maxSecretName)
}

func (b *builder) secret(sec v1alpha1.SecretSpec) Composed {
	p := map[string]any{
		"name":        b.secretName(sec.Name),
		"description": firstStr(sec.Create.Description, "Secret "+sec.Name+" of the "+b.s.Stage+" "+b.s.App+" Lambda function (LambdaStack)"),
	}
	if sec.KMSKeyARN != "" {
		p["kmsKeyId"] = sec.KMSKeyARN
	}
	// The secret's id (its ARN) comes from AWS: no external name.
	return b.managed(keySecret+sec.Name, "secretsmanager", "Secret",
		mrOpts{region: b.s.Region, taggable: true, stateful: true}, p)
}

// secretVersion sets the secret's value from the Kubernetes Secret: in the request's namespace
// for the namespaced flavour (the reference has no namespace field there), in the given
// namespace for the legacy flavour (validate.go requires it). Stateful like its secret: deleting
// the stack does not remove the current value.
func (b *builder) secretVersion(sec v1alpha1.SecretSpec) Composed {
	src := sec.Create.ValueFrom.SecretKeyRef
	ref := map[string]any{"name": src.Name, "key": src.Key}
	if b.s.Flavour == Legacy {
		ref["namespace"] = src.Namespace
	}
	return b.managed(keySecret+sec.Name+keySecretVersion, "secretsmanager", "SecretVersion",
		mrOpts{region: b.s.Region, stateful: true}, map[string]any{
			"secretIdRef":           b.ref(keySecret + sec.Name),
			"secretStringSecretRef": ref,
		})
}

// secretEnvName is the function's variable holding the ARN of secret name.
func secretEnvName(name string) string {
	return envSecretPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_")) + envSecretSuffix
}

// createdSecretARN is the observed ARN of a secret the stack creates, else the ARN the function
// was last composed with (region of suffix); "" until observed.
func (b *builder) createdSecretARN(name, suffix string) string {
	return firstStr(b.o.atProvider(keySecret+name, "arn"), b.o.kept(KeyFunction+suffix, "environment", "variables", secretEnvName(name)))
}

// secretEnvironment adds SECRET_<NAME>_ARN of every secret whose ARN is known to env (the
// function of the region of suffix) and records the ones that wait.
func (b *builder) secretEnvironment(env map[string]any, suffix string) {
	for _, sec := range b.s.Secrets {
		arn := sec.ARN
		if sec.Create != nil {
			arn = b.createdSecretARN(sec.Name, suffix)
		}
		if arn == "" {
			b.wait(KeyFunction+suffix, secretEnvName(sec.Name)+": the ARN of "+keySecret+sec.Name)
			continue
		}
		env[secretEnvName(sec.Name)] = arn
	}
}

// secretsPolicy allows reading exactly the stack's secrets and decrypting with their keys only
// when Secrets Manager asks KMS on the function's behalf.
func (b *builder) secretsPolicy() PolicyDocument {
	var arns, keys, regions []string
	for _, sec := range b.s.Secrets {
		arn, region := sec.ARN, arnRegion(sec.ARN)
		if sec.Create != nil {
			region = b.s.Region
			arn = firstStr(b.createdSecretARN(sec.Name, ""), b.secretARNPattern(sec.Name))
		}
		arns = append(arns, arn)
		if sec.KMSKeyARN != "" {
			keys = append(keys, sec.KMSKeyARN)
			regions = append(regions, "secretsmanager."+region+".amazonaws.com")
		}
	}
	doc := PolicyDocument{Version: "2012-10-17", Statement: []Statement{{
		Sid: secretsPolicySid, Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: uniqueSorted(arns),
	}}}
	if len(keys) > 0 {
		doc.Statement = append(doc.Statement, Statement{
			Sid: kmsPolicySid, Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: uniqueSorted(keys),
			Condition: map[string]any{"StringEquals": map[string]any{kmsViaService: uniqueSorted(regions)}},
		})
	}
	return doc
}

// secretARNPattern matches the created secret name before its ARN is observed.
func (b *builder) secretARNPattern(name string) string {
	r := b.s.Region
	return b.arnPattern("secretsmanager", r, "secret:"+b.secretName(name)+secretSuffixGlob)
}

func uniqueSorted(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	n := 0
	for i, v := range out {
		if i == 0 || v != out[n-1] {
			out[n] = v
			n++
		}
	}
	return out[:n]
}
