package localinvoke

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"
)

func TestMaskSecrets(t *testing.T) {
	f := Function{Environment: map[string]string{
		"SECRET_A_ARN": "arn:aws:secretsmanager:eu-west-1:222222222222:secret:staging/mcp/a-AbCdEf",
		"STAGE":        "dev",
		"OTHER":        "arn:aws:sns:eu-west-1:222222222222:topic",
	}}
	if got := MaskSecrets(&f); !slices.Equal(got, []string{"SECRET_A_ARN"}) {
		t.Fatalf("masked %v", got)
	}
	if f.Environment["SECRET_A_ARN"] != "arn:aws:secretsmanager:eu-west-1:000000000000:secret:staging/mcp/a-AbCdEf" || f.Environment["OTHER"] != "arn:aws:sns:eu-west-1:222222222222:topic" {
		t.Fatalf("%v", f.Environment)
	}
}

func TestObservedSecretsPlaysOnlyMissingSecrets(t *testing.T) {
	secret := func(name string) composed.Unstructured {
		u := composed.New()
		u.SetAPIVersion("secretsmanager.aws.m.upbound.io/v1beta1")
		u.SetKind("Secret")
		u.SetName(name)
		u.SetAnnotations(map[string]string{"crossplane.io/external-name": "ns_prod-app/" + name})
		_ = unstructured.SetNestedField(u.Object, "eu-central-1", "spec", "forProvider", "region")
		return *u
	}
	got := ObservedSecrets([]composed.Unstructured{secret("a"), secret("b")}, []composed.Unstructured{secret("b")})
	if len(got) != 1 || got[0].GetName() != "a" {
		t.Fatalf("%v", got)
	}
	if arn, _, _ := unstructured.NestedString(got[0].Object, "status", "atProvider", "arn"); arn != "arn:aws:secretsmanager:eu-central-1:000000000000:secret:ns_prod-app/a-LOCAL0" {
		t.Fatalf("arn %q", arn)
	}
}

func TestUnsupported(t *testing.T) {
	image := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{"forProvider": map[string]any{"packageType": "Image"}}}}
	if _, err := FromRendered(image, ""); err == nil || !strings.Contains(err.Error(), "container image") {
		t.Errorf("image: %v", err)
	}
	_, err := Invoke(context.Background(), Function{Runtime: "java21", Handler: "a.B::h", Timeout: time.Second}, Options{Source: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "runtime java21: invoke --local runs Python and Node.js handlers") {
		t.Errorf("java: %v", err)
	}
}

func TestTimeoutAndFailure(t *testing.T) {
	dir := t.TempDir()
	code := "import time\ndef slow(event, context):\n    time.sleep(30)\ndef boom(event, context):\n    raise ValueError('boom')\n"
	if err := os.WriteFile(filepath.Join(dir, "h.py"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	event := filepath.Join(dir, "e.json")
	if err := os.WriteFile(event, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := Function{Runtime: "python3.11", Handler: "h.slow", Timeout: time.Second, Environment: map[string]string{}}
	if _, err := Invoke(context.Background(), f, Options{Source: dir, Event: event}); err == nil || !strings.Contains(err.Error(), "ran out of its timeout (1s)") {
		t.Errorf("slow: %v", err)
	}
	var logs strings.Builder
	f.Handler = "h.boom"
	if _, err := Invoke(context.Background(), f, Options{Source: dir, Event: event, Stderr: &logs}); err == nil || !strings.Contains(logs.String(), "ValueError: boom") {
		t.Errorf("boom: %v, logs %q", err, logs.String())
	}
}
