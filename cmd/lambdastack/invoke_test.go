package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spec3/lambdastack/internal/stackrender/rendertest"
)

const events = "../../examples/lambda/events/"

// invokeExample runs `lambdastack invoke --local` on an example request and event and decodes
// what the handler returned.
func invokeExample(t *testing.T, request, source, event string, extra ...string) (map[string]any, string) {
	t.Helper()
	args := append([]string{"invoke", "--local", request, "--source", source, "--event", event,
		"--crossplane-core", rendertest.Core(t)}, extra...)
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("%q: exit %d\n%s", args, code, stderr)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	return out, stderr
}

// rpcResult decodes the JSON-RPC result in an HTTP API response's body.
func rpcResult(t *testing.T, resp map[string]any) map[string]any {
	t.Helper()
	if resp["statusCode"] != float64(200) {
		t.Fatalf("status %v: %v", resp["statusCode"], resp)
	}
	var body struct {
		Result map[string]any `json:"result"`
	}
	if err := json.Unmarshal([]byte(resp["body"].(string)), &body); err != nil || body.Result == nil {
		t.Fatalf("body %v: %v", resp["body"], err)
	}
	return body.Result
}

// The MCP example answers initialize and tools/list through the stack's handler and runtime.
func TestInvokeLocalMCPExample(t *testing.T) {
	resp, stderr := invokeExample(t, "../../examples/dev.yaml", "../../examples/lambda", events+"initialize.json")
	if res := rpcResult(t, resp); res["protocolVersion"] != "2025-06-18" || res["capabilities"].(map[string]any)["tools"] == nil {
		t.Errorf("initialize: %v", res)
	}
	if !strings.Contains(stderr, "invoking handler.handler (python3.11, team-mcp-dev_dev_mcp-server)") {
		t.Errorf("stderr: %s", stderr)
	}
	resp, _ = invokeExample(t, "../../examples/dev.yaml", "../../examples/lambda", events+"tools-list.json")
	var names []string
	for _, tool := range rpcResult(t, resp)["tools"].([]any) {
		names = append(names, tool.(map[string]any)["name"].(string))
	}
	if !slices.Equal(names, []string{"echo", "stage_info"}) {
		t.Errorf("tools/list: %v", names)
	}
	// prod: its stage, an existing and a created secret (the function waits for the created
	// secret's ARN; the local run observes it under a placeholder)
	resp, stderr = invokeExample(t, "../../examples/prod.yaml", "../../examples/lambda", events+"tools-call-stage-info.json",
		"--required-resources", "../../examples/environmentconfigs")
	sc := rpcResult(t, resp)["structuredContent"].(map[string]any)
	if sc["stage"] != "prod" || !slices.Equal(toStrings(sc["secretEnvVars"]), []string{"SECRET_SIGNING_KEY_ARN", "SECRET_UPSTREAM_TOKEN_ARN"}) {
		t.Errorf("stage_info on prod: %v", sc)
	}
	if !strings.Contains(stderr, "placeholder ARNs for SECRET_SIGNING_KEY_ARN, SECRET_UPSTREAM_TOKEN_ARN") {
		t.Errorf("stderr: %s", stderr)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// The handler sees the stack's environment, with placeholder secret ARNs, in both runtimes.
func TestInvokeLocalEnvironment(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"env.py":  "import os\ndef handler(event, context):\n    print('log line')\n    return {k: os.environ.get(k) for k in event['keys']} | {'remaining': context.get_remaining_time_in_millis() > 0}\n",
		"env.mjs": "export const handler = async (event, context) => { console.log('log line'); return Object.fromEntries(event.keys.map(k => [k, process.env[k] ?? null])); };\n",
		"event.json": `{"keys": ["STAGE", "LOG_LEVEL", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION",
			"SECRET_SIGNING_KEY_ARN", "SECRET_UPSTREAM_TOKEN_ARN", "LAMBDA_TASK_ROOT"]}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	prod, err := os.ReadFile("../../examples/prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ runtime, handler string }{{"python3.11", "env.handler"}, {"nodejs20.x", "env.handler"}} {
		request := strings.Replace(string(prod), "    memoryMB: 1536\n", "    memoryMB: 1536\n    runtime: "+c.runtime+"\n    handler: "+c.handler+"\n", 1)
		file := filepath.Join(dir, "prod-"+c.runtime+".yaml")
		if err := os.WriteFile(file, []byte(request), 0o644); err != nil {
			t.Fatal(err)
		}
		env, stderr := invokeExample(t, file, dir, filepath.Join(dir, "event.json"), "--required-resources", "../../examples/environmentconfigs")
		if !strings.Contains(stderr, "log line") {
			t.Errorf("%s: the handler's log output is not on stderr: %s", c.runtime, stderr)
		}
		if env["STAGE"] != "prod" || env["AWS_LAMBDA_FUNCTION_NAME"] != "team-mcp-prod_prod_mcp-server" || env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] != "1536" ||
			env["AWS_REGION"] != "eu-central-1" || env["LAMBDA_TASK_ROOT"] != dir {
			t.Errorf("%s: environment %v", c.runtime, env)
		}
		for _, k := range []string{"SECRET_SIGNING_KEY_ARN", "SECRET_UPSTREAM_TOKEN_ARN"} {
			if v, _ := env[k].(string); !strings.HasPrefix(v, "arn:aws:secretsmanager:eu-central-1:000000000000:secret:") {
				t.Errorf("%s: %s = %q, want a placeholder ARN in account 000000000000", c.runtime, k, v)
			}
		}
		if strings.Contains(env["SECRET_UPSTREAM_TOKEN_ARN"].(string), "333333333333") {
			t.Errorf("%s: the real account leaks: %v", c.runtime, env["SECRET_UPSTREAM_TOKEN_ARN"])
		}
	}
}

func TestInvokeArguments(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"invoke", "../../examples/dev.yaml", "--event", "e.json"}, 2, "--local is required"},
		{[]string{"invoke", "--local", "../../examples/dev.yaml"}, 2, "--event is required"},
		{[]string{"invoke", "--local", "nosuchfile.yaml", "--event", "e.json", "--crossplane-core", rendertest.Core(t)}, 1, "no such request file; for a live LambdaStack pass its namespace with -n"},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("%q: exit %d, %q; want %d and %q", c.args, code, stdout+stderr, c.code, c.want)
		}
	}
}
