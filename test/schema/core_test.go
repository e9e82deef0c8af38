package schema

import (
	"errors"
	"strings"
	"testing"
)

func configMap(data map[string]any) map[string]any {
	return map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   map[string]any{"name": "mcp-server-outputs", "namespace": "team-mcp-dev", "labels": map[string]any{"platform.spec3.io/stage": "dev"}},
		"data":       data,
	}
}

// A ConfigMap gets the API server's checks: valid keys and metadata, no unknown or mistyped
// field; ValidateComposed sends core kinds there.
func TestValidateCoreConfigMap(t *testing.T) {
	if err := ValidateComposed(configMap(map[string]any{"endpoint": "https://x", "queueUrl.queue-jobs": "https://sqs"})); err != nil {
		t.Fatalf("a valid ConfigMap: %v", err)
	}
	for name, tc := range map[string]struct {
		obj  map[string]any
		want string
	}{
		"a key with a slash": {configMap(map[string]any{"queueUrl/jobs": "x"}), "data[queueUrl/jobs]"},
		"a number value":     {configMap(map[string]any{"memory": 256}), "cannot unmarshal number"},
		"an unknown field":   {func() map[string]any { o := configMap(nil); o["spec"] = map[string]any{}; return o }(), `unknown field "spec"`},
		"a bad name": {func() map[string]any {
			o := configMap(nil)
			o["metadata"].(map[string]any)["name"] = "Mcp_Outputs"
			return o
		}(), "metadata.name"},
		"too much data": {configMap(map[string]any{"big": strings.Repeat("x", maxConfigMapBytes)}), "may not be more than"},
	} {
		t.Run(name, func(t *testing.T) {
			err := ValidateComposed(tc.obj)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if err := ValidateCore(map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "s"}}); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("a Secret: %v, want ErrUnknownKind", err)
	}
}
