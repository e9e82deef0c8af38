package xrd_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/internal/stackrender/rendertest"
)

// cliBinary is the Crossplane CLI v2.5.0 in bin/ (built once by hack/build-tools.sh).
func cliBinary(t *testing.T) string { return rendertest.Tool(t, "crossplane") }

// validateWithCLI runs `crossplane resource validate` offline: the XRDs are the only
// extensions, and a placeholder Crossplane package in a private cache dir stands in for the
// Crossplane image's built-in schemas (which would otherwise be downloaded).
func validateWithCLI(t *testing.T, resources ...string) (string, error) {
	t.Helper()
	cache := t.TempDir()
	placeholder := filepath.Join(cache, "placeholder", "none@v0")
	if err := os.MkdirAll(placeholder, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(placeholder, "package.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	xrds := []string{filepath.Join(root, "apis", "lambdastacks.yaml"), filepath.Join(root, "apis", "xlambdastacks.yaml")}
	for _, x := range xrds {
		if _, err := os.Stat(x); err != nil {
			t.Fatalf("XRD missing: %v", err)
		}
	}
	cmd := exec.Command(cliBinary(t), "resource", "validate",
		strings.Join(xrds, ","), strings.Join(resources, ","),
		"--cache-dir="+cache, "--crossplane-image=placeholder/none:v0", "--error-on-missing-schemas")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestCLIValidatesTheExamples: `crossplane resource validate` of every example request against
// our XRDs passes.
func TestCLIValidatesTheExamples(t *testing.T) {
	var files []string
	for name := range exampleRequests(t) {
		files = append(files, filepath.Join(root, "examples", name))
	}
	out, err := validateWithCLI(t, files...)
	t.Logf("crossplane resource validate:\n%s", out)
	if err != nil {
		t.Fatalf("validation failed: %v", err)
	}
	if n := strings.Count(out, "validated successfully"); n != len(files) {
		t.Errorf("%d resources validated successfully, want %d", n, len(files))
	}
	if !strings.Contains(out, "0 missing schemas") || !strings.Contains(out, "0 failure cases") {
		t.Error("missing schemas or failures reported")
	}
}

// cliBadRequests are bad requests of the table (by name) the CLI must reject too, with the
// message it must print. (The CLI validates the schema and CEL rules; metadata such as the
// name's format or a claim's missing namespace is the apiserver's part, not checked by it.)
var cliBadRequests = map[string]string{
	"unknown field":                    `unknown field: "functoin"`,
	"stage pattern":                    "spec.stage: Invalid value",
	"memory too large":                 "spec.function.memoryMB: Invalid value",
	"both code sources (CEL)":          "exactly one of s3 or imageUri",
	"aws: tag key (CEL)":               "must not start with aws:",
	"inline secret value (CEL)":        "inline secret values are not allowed",
	"jwt without jwt block (CEL)":      "spec.api.auth.jwt is required",
	"securityGroupIds and vpcId (CEL)": "exactly one of securityGroupIds or vpcId",
	"region not in regions (CEL)":      "spec.region must be one of spec.regions",
	"bad route key":                    "spec.api.routes[0]",
	"bad subnet ID":                    "spec.network.subnetIds[0]",
	"canary with pinnedVersion (CEL)":  "cannot be combined",
	"claim: unknown field":             `unknown field: "functoin"`,
	"claim: aws: tag key (CEL)":        "must not start with aws:",
}

// TestCLIRejectsBadRequests: each of cliBadRequests, written to a file, makes
// `crossplane resource validate` exit non-zero with the expected message.
func TestCLIRejectsBadRequests(t *testing.T) {
	examples := exampleRequests(t)
	dir := t.TempDir()
	n := 0
	for _, bc := range badRequests {
		want, ok := cliBadRequests[bc.name]
		if !ok {
			continue
		}
		n++
		t.Run(bc.name, func(t *testing.T) {
			obj := runtime.DeepCopyJSON(examples[bc.base])
			for _, ed := range bc.edits {
				set(t, obj, ed.path, ed.value)
			}
			b, err := yaml.Marshal(obj)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dir, strings.NewReplacer(" ", "-", ":", "", "(", "", ")", "").Replace(bc.name)+".yaml")
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := validateWithCLI(t, file)
			t.Logf("crossplane resource validate:\n%s", out)
			if err == nil {
				t.Fatal("the CLI accepted the bad request")
			}
			if !strings.Contains(out, want) {
				t.Errorf("output does not contain %q", want)
			}
			if !strings.Contains(out, "1 failure cases") {
				t.Error("the CLI does not count the request as a failure")
			}
		})
	}
	if n != len(cliBadRequests) {
		t.Errorf("%d of %d CLI cases are in the bad-request table", n, len(cliBadRequests))
	}
}
