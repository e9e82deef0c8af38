package schema

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fn is a valid namespaced provider-aws v2 Lambda Function, written with Go
// types a composition function would use (int, []string, map[string]string).
func fn() map[string]any {
	return map[string]any{
		"apiVersion": "lambda.aws.m.upbound.io/v1beta1",
		"kind":       "Function",
		"metadata": map[string]any{
			"name":        "demo-api",
			"namespace":   "team-a",
			"labels":      map[string]string{"app.kubernetes.io/name": "demo-api"},
			"annotations": map[string]string{"crossplane.io/external-name": "demo-api"},
		},
		"spec": map[string]any{
			"forProvider": map[string]any{
				"region":        "eu-west-1",
				"runtime":       "python3.12",
				"handler":       "app.handler",
				"packageType":   "Zip",
				"s3Bucket":      "artifacts",
				"s3Key":         "demo-api.zip",
				"memorySize":    256,
				"timeout":       10,
				"architectures": []string{"arm64"},
				"roleRef":       map[string]any{"name": "demo-api-role"},
				"environment":   map[string]any{"variables": map[string]string{"LOG_LEVEL": "info"}},
				"loggingConfig": map[string]any{"logFormat": "JSON", "logGroupRef": map[string]any{"name": "demo-api-logs"}},
				"tags":          map[string]string{"stack": "demo"},
			},
			"managementPolicies": []string{"*"},
			"providerConfigRef":  map[string]any{"kind": "ClusterProviderConfig", "name": "default"},
		},
	}
}

// set sets a dotted path (creating maps) in obj; value nil deletes the key.
func set(obj map[string]any, path string, value any) map[string]any {
	keys := strings.Split(path, ".")
	m := obj
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
	if value == nil {
		delete(m, keys[len(keys)-1])
	} else {
		m[keys[len(keys)-1]] = value
	}
	return obj
}

// wantErr describes an expected failure: each path must be reported, each
// substring must appear in the message.
type wantErr struct {
	unknownKind bool
	paths       []string
	contains    []string
}

func check(t *testing.T, err error, want *wantErr) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("want valid, got: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want an error, got none")
	}
	t.Logf("got: %v", err)
	if want.unknownKind != errors.Is(err, ErrUnknownKind) {
		t.Fatalf("errors.Is(err, ErrUnknownKind) = %v, want %v: %v", !want.unknownKind, want.unknownKind, err)
	}
	if len(want.paths) > 0 {
		var verr *Error
		if !errors.As(err, &verr) {
			t.Fatalf("want *schema.Error, got %T: %v", err, err)
		}
		for _, p := range want.paths {
			if !slices.Contains(verr.Paths(), p) {
				t.Errorf("path %q not reported; paths %q; error: %v", p, verr.Paths(), err)
			}
		}
	}
	for _, s := range want.contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error does not contain %q: %v", s, err)
		}
	}
}

func TestValidateProviderAWS(t *testing.T) {
	permission := func() map[string]any {
		return map[string]any{
			"apiVersion": "lambda.aws.m.upbound.io/v1beta1",
			"kind":       "Permission",
			"metadata":   map[string]any{"name": "demo-api-invoke", "namespace": "team-a"},
			"spec": map[string]any{
				"forProvider": map[string]any{
					"region":          "eu-west-1",
					"action":          "lambda:InvokeFunction",
					"principal":       "apigateway.amazonaws.com",
					"functionNameRef": map[string]any{"name": "demo-api"},
				},
			},
		}
	}
	legacy := func() map[string]any {
		return map[string]any{
			"apiVersion": "lambda.aws.upbound.io/v1beta1",
			"kind":       "Function",
			"metadata":   map[string]any{"name": "demo-api"},
			"spec": map[string]any{
				"deletionPolicy": "Orphan",
				"forProvider": map[string]any{
					"region":  "eu-west-1",
					"runtime": "python3.12",
					"handler": "app.handler",
					// Legacy v1beta1 keeps Terraform blocks as lists.
					"environment": []any{map[string]any{"variables": map[string]any{"A": "b"}}},
				},
				"providerConfigRef": map[string]any{"name": "default"},
			},
		}
	}

	cases := map[string]struct {
		obj  map[string]any
		opts []Option
		want *wantErr
	}{
		"ValidNamespacedFunction": {obj: fn()},
		"ValidWithDefaultsOmitted": {
			// managementPolicies and providerConfigRef default (["*"], ClusterProviderConfig/default).
			obj: set(set(fn(), "spec.managementPolicies", nil), "spec.providerConfigRef", nil),
		},
		"UnknownForProviderField": {
			obj:  set(fn(), "spec.forProvider.memorySizeMb", 512),
			want: &wantErr{paths: []string{"spec.forProvider.memorySizeMb"}, contains: []string{"unknown field"}},
		},
		"UnknownNestedField": {
			obj:  set(fn(), "spec.forProvider.environment.vars", map[string]any{"A": "b"}),
			want: &wantErr{paths: []string{"spec.forProvider.environment.vars"}},
		},
		"UnknownFieldInRef": {
			obj:  set(fn(), "spec.forProvider.roleRef.kind", "Role"),
			want: &wantErr{paths: []string{"spec.forProvider.roleRef.kind"}},
		},
		"NoDeletionPolicyOnNamespacedKinds": {
			obj:  set(fn(), "spec.deletionPolicy", "Orphan"),
			want: &wantErr{paths: []string{"spec.deletionPolicy"}},
		},
		"UnknownMetadataField": {
			obj:  set(fn(), "metadata.lables", map[string]any{"a": "b"}),
			want: &wantErr{contains: []string{"lables", "unknown field"}},
		},
		"UnknownTopLevelField": {
			obj:  set(fn(), "status2", map[string]any{}),
			want: &wantErr{paths: []string{"status2"}},
		},
		"WrongTypeNumberAsString": {
			obj:  set(fn(), "spec.forProvider.memorySize", "256"),
			want: &wantErr{paths: []string{"spec.forProvider.memorySize"}, contains: []string{"must be of type number"}},
		},
		"WrongTypeObjectAsList": {
			// Namespaced v1beta1 uses objects for single blocks.
			obj:  set(fn(), "spec.forProvider.environment", []any{map[string]any{"variables": map[string]any{}}}),
			want: &wantErr{paths: []string{"spec.forProvider.environment"}, contains: []string{"must be of type object"}},
		},
		"WrongTypeTagValue": {
			obj:  set(fn(), "spec.forProvider.tags", map[string]any{"n": 1}),
			want: &wantErr{paths: []string{"spec.forProvider.tags.n"}},
		},
		"BadEnum": {
			obj:  set(fn(), "spec.managementPolicies", []string{"Everything"}),
			want: &wantErr{paths: []string{"spec.managementPolicies[0]"}, contains: []string{"Unsupported value"}},
		},
		"MissingRegionIsSchemaRequired": {
			obj:  set(fn(), "spec.forProvider.region", nil),
			want: &wantErr{paths: []string{"spec.forProvider.region"}, contains: []string{"Required value"}},
		},
		"MissingForProvider": {
			obj:  set(fn(), "spec.forProvider", nil),
			want: &wantErr{paths: []string{"spec.forProvider"}},
		},
		"ProviderConfigRefNeedsKind": {
			obj:  set(fn(), "spec.providerConfigRef", map[string]any{"name": "default"}),
			want: &wantErr{paths: []string{"spec.providerConfigRef.kind"}},
		},
		"NameNotDNSSubdomain": {
			obj:  set(fn(), "metadata.name", "Demo_API"),
			want: &wantErr{paths: []string{"metadata.name"}},
		},
		"NameTooLong": {
			obj:  set(fn(), "metadata.name", strings.Repeat("a", 254)),
			want: &wantErr{paths: []string{"metadata.name"}},
		},
		"BadLabelValue": {
			obj:  set(fn(), "metadata.labels", map[string]any{"app": "not a valid value!"}),
			want: &wantErr{paths: []string{"metadata.labels"}},
		},
		"BadAnnotationKey": {
			obj:  set(fn(), "metadata.annotations", map[string]any{"bad key": "x"}),
			want: &wantErr{paths: []string{"metadata.annotations"}},
		},
		"NamespacedKindNeedsNamespace": {
			obj:  set(fn(), "metadata.namespace", nil),
			want: &wantErr{paths: []string{"metadata.namespace"}},
		},
		"ComposedWithoutNameAndNamespace": {
			obj:  set(set(fn(), "metadata.name", nil), "metadata.namespace", nil),
			opts: []Option{Composed()},
		},
		"NotComposedWithoutName": {
			obj:  set(fn(), "metadata.name", nil),
			want: &wantErr{paths: []string{"metadata.name"}},
		},
		"CELRequiredParameterMissing": {
			obj:  set(permission(), "spec.forProvider.action", nil),
			want: &wantErr{paths: []string{"spec"}, contains: []string{"spec.forProvider.action is a required parameter"}},
		},
		"CELRequiredParameterViaInitProvider": {
			obj: set(set(permission(), "spec.forProvider.action", nil), "spec.initProvider.action", "lambda:InvokeFunction"),
		},
		"CELRequiredParameterNotNeededWhenObserveOnly": {
			obj: set(set(permission(), "spec.forProvider.action", nil), "spec.managementPolicies", []any{"Observe"}),
		},
		"CELNotEvaluatedOnBrokenObject": {
			// As in the apiserver, CEL rules are skipped once a type error exists.
			obj: set(set(permission(), "spec.forProvider.action", nil), "spec.forProvider.region", 1),
			want: &wantErr{
				paths:    []string{"spec.forProvider.region"},
				contains: []string{"some validation rules were not checked"},
			},
		},
		"ValidPermission": {obj: permission()},
		"UnknownKind": {
			obj:  set(fn(), "kind", "Lambda"),
			want: &wantErr{unknownKind: true, contains: []string{`no kind "Lambda"`}},
		},
		"UnknownVersion": {
			obj:  set(fn(), "apiVersion", "lambda.aws.m.upbound.io/v1beta2"),
			want: &wantErr{unknownKind: true, contains: []string{"not served"}},
		},
		"UnknownGroup": {
			obj:  set(fn(), "apiVersion", "lambda.example.org/v1"),
			want: &wantErr{unknownKind: true},
		},
		"MissingKind": {
			obj:  set(fn(), "kind", nil),
			want: &wantErr{unknownKind: true},
		},
		"LegacyClusterFunction": {obj: legacy()},
		"LegacyClusterFunctionV1beta2": {
			obj: set(set(legacy(), "apiVersion", "lambda.aws.upbound.io/v1beta2"),
				"spec.forProvider.environment", map[string]any{"variables": map[string]any{"A": "b"}}),
		},
		"LegacyRejectsNamespace": {
			obj:  set(legacy(), "metadata.namespace", "team-a"),
			want: &wantErr{paths: []string{"metadata.namespace"}},
		},
		"LegacyProviderConfigRefHasNoKind": {
			obj:  set(legacy(), "spec.providerConfigRef.kind", "ClusterProviderConfig"),
			want: &wantErr{paths: []string{"spec.providerConfigRef.kind"}},
		},
		"LegacyV1beta1BlocksAreLists": {
			obj:  set(legacy(), "spec.forProvider.environment", map[string]any{"variables": map[string]any{}}),
			want: &wantErr{paths: []string{"spec.forProvider.environment"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := deepCopyJSON(t, tc.obj)
			check(t, Validate(tc.obj, tc.opts...), tc.want)
			if !equalJSON(t, in, tc.obj) {
				t.Errorf("Validate modified its input")
			}
		})
	}
}

// TestProviderFieldsDoc checks the "CEL-required" claims of
// docs/provider-fields.md: the smallest object of each kind the stack emits
// (region where the kind is regional, plus the CEL-required parameters) is
// valid, and dropping forProvider down to region reports exactly those
// parameters.
func TestProviderFieldsDoc(t *testing.T) {
	cases := []struct {
		group, kind string
		global      bool
		celRequired map[string]any
	}{
		{"lambda", "Function", false, nil},
		{"lambda", "Permission", false, map[string]any{"action": "lambda:InvokeFunction", "principal": "apigateway.amazonaws.com"}},
		{"lambda", "Alias", false, map[string]any{"functionVersion": "$LATEST"}},
		{"iam", "Role", true, map[string]any{"assumeRolePolicy": "{}"}},
		{"iam", "RolePolicyAttachment", true, nil},
		{"iam", "RolePolicy", true, map[string]any{"policy": "{}"}},
		{"cloudwatchlogs", "Group", false, nil},
		{"apigatewayv2", "API", false, map[string]any{"name": "demo", "protocolType": "HTTP"}},
		{"apigatewayv2", "Integration", false, map[string]any{"integrationType": "AWS_PROXY"}},
		{"apigatewayv2", "Route", false, map[string]any{"routeKey": "GET /"}},
		{"apigatewayv2", "Stage", false, nil},
		{"apigatewayv2", "Authorizer", false, map[string]any{"authorizerType": "JWT", "name": "jwt"}},
		{"cloudwatch", "MetricAlarm", false, map[string]any{"comparisonOperator": "GreaterThanThreshold", "evaluationPeriods": 1}},
		{"cloudwatch", "Dashboard", false, map[string]any{"dashboardBody": "{}"}},
		{"sns", "Topic", false, nil},
		{"sns", "TopicSubscription", false, map[string]any{"protocol": "email"}},
		{"secretsmanager", "Secret", false, nil},
		{"secretsmanager", "SecretVersion", false, nil},
		{"ec2", "SecurityGroup", false, nil},
		{"ec2", "SecurityGroupEgressRule", false, map[string]any{"ipProtocol": "-1"}},
		{"ec2", "SecurityGroupRule", false, map[string]any{"type": "egress", "protocol": "-1", "fromPort": 0, "toPort": 0}},
		{"apigatewayv2", "DomainName", false, map[string]any{"domainNameConfiguration": map[string]any{"endpointType": "REGIONAL"}}},
		{"apigatewayv2", "APIMapping", false, nil},
		{"acm", "Certificate", false, nil},
		{"acm", "CertificateValidation", false, nil},
		{"route53", "Record", true, map[string]any{"name": "api.example.com", "type": "A"}},
		{"lambda", "EventSourceMapping", false, nil},
		{"lambda", "FunctionEventInvokeConfig", false, map[string]any{"functionName": "demo"}},
		{"sqs", "Queue", false, nil},
		{"scheduler", "Schedule", false, map[string]any{"flexibleTimeWindow": map[string]any{"mode": "OFF"}, "scheduleExpression": "rate(1 day)", "target": map[string]any{"arn": "arn:aws:lambda:us-east-1:123456789012:function:demo"}}},
	}
	for _, tc := range cases {
		t.Run(tc.group+"."+tc.kind, func(t *testing.T) {
			t.Parallel()
			obj := func(fp map[string]any) map[string]any {
				fp = deepCopyJSON(t, fp)
				if fp == nil {
					fp = map[string]any{}
				}
				if !tc.global {
					fp["region"] = "eu-west-1"
				}
				return map[string]any{
					"apiVersion": tc.group + ".aws.m.upbound.io/v1beta1",
					"kind":       tc.kind,
					"metadata":   map[string]any{"name": "x", "namespace": "team-a"},
					"spec":       map[string]any{"forProvider": fp},
				}
			}
			if err := Validate(obj(tc.celRequired)); err != nil {
				t.Fatalf("minimal object invalid: %v", err)
			}
			err := Validate(obj(nil))
			if len(tc.celRequired) == 0 {
				if err != nil {
					t.Fatalf("no CEL-required parameter documented, but: %v", err)
				}
				return
			}
			var verr *Error
			if !errors.As(err, &verr) {
				t.Fatalf("want *schema.Error, got %v", err)
			}
			if len(verr.Errs) != len(tc.celRequired) {
				t.Errorf("want %d errors, got %d: %v", len(tc.celRequired), len(verr.Errs), err)
			}
			for p := range tc.celRequired {
				if msg := "spec.forProvider." + p + " is a required parameter"; !strings.Contains(err.Error(), msg) {
					t.Errorf("missing %q in: %v", msg, err)
				}
			}
		})
	}
}

// TestProjectXRDs checks every XRD under apis/ (the project's generated
// XRDs) with CheckXRD, i.e. that Crossplane could create its CRD.
func TestProjectXRDs(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "apis", "*.yaml"))
	more, _ := filepath.Glob(filepath.Join("..", "..", "apis", "*", "*.yaml"))
	files = append(files, more...)
	n := 0
	for _, f := range files {
		xrd, err := ReadXRD(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if xrd["kind"] != XRDKind {
			continue
		}
		n++
		t.Run(filepath.Base(f), func(t *testing.T) {
			if err := CheckXRD(xrd); err != nil {
				t.Error(err)
			}
		})
	}
	if n == 0 {
		t.Skip("no CompositeResourceDefinition under apis/ yet")
	}
}

func TestProviderAWSDirOverride(t *testing.T) {
	d, err := ProviderAWSDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(d, "package", "crds", "lambda.aws.m.upbound.io_functions.yaml")); err != nil {
		t.Fatal(err)
	}
	// A Validator over any CRD directory works the same way.
	v := NewValidator(filepath.Join(d, "package", "crds"))
	check(t, v.Validate(fn()), nil)
	check(t, v.Validate(set(fn(), "spec.forProvider.bogus", true)), &wantErr{paths: []string{"spec.forProvider.bogus"}})
	check(t, NewValidator(t.TempDir()).Validate(fn()), &wantErr{unknownKind: true})
}
