package fn

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spec3/lambdastack/internal/simprovider"
)

const (
	existingSecret = "arn:aws:secretsmanager:eu-west-1:" + testAccount + ":secret:shared/token-AbCdEf"
	secretKey      = "arn:aws:kms:us-east-1:" + testAccount + ":key/1234abcd-12ab"
)

func secretsXR(stage string, legacy bool, secrets ...any) map[string]any {
	spec := map[string]any{"stage": stage, "secrets": secrets}
	if legacy {
		return legacyXR(spec)
	}
	return xrObject(spec)
}

func createdSecret(name, kms string) map[string]any {
	s := map[string]any{"name": name, "create": map[string]any{"description": "d", "valueFrom": map[string]any{
		"secretKeyRef": map[string]any{"name": "k8s-" + name, "key": "value", "namespace": "team"}}}}
	if kms != "" {
		s["kmsKeyArn"] = kms
	}
	return s
}

func TestSecrets(t *testing.T) {
	pattern := "arn:aws:secretsmanager:us-east-1:*:secret:team_dev_mcp/db-??????"
	// the ARN the simulated provider reports for the created secret
	secretObject := objectName(&settings{XRName: "mcp"}, keySecret+"db")
	observedARN := simprovider.NewExternalName("Secret", secretObject, simprovider.Hash(secretObject), map[string]any{"name": "team_dev_mcp/db", "region": "us-east-1"})
	cases := map[string]struct {
		xr        map[string]any
		observed  bool
		env       map[string]any // SECRET_* variables of the function
		resources []string       // GetSecretValue resources
		kms       []string
		created   bool
	}{
		"none": {xr: xrObject(nil)},
		"existing": {
			xr:        secretsXR("dev", false, map[string]any{"name": "shared-token", "arn": existingSecret}),
			env:       map[string]any{"SECRET_SHARED_TOKEN_ARN": existingSecret},
			resources: []string{existingSecret},
		},
		"created, before its ARN is observed": {
			xr:        secretsXR("dev", false, createdSecret("db", secretKey)),
			env:       map[string]any{},
			resources: []string{pattern},
			kms:       []string{secretKey},
			created:   true,
		},
		"created, observed": {
			xr:        secretsXR("dev", false, createdSecret("db", "")),
			observed:  true,
			env:       map[string]any{"SECRET_DB_ARN": observedARN},
			resources: []string{observedARN},
			created:   true,
		},
		"both, legacy": {
			xr:        secretsXR("dev", true, map[string]any{"name": "shared-token", "arn": existingSecret}, createdSecret("db", "")),
			observed:  true,
			env:       map[string]any{"SECRET_SHARED_TOKEN_ARN": existingSecret, "SECRET_DB_ARN": observedARN},
			resources: []string{existingSecret, observedARN}, // sorted
			created:   true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := settingsFor(t, tc.xr, nil)
			m := planSettled(t, s, tc.observed)
			env := map[string]any{}
			vars, _ := fp(m[KeyFunction], "environment", "variables").(map[string]any)
			if s.Flavour == legacy {
				l, _ := fp(m[KeyFunction], "environment").([]any)
				vars, _ = l[0].(map[string]any)["variables"].(map[string]any)
			}
			for k, v := range vars {
				if len(k) > 7 && k[:7] == "SECRET_" {
					env[k] = v
				}
			}
			if tc.env != nil && !reflect.DeepEqual(env, tc.env) {
				t.Errorf("function secret variables = %v, want %v", env, tc.env)
			}
			pol := m[keyRolePolicy]
			p, _ := fp(pol, "policy").(string)
			if hasPolicy := strings.Contains(p, secretsPolicySid); hasPolicy != (tc.resources != nil) {
				t.Fatalf("secrets statement composed = %v, want %v", hasPolicy, tc.resources != nil)
			}
			if tc.resources == nil {
				return
			}
			if got := lookup(pol, "metadata", "annotations", annotationExternalName); got != "team_dev_mcp_execution" {
				t.Errorf("policy name = %v", got)
			}
			if got := fp(pol, "roleRef", "name"); got != "mcp--role" {
				t.Errorf("policy roleRef = %v", got)
			}
			d := policyDocument{Statement: grantOf(t, m, secretsPolicySid)}
			if tc.kms != nil {
				d.Statement = append(d.Statement, grantOf(t, m, kmsPolicySid)...)
			} else if strings.Contains(p, kmsPolicySid) {
				t.Errorf("a kms statement without a key: %s", p)
			}
			read := d.Statement[0]
			if !reflect.DeepEqual(read.Action, []string{"secretsmanager:GetSecretValue"}) || !reflect.DeepEqual(read.Resource, tc.resources) {
				t.Errorf("read statement = %+v, want GetSecretValue on %v", read, tc.resources)
			}
			if tc.kms == nil && len(d.Statement) != 1 {
				t.Errorf("statements = %+v, want no kms statement without a key", d.Statement)
			}
			if tc.kms != nil {
				k := d.Statement[1]
				wantCond := map[string]any{"StringEquals": map[string]any{"kms:ViaService": []any{"secretsmanager.us-east-1.amazonaws.com"}}}
				if !reflect.DeepEqual(k.Action, []string{"kms:Decrypt"}) || !reflect.DeepEqual(k.Resource, tc.kms) || !reflect.DeepEqual(k.Condition, wantCond) {
					t.Errorf("kms statement = %+v", k)
				}
			}
			_, hasSecret := m["secret-db"]
			if hasSecret != tc.created {
				t.Errorf("secret composed = %v, want %v", hasSecret, tc.created)
			}
		})
	}
}

func TestCreatedSecretShapes(t *testing.T) {
	cases := map[string]struct {
		xr        map[string]any
		wantRef   map[string]any
		retained  bool
		apiPrefix string
	}{
		"namespaced dev": {
			xr:        secretsXR("dev", false, createdSecret("signing-key", secretKey)),
			wantRef:   map[string]any{"name": "k8s-signing-key", "key": "value"},
			apiPrefix: "secretsmanager.aws.m.upbound.io",
		},
		"legacy prod": {
			xr:        secretsXR("prod", true, createdSecret("signing-key", secretKey)),
			wantRef:   map[string]any{"name": "k8s-signing-key", "key": "value", "namespace": "team"},
			retained:  true,
			apiPrefix: "secretsmanager.aws.upbound.io",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := byKey(t, settingsFor(t, tc.xr, nil))
			sec, ver := m["secret-signing-key"], m["secret-signing-key-version"]
			stage := fp(sec, "tags").(map[string]any)[tagStage].(string)
			want := map[string]any{"name": "team_" + stage + "_mcp/signing-key", "description": "d", "kmsKeyId": secretKey}
			wantFields(t, "secret", sec, want)
			if lookup(sec, "metadata", "annotations") != nil {
				t.Error("the secret's id comes from AWS; it has no external name")
			}
			if got := fp(ver, "secretStringSecretRef"); !reflect.DeepEqual(got, tc.wantRef) {
				t.Errorf("secretStringSecretRef = %v, want %v", got, tc.wantRef)
			}
			if got := fp(ver, "secretIdRef", "name"); got != "mcp--secret-signing-key" {
				t.Errorf("secretIdRef = %v", got)
			}
			for _, obj := range []map[string]any{sec, ver} {
				mp := lookup(obj, "spec", "managementPolicies")
				if (mp != nil) != tc.retained {
					t.Errorf("%s managementPolicies = %v, retained want %v", lookup(obj, "kind"), mp, tc.retained)
				}
				if v, _ := lookup(obj, "apiVersion").(string); v != tc.apiPrefix+"/v1beta1" {
					t.Errorf("apiVersion = %v", v)
				}
			}
		})
	}
}

func TestSecretEnvName(t *testing.T) {
	for in, want := range map[string]string{"db": "SECRET_DB_ARN", "upstream-token": "SECRET_UPSTREAM_TOKEN_ARN", "a1-b2": "SECRET_A1_B2_ARN"} {
		if got := secretEnvName(in); got != want {
			t.Errorf("secretEnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecretPatternUsesTheAccountOnceKnown(t *testing.T) {
	s := settingsFor(t, secretsXR("dev", false, createdSecret("db", "")), nil)
	b := &builder{s: s, o: observedStack(t, s, map[string]map[string]any{KeyRole: {"arn": "arn:aws:iam::" + testAccount + ":role/team_dev_mcp_role"}}, nil)}
	doc, _ := b.secretsPolicy()
	if got, want := doc.Statement[0].Resource, []string{"arn:aws:secretsmanager:us-east-1:" + testAccount + ":secret:team_dev_mcp/db-??????"}; !reflect.DeepEqual(got, want) {
		t.Errorf("resource = %v, want %v", got, want)
	}
}

// Rule 15 of docs/tenancy.md: the stage's secret name prefix contains {namespace}/, and a shared
// account without one grants no existing secret. The attacks of issue 22: "{namespace}-" let
// namespace team read team-b-..., and a stage without a prefix let anyone read anything.
func TestSecretNamePrefix(t *testing.T) {
	secret := func(ns, name string) map[string]any {
		return teamB(map[string]any{"secrets": []any{map[string]any{"name": "db", "arn": "arn:aws:secretsmanager:us-east-1:" + sharedAcct + ":secret:" + name + "-AbCdEf"}}})
	}
	wantRefusals(t, map[string]refusal{
		"refused: a prefix whose namespace another namespace's name begins with": {
			xr: secret("team-b", "team-b-x/db"), envs: sharedDev(map[string]any{"secretNamePrefix": "{namespace}-"}),
			want: []string{`EnvironmentConfig data.secretNamePrefix: "{namespace}-" must contain {namespace}/`},
		},
		"refused: a prefix without the namespace": {
			xr: secret("team-b", "teams/db"), envs: sharedDev(map[string]any{"secretNamePrefix": "teams/"}),
			want: []string{`EnvironmentConfig data.secretNamePrefix: "teams/" must contain {namespace}/`},
		},
		"refused: a prefix with a wildcard": {
			xr: secret("team-b", "team-b/db"), envs: sharedDev(map[string]any{"secretNamePrefix": "{namespace}/*"}),
			want: []string{"may contain only letters, digits"},
		},
		"refused: a shared account without a prefix grants no existing secret": {
			xr: secret("team-b", "team-b/db"), envs: sharedDev(map[string]any{"secretNamePrefix": nil}),
			want: []string{"spec.secrets[0].arn: the secret arn:aws:secretsmanager:us-east-1:111111111111:secret:team-b/db-AbCdEf is not namespace team-b's", "the stage has no data.secretNamePrefix, so no existing secret is a namespace's own"},
		},
		"refused: a secret of namespace team-b-x for namespace team-b": {
			xr: secret("team-b", "team-b-x/db"), envs: sharedDev(nil),
			want: []string{"spec.secrets[0].arn: the secret", "is not namespace team-b's", "named team-b/… (data.secretNamePrefix)"},
		},
	})
	t.Run("granted: under teams/{namespace}/, or granted by the stage without a prefix", func(t *testing.T) {
		wantComposed(t, newRequest(t, secret("team-b", "teams/team-b/db"), sharedDev(map[string]any{"secretNamePrefix": "teams/{namespace}/"}), nil))
		grant := sharedDev(map[string]any{"secretNamePrefix": nil})
		g := grant[0]["data"].(map[string]any)["grants"].(map[string]any)
		g["resources"] = append(g["resources"].([]any), "arn:aws:secretsmanager:us-east-1:{account}:secret:platform/shared/*")
		wantComposed(t, newRequest(t, secret("team-b", "platform/shared/db"), grant, nil))
	})
	t.Run("granted: an account of one namespace without a prefix", func(t *testing.T) {
		wantComposed(t, newRequest(t, xrObject(map[string]any{"secrets": []any{map[string]any{"name": "db", "arn": "arn:aws:secretsmanager:us-east-1:" + sharedAcct + ":secret:anything-AbCdEf"}}}),
			devEnvs(map[string]any{"accountId": sharedAcct}), nil))
	})
}
