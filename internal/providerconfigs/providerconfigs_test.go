package providerconfigs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestRewriteKeepsNamesAndWiresCredentials(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "examples", "providerconfigs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, configs, err := Rewrite(raw, Options{SecretName: "aws-credentials", SecretKey: "credentials",
		Credentials: func(key string) (string, error) {
			if key == "team-mcp-prod/aws-prod" {
				return "[default]\naws_access_key_id = P\n", nil
			}
			return "[default]\naws_access_key_id = A\n", nil
		},
		Role: func(key string) string {
			if key == "team-mcp-prod/aws-prod" {
				return "arn:aws:iam::210987654321:role/deployer"
			}
			return ""
		}})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range configs {
		keys = append(keys, c.Key)
	}
	// the examples' ProviderConfigs, every one of them, by the same names
	if got := strings.Join(keys, " "); got != "team-mcp-dev/dev team-mcp-staging/staging team-mcp-qa/aws-qa team-mcp-prod/aws-prod /dev" {
		t.Errorf("ProviderConfigs written: %s", got)
	}
	docs := strings.Split(string(out), "---\n")
	kinds := map[string]int{}
	secretNS := map[string]string{}
	for i, d := range docs {
		obj := map[string]any{}
		if err := yaml.Unmarshal([]byte(d), &obj); err != nil {
			t.Fatal(err)
		}
		kinds[obj["kind"].(string)]++
		meta := obj["metadata"].(map[string]any)
		ns, _ := meta["namespace"].(string)
		switch obj["kind"] {
		case "Namespace":
			if kinds["Secret"]+kinds["ProviderConfig"] > 0 {
				t.Errorf("document %d: a Namespace after the objects in it", i)
			}
		case "Secret":
			secretNS[ns] = obj["stringData"].(map[string]any)["credentials"].(string)
		case "ProviderConfig":
			spec := obj["spec"].(map[string]any)
			ref := spec["credentials"].(map[string]any)["secretRef"].(map[string]any)
			want := ns
			if want == "" {
				want = "crossplane-system"
			}
			if ref["namespace"] != want || ref["name"] != "aws-credentials" || spec["credentials"].(map[string]any)["source"] != "Secret" {
				t.Errorf("%s/%s: credentials %v, want the Secret aws-credentials in %s", ns, meta["name"], spec["credentials"], want)
			}
			if _, ok := secretNS[want]; !ok {
				t.Errorf("%s/%s reads a Secret in %s that is not written before it", ns, meta["name"], want)
			}
			chain, _ := spec["assumeRoleChain"].([]any)
			if ns == "team-mcp-prod" {
				if len(chain) != 1 || chain[0].(map[string]any)["roleARN"] != "arn:aws:iam::210987654321:role/deployer" {
					t.Errorf("aws-prod assumes %v, want the given role", chain)
				}
			} else if len(chain) != 0 {
				t.Errorf("%s/%s assumes %v, want none", ns, meta["name"], chain)
			}
			if strings.Contains(d, "IRSA") || strings.Contains(d, "111111111111") {
				t.Errorf("%s/%s keeps the examples' identity:\n%s", ns, meta["name"], d)
			}
		}
	}
	if kinds["ProviderConfig"] != 5 || kinds["Secret"] != 5 || kinds["Namespace"] != 4 {
		t.Errorf("kinds written: %v", kinds)
	}
	if !strings.Contains(secretNS["team-mcp-prod"], "= P") || !strings.Contains(secretNS["team-mcp-dev"], "= A") {
		t.Errorf("credentials by ProviderConfig: %v", secretNS)
	}
}

func TestRewriteLocalAWSKeepsRolesAndSetsEndpoint(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "examples", "providerconfigs.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out, configs, err := Rewrite(raw, Options{SecretName: "local", SecretKey: "credentials",
		Credentials: func(string) (string, error) { return "x", nil }, Endpoint: "http://127.0.0.1:1", Services: []string{"lambda", "sts"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range configs {
		if c.Account == "" || !strings.HasPrefix(c.Role, "arn:aws:iam::"+c.Account+":role/") {
			t.Errorf("%s: role %q account %q, want the examples' role and its account", c.Key, c.Role, c.Account)
		}
	}
	if n := strings.Count(string(out), "static: http://127.0.0.1:1"); n != 5 {
		t.Errorf("%d ProviderConfigs with the endpoint, want 5", n)
	}
	_, _, err = Rewrite(raw, Options{SecretName: "s", SecretKey: "k", Credentials: func(key string) (string, error) {
		if key != "team-mcp-dev/dev" {
			return "", errors.New("no credentials")
		}
		return "x", nil
	}})
	if err == nil || !strings.Contains(err.Error(), "team-mcp-staging/staging") {
		t.Errorf("credentials for one ProviderConfig only: %v, want an error naming the next", err)
	}
}
