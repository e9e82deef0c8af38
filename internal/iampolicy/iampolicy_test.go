package iampolicy

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spec3/lambdastack/internal/activation"
)

func activated(t *testing.T) []string {
	t.Helper()
	kinds, err := activation.Kinds(filepath.Join("..", "..", "package", "activation-policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return kinds
}

// Every kind the Configuration activates has permissions, and nothing else does.
func TestEveryKindHasPermissions(t *testing.T) {
	kinds := activated(t)
	seen := map[string]bool{}
	for _, k := range kinds {
		seen[Key(k)] = true
		if len(Kinds[Key(k)]) == 0 {
			t.Errorf("%s (activated by package/activation-policy.yaml) has no IAM actions in internal/iampolicy", k)
		}
	}
	action := regexp.MustCompile(`^[a-z0-9]+:[A-Za-z0-9]+$`)
	for k, actions := range Kinds {
		if !seen[k] {
			t.Errorf("internal/iampolicy has actions for %s, which the Configuration does not activate", k)
		}
		for _, a := range actions {
			if !action.MatchString(a) {
				t.Errorf("%s: %q is not an IAM action", k, a)
			}
		}
	}
}

func TestDocumentRefusesUnknownKind(t *testing.T) {
	_, err := Document([]string{"functions.lambda.aws.m.upbound.io", "widgets.nowhere.aws.m.upbound.io"})
	if err == nil || !strings.Contains(err.Error(), "widgets.nowhere.aws.m.upbound.io") {
		t.Fatalf("Document with an unknown kind: %v, want an error naming it", err)
	}
}

// docs/iam/deployer-policy.json is what the kinds give (go run ./hack/iampolicy writes it).
func TestShippedPolicyIsCurrent(t *testing.T) {
	want, err := Document(activated(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "docs", "iam", "deployer-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/iam/deployer-policy.json is stale: run go run ./hack/iampolicy (make generate)")
	}
	for _, a := range []string{"lambda:CreateFunction", "iam:PassRole", "apigateway:PATCH", "budgets:ModifyBudget", "sqs:CreateQueue", "scheduler:CreateSchedule"} {
		if ok, err := Allows(got, a); err != nil || !ok {
			t.Errorf("the policy does not allow %s (%v)", a, err)
		}
	}
	if ok, _ := Allows(got, "s3:DeleteBucket"); ok {
		t.Error("the policy allows s3:DeleteBucket, which no composed kind needs")
	}
}
