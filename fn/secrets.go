package fn

import (
	"fmt"
	"regexp"
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
// observed.go). The inline policy does not wait: until the ARN is observed it names the secret
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

var (
	reSecretAR = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`)
	reKMSARN   = regexp.MustCompile(`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]+$`)
	reSecretNm = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)
)

func validateSecrets(errs *fieldErrors, s *settings) {
	seen := map[string]bool{}
	for i, sec := range s.Secrets {
		f := fmt.Sprintf("spec.secrets[%d]", i)
		if !reSecretNm.MatchString(sec.Name) || len(sec.Name) > 32 || strings.Contains(sec.Name, objectSeparator) {
			errs.add(f+".name", "%q must be 1-32 lower-case letters, digits or single '-'", sec.Name)
		}
		if seen[sec.Name] {
			errs.add(f+".name", "%q is used twice", sec.Name)
		}
		seen[sec.Name] = true
		switch {
		case sec.Value != "":
			errs.add(f+".value", "inline secret values are not allowed: use create.valueFrom.secretKeyRef")
		case sec.ARN != "" && sec.Create != nil:
			errs.add(f, "give arn or create, not both")
		case sec.ARN == "" && sec.Create == nil:
			errs.add(f, "needs arn (an existing secret) or create")
		case sec.ARN != "" && !reSecretAR.MatchString(sec.ARN):
			errs.add(f+".arn", "%q is not a Secrets Manager secret ARN", sec.ARN)
		case sec.Create != nil && (sec.Create.ValueFrom.SecretKeyRef.Name == "" || sec.Create.ValueFrom.SecretKeyRef.Key == ""):
			errs.add(f+".create.valueFrom.secretKeyRef", "needs name and key")
		case sec.Create != nil && s.Flavour == legacy && sec.Create.ValueFrom.SecretKeyRef.Namespace == "":
			errs.add(f+".create.valueFrom.secretKeyRef.namespace", "is required for an XLambdaStack without a claim (a claim's secrets come from its own namespace)")
		}
		if sec.KMSKeyARN != "" && !reKMSARN.MatchString(sec.KMSKeyARN) {
			errs.add(f+".kmsKeyArn", "%q is not a KMS key ARN", sec.KMSKeyARN)
		}
	}
}

// validateSecretKeys refuses a secret whose resource key is that of another secret's value.
func validateSecretKeys(errs *fieldErrors, s *settings) {
	names := map[string]bool{}
	for _, sec := range s.Secrets {
		names[sec.Name] = true
	}
	for i, sec := range s.Secrets {
		if base, ok := strings.CutSuffix(sec.Name, keySecretVersion); ok && names[base] {
			errs.add(fmt.Sprintf("spec.secrets[%d].name", i), "%q clashes with the value of secret %q: both would be the resource %s; rename one", sec.Name, base, keySecret+sec.Name)
		}
	}
}

// validateSecretGrants applies the tenancy rules to the secrets (docs/tenancy.md, rule 4): a
// created secret's value comes from the owner's namespace; an existing secret and a key are in
// the stage's account, the secret under the namespace's name prefix.
func validateSecretGrants(errs *fieldErrors, s *settings, stageCfg *v1alpha1.StageProfile) {
	validateSecretNamePrefix(errs, stageCfg.SecretNamePrefix)
	for i, sec := range s.Secrets {
		f := fmt.Sprintf("spec.secrets[%d]", i)
		if sec.Create != nil {
			ns := sec.Create.ValueFrom.SecretKeyRef.Namespace
			switch {
			case s.Flavour == namespaced && ns != "" && ns != s.Owner:
				errs.add(f+".create.valueFrom.secretKeyRef.namespace", "%q: a LambdaStack reads Kubernetes Secrets only from its own namespace %s", ns, s.Owner)
			case s.Flavour == legacy && s.Owner != "" && ns != s.Owner:
				errs.add(f+".create.valueFrom.secretKeyRef.namespace", "%q: a claim reads Kubernetes Secrets only from its own namespace %s", ns, s.Owner)
			}
		}
		if sec.ARN != "" && reSecretAR.MatchString(sec.ARN) {
			checkGrantedARN(errs, s, stageCfg, f+".arn", "secret", sec.ARN)
			if name := secretNameOfARN(sec.ARN); !s.Ownership.Shared && s.SecretNamePrefix != "" && !strings.HasPrefix(name, s.SecretNamePrefix) {
				errs.add(f+".arn", "secret %q is not under this namespace's prefix %q (data.secretNamePrefix of stage %s)", name, s.SecretNamePrefix, s.Stage)
			}
		}
		if sec.KMSKeyARN != "" && reKMSARN.MatchString(sec.KMSKeyARN) {
			checkGrantedARN(errs, s, stageCfg, f+".kmsKeyArn", "KMS key", sec.KMSKeyARN)
		}
	}
}

// reSecretNamePrefix is what a secret name prefix may contain besides {namespace}.
var reSecretNamePrefix = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]*$`)

// validateSecretNamePrefix applies rule 15 of docs/tenancy.md to the stage's secretNamePrefix:
// it must contain {namespace}/, so that one namespace's prefix never begins another's
// ("{namespace}-" would let namespace team read team-b-...).
func validateSecretNamePrefix(errs *fieldErrors, prefix string) {
	switch {
	case prefix == "":
	case !strings.Contains(prefix, namespacePlaceholder+"/"):
		errs.add("EnvironmentConfig data.secretNamePrefix", "%q must contain %s/ (the namespace and a separator no namespace contains), e.g. teams/%s/: otherwise namespace team's prefix begins namespace team-b's secrets", prefix, namespacePlaceholder, namespacePlaceholder)
	case !reSecretNamePrefix.MatchString(strings.ReplaceAll(prefix, namespacePlaceholder, "")):
		errs.add("EnvironmentConfig data.secretNamePrefix", "%q may contain only letters, digits, /_+=.@- and %s", prefix, namespacePlaceholder)
	}
}

// ownedSecrets returns the secrets with each legacy secretKeyRef without a namespace pointing
// into the owner's namespace (the claim's); the request's slice is not modified.
func ownedSecrets(in []v1alpha1.SecretSpec, f flavour, owner string) []v1alpha1.SecretSpec {
	if f != legacy || owner == "" {
		return in
	}
	out := append([]v1alpha1.SecretSpec(nil), in...)
	for i, sec := range out {
		if sec.Create != nil && sec.Create.ValueFrom.SecretKeyRef.Namespace == "" {
			c := *sec.Create
			c.ValueFrom.SecretKeyRef.Namespace = owner
			out[i].Create = &c
		}
	}
	return out
}

// secrets composes the secrets the stack creates (the role's permission to read them all is
// part of its inline policy, secretsPolicy).
func (b *builder) secrets() {
	for _, sec := range b.s.Secrets {
		if sec.Create != nil {
			b.add(b.secret(sec), b.secretVersion(sec))
		}
	}
}

// secretName is the AWS name of a secret the stack creates: [<prefix>]<owner>_<stage>-<app>/<name>,
// under the stage's secret name prefix for the namespace when it sets one (tenancy.go).
func (b *builder) secretName(name string) string {
	return fitName(b.s.SecretNamePrefix+stackStem(b.s)+"/"+name, maxSecretName)
}

func (b *builder) secret(sec v1alpha1.SecretSpec) composed {
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
// namespace for the legacy flavour (validateSecrets requires it). Stateful like its secret: deleting
// the stack does not remove the current value.
func (b *builder) secretVersion(sec v1alpha1.SecretSpec) composed {
	src := sec.Create.ValueFrom.SecretKeyRef
	ref := map[string]any{"name": src.Name, "key": src.Key}
	if b.s.Flavour == legacy {
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

// secretEnvironment adds SECRET_<NAME>_ARN of every secret whose ARN is known to vars (the
// function of the region of suffix) and records the ones that wait.
func (b *builder) secretEnvironment(vars map[string]any, suffix string) {
	for _, sec := range b.s.Secrets {
		arn := sec.ARN
		if sec.Create != nil {
			arn = b.createdSecretARN(sec.Name, suffix)
		}
		if arn == "" {
			b.wait(KeyFunction+suffix, secretEnvName(sec.Name)+": the ARN of "+keySecret+sec.Name)
			continue
		}
		vars[secretEnvName(sec.Name)] = arn
	}
}

// secretsPolicy allows reading exactly the stack's secrets and decrypting with their keys only
// when Secrets Manager asks KMS on the function's behalf. None without secrets.
func (b *builder) secretsPolicy() (policyDocument, bool) {
	if len(b.s.Secrets) == 0 {
		return policyDocument{}, false
	}
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
	doc := policyDocument{Version: "2012-10-17", Statement: []statement{{
		Sid: secretsPolicySid, Effect: "Allow", Action: []string{"secretsmanager:GetSecretValue"}, Resource: uniqueSorted(arns),
	}}}
	if len(keys) > 0 {
		doc.Statement = append(doc.Statement, statement{
			Sid: kmsPolicySid, Effect: "Allow", Action: []string{"kms:Decrypt"}, Resource: uniqueSorted(keys),
			Condition: map[string]any{"StringEquals": map[string]any{kmsViaService: uniqueSorted(regions)}},
		})
	}
	return doc, true
}

// secretARNPattern matches the created secret name before its ARN is observed.
func (b *builder) secretARNPattern(name string) string {
	r := b.s.Region
	return b.arnPattern("secretsmanager", r, "secret:"+b.secretName(name)+secretSuffixGlob)
}
