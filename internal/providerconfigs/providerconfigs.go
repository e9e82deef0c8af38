// Package providerconfigs turns the examples' ProviderConfigs (examples/providerconfigs.yaml:
// one per team namespace and stage, IRSA assuming a role in made-up accounts) into the
// ProviderConfigs a test installation uses: the same names and namespaces, credentials from a
// Secret in each ProviderConfig's namespace (provider-aws reads a namespaced ProviderConfig's
// Secret from the managed resource's namespace), the role to assume as given, and optionally an
// endpoint for every service (a local AWS). make e2e-aws (moto) and hack/uptest-cluster.sh (real
// AWS, through go run ./hack/providerconfigs) use it, so both keep the examples' names.
package providerconfigs

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"

	"sigs.k8s.io/yaml"
)

// Options say what the ProviderConfigs get instead of the examples' identity.
type Options struct {
	// SecretName and SecretKey: the Secret, in each ProviderConfig's namespace
	// (crossplane-system for cluster-scoped ones), holding an AWS shared-credentials file.
	SecretName, SecretKey string
	// Credentials, when not nil, gives the credentials file of each ProviderConfig (by
	// "<namespace>/<name>", "/<name>" for cluster-scoped), written as those Secrets.
	Credentials func(key string) (string, error)
	// Role, when not nil, gives the role a ProviderConfig assumes ("": none); nil keeps the
	// examples' roles (a local AWS has every account).
	Role func(key string) string
	// Endpoint: a URL every service in Services is sent to (a local AWS); "" for AWS.
	Endpoint string
	Services []string
}

// Config is one ProviderConfig written, and the account of the role it assumes ("" when none).
type Config struct {
	Key, Role, Account string
}

var roleAccount = regexp.MustCompile(`^arn:[^:]+:iam::(\d{12}):role/`)

// Rewrite returns the manifests of examples (Namespaces and ProviderConfigs) with each
// ProviderConfig's spec replaced as opts says, preceded by the Secrets when opts.Credentials is
// set, and the ProviderConfigs written.
func Rewrite(examples []byte, opts Options) ([]byte, []Config, error) {
	var out [][]byte
	var configs []Config
	secrets := map[string]bool{}
	for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(examples), -1) {
		obj := map[string]any{}
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return nil, nil, err
		}
		if len(obj) == 0 {
			continue
		}
		if obj["kind"] == "ProviderConfig" || obj["kind"] == "ClusterProviderConfig" {
			meta, _ := obj["metadata"].(map[string]any)
			ns, _ := meta["namespace"].(string)
			name, _ := meta["name"].(string)
			key := ns + "/" + name
			secretNS := ns
			if secretNS == "" {
				secretNS = "crossplane-system"
			}
			spec := map[string]any{"credentials": map[string]any{"source": "Secret",
				"secretRef": map[string]any{"namespace": secretNS, "name": opts.SecretName, "key": opts.SecretKey}}}
			role := exampleRole(obj)
			if opts.Role != nil {
				role = opts.Role(key)
			}
			if role != "" {
				spec["assumeRoleChain"] = []any{map[string]any{"roleARN": role}}
			}
			if opts.Endpoint != "" {
				services := make([]any, len(opts.Services))
				for i, s := range opts.Services {
					services[i] = s
				}
				spec["endpoint"] = map[string]any{"url": map[string]any{"type": "Static", "static": opts.Endpoint},
					"hostnameImmutable": true, "source": "Custom", "services": services}
				spec["skip_metadata_api_check"] = true
				spec["skip_region_validation"] = true
				spec["s3_use_path_style"] = true
			}
			obj["spec"] = spec
			c := Config{Key: key, Role: role}
			if m := roleAccount.FindStringSubmatch(role); m != nil {
				c.Account = m[1]
			}
			configs = append(configs, c)
			if opts.Credentials != nil && !secrets[secretNS] {
				creds, err := opts.Credentials(key)
				if err != nil {
					return nil, nil, fmt.Errorf("ProviderConfig %s: %w", key, err)
				}
				secrets[secretNS] = true
				s, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "Secret",
					"metadata":   map[string]any{"name": opts.SecretName, "namespace": secretNS},
					"stringData": map[string]any{opts.SecretKey: creds}})
				if err != nil {
					return nil, nil, err
				}
				out = append(out, s)
			}
		}
		y, err := yaml.Marshal(obj)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, y)
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i]) < rank(out[j]) })
	return bytes.Join(out, []byte("---\n")), configs, nil
}

// rank orders Namespaces first, then Secrets, then the rest, so one kubectl apply creates them.
func rank(doc []byte) int {
	switch {
	case bytes.Contains(doc, []byte("\nkind: Namespace\n")):
		return 0
	case bytes.Contains(doc, []byte("\nkind: Secret\n")):
		return 1
	}
	return 2
}

func exampleRole(obj map[string]any) string {
	spec, _ := obj["spec"].(map[string]any)
	chain, _ := spec["assumeRoleChain"].([]any)
	if len(chain) == 0 {
		return ""
	}
	r, _ := chain[0].(map[string]any)
	s, _ := r["roleARN"].(string)
	return s
}
