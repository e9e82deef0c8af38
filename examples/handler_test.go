package examples_test

// Runs examples/lambda/handler.py with python3 on the sample API Gateway
// HTTP API (payload 2.0) events in examples/lambda/events and checks every
// response. Every event file must have a check below, so a new sample
// cannot go untested.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	lambdaDir = "lambda"
	// Values of the secret variables: they must never show up in a response.
	secretValue1 = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-password-SeCrEt1"
	secretValue2 = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-token-SeCrEt2"
)

// driver loads handler.py and prints {"<event file>": <response>, ...}.
const driver = `
import json, sys
import handler
out = {}
for path in sys.argv[1:]:
    with open(path) as f:
        out[path.split("/")[-1]] = handler.handler(json.load(f), None)
print(json.dumps(out))
`

type httpResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
}

type rpcResponse struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result"`
	Error   *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func TestHandlerOnSampleEvents(t *testing.T) {
	responses := runHandler(t)
	checks := map[string]func(*testing.T, httpResponse){
		"initialize.json":               checkInitialize,
		"initialized-notification.json": checkAccepted,
		"ping.json":                     func(t *testing.T, r httpResponse) { wantResult(t, r, `"ping-1"`, `{}`) },
		"tools-list.json":               func(t *testing.T, r httpResponse) { checkToolsList(t, r, `2`) },
		"tools-list-base64.json":        func(t *testing.T, r httpResponse) { checkToolsList(t, r, `3`) },
		"tools-list-named-stage.json":   func(t *testing.T, r httpResponse) { checkToolsList(t, r, `4`) },
		"tools-call-echo.json": func(t *testing.T, r httpResponse) {
			wantResult(t, r, `5`, `{"content":[{"type":"text","text":"hello from Lambda"}],"isError":false}`)
		},
		"tools-call-stage-info.json":   checkStageInfo,
		"error-parse.json":             func(t *testing.T, r httpResponse) { wantError(t, r, 400, `null`, -32700) },
		"error-invalid-request.json":   func(t *testing.T, r httpResponse) { wantError(t, r, 400, `null`, -32600) },
		"error-batch.json":             func(t *testing.T, r httpResponse) { wantError(t, r, 400, `null`, -32600) },
		"error-method-not-found.json":  func(t *testing.T, r httpResponse) { wantError(t, r, 200, `11`, -32601) },
		"error-unknown-tool.json":      func(t *testing.T, r httpResponse) { wantError(t, r, 200, `12`, -32602) },
		"error-echo-without-text.json": func(t *testing.T, r httpResponse) { wantError(t, r, 200, `13`, -32602) },
		"get-mcp.json": func(t *testing.T, r httpResponse) {
			wantStatus(t, r, 405)
			if r.Headers["Allow"] != "POST" {
				t.Errorf("Allow header = %q, want POST", r.Headers["Allow"])
			}
		},
		"health.json":       func(t *testing.T, r httpResponse) { wantStatus(t, r, 200) },
		"unknown-path.json": func(t *testing.T, r httpResponse) { wantStatus(t, r, 404) },
	}
	for name := range responses {
		if checks[name] == nil {
			t.Errorf("events/%s has no check in this test: add one", name)
		}
	}
	for name, check := range checks {
		t.Run(name, func(t *testing.T) {
			r, ok := responses[name]
			if !ok {
				t.Fatalf("events/%s is missing", name)
			}
			check(t, r)
			if strings.Contains(r.Body, "SeCrEt") {
				t.Errorf("response leaks a secret value: %s", r.Body)
			}
		})
	}
}

// runHandler invokes the handler on every events/*.json in one python3 run.
func runHandler(t *testing.T) map[string]httpResponse {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found: the example handler cannot be run")
	}
	events, err := filepath.Glob(filepath.Join(lambdaDir, "events", "*.json"))
	if err != nil || len(events) == 0 {
		t.Fatalf("no sample events in %s/events (err %v)", lambdaDir, err)
	}
	for i, e := range events {
		events[i], _ = filepath.Rel(lambdaDir, e)
	}
	cmd := exec.Command(python, append([]string{"-c", driver}, events...)...)
	cmd.Dir = lambdaDir
	cmd.Env = append(os.Environ(),
		"PYTHONDONTWRITEBYTECODE=1", "PYTHONPATH=.",
		"STAGE=dev",
		"SECRET_DB_PASSWORD_ARN="+secretValue1,
		"SECRET_API_TOKEN_ARN="+secretValue2,
		"SECRET_TOKEN=SeCrEt3",     // no _ARN suffix: not a stack secret, not listed
		"MY_SECRET_DB_ARN=SeCrEt4", // no SECRET_ prefix: not listed
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running handler.py: %v\n%s", err, stderr.String())
	}
	responses := map[string]httpResponse{}
	if err := json.Unmarshal(out, &responses); err != nil {
		t.Fatalf("driver output is not JSON: %v\n%s", err, out)
	}
	return responses
}

func wantStatus(t *testing.T, r httpResponse, code int) {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("status = %d, want %d (body %s)", r.StatusCode, code, r.Body)
	}
}

func decodeRPC(t *testing.T, r httpResponse, status int) rpcResponse {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var rpc rpcResponse
	if err := json.Unmarshal([]byte(r.Body), &rpc); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.Body)
	}
	if rpc.JSONRPC != "2.0" {
		t.Errorf(`jsonrpc = %q, want "2.0"`, rpc.JSONRPC)
	}
	return rpc
}

func wantResult(t *testing.T, r httpResponse, id, result string) {
	t.Helper()
	rpc := decodeRPC(t, r, 200)
	if string(rpc.ID) != id {
		t.Errorf("id = %s, want %s", rpc.ID, id)
	}
	if rpc.Error != nil {
		t.Fatalf("unexpected error %+v", *rpc.Error)
	}
	if !jsonEqual(t, rpc.Result, result) {
		t.Errorf("result = %s, want %s", rpc.Result, result)
	}
}

func wantError(t *testing.T, r httpResponse, status int, id string, code int) {
	t.Helper()
	rpc := decodeRPC(t, r, status)
	if string(rpc.ID) != id {
		t.Errorf("id = %s, want %s", rpc.ID, id)
	}
	if rpc.Result != nil {
		t.Errorf("error response also has a result: %s", rpc.Result)
	}
	if rpc.Error == nil || rpc.Error.Code != code || rpc.Error.Message == "" {
		t.Fatalf("error = %+v, want code %d with a message", rpc.Error, code)
	}
}

func checkAccepted(t *testing.T, r httpResponse) {
	wantStatus(t, r, 202)
	if r.Body != "" {
		t.Errorf("a notification must get no body, got %q", r.Body)
	}
}

func checkInitialize(t *testing.T, r httpResponse) {
	rpc := decodeRPC(t, r, 200)
	var res struct {
		ProtocolVersion string                     `json:"protocolVersion"`
		Capabilities    map[string]json.RawMessage `json:"capabilities"`
		ServerInfo      struct{ Name, Version string }
	}
	if err := json.Unmarshal(rpc.Result, &res); err != nil {
		t.Fatalf("initialize result: %v: %s", err, rpc.Result)
	}
	if string(rpc.ID) != "1" || res.ProtocolVersion != "2025-06-18" || res.ServerInfo.Name == "" {
		t.Errorf("initialize: id %s, result %+v", rpc.ID, res)
	}
	if _, ok := res.Capabilities["tools"]; !ok {
		t.Errorf("initialize does not announce the tools capability: %s", rpc.Result)
	}
}

func checkToolsList(t *testing.T, r httpResponse, id string) {
	rpc := decodeRPC(t, r, 200)
	var res struct {
		Tools []struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			InputSchema json.RawMessage `json:"inputSchema"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(rpc.Result, &res); err != nil {
		t.Fatalf("tools/list result: %v: %s", err, rpc.Result)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		if tool.Description == "" || !strings.Contains(string(tool.InputSchema), `"object"`) {
			t.Errorf("tool %s needs a description and an object inputSchema", tool.Name)
		}
	}
	if string(rpc.ID) != id || !slices.Equal(names, []string{"echo", "stage_info"}) {
		t.Errorf("tools/list: id %s (want %s), tools %v", rpc.ID, id, names)
	}
}

func checkStageInfo(t *testing.T, r httpResponse) {
	rpc := decodeRPC(t, r, 200)
	var res struct {
		Content           []struct{ Type, Text string } `json:"content"`
		StructuredContent struct {
			Stage         string   `json:"stage"`
			SecretEnvVars []string `json:"secretEnvVars"`
		} `json:"structuredContent"`
	}
	if err := json.Unmarshal(rpc.Result, &res); err != nil {
		t.Fatalf("stage_info result: %v: %s", err, rpc.Result)
	}
	want := []string{"SECRET_API_TOKEN_ARN", "SECRET_DB_PASSWORD_ARN"}
	got := res.StructuredContent
	if got.Stage != "dev" || !slices.Equal(got.SecretEnvVars, want) {
		t.Errorf("stage_info = %+v, want stage dev and secrets %v", got, want)
	}
	if len(res.Content) != 1 || res.Content[0].Type != "text" || !strings.Contains(res.Content[0].Text, "SECRET_DB_PASSWORD_ARN") {
		t.Errorf("stage_info text content = %+v", res.Content)
	}
}

func jsonEqual(t *testing.T, got json.RawMessage, want string) bool {
	t.Helper()
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("result is not JSON: %v", err)
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatalf("bad expectation %s: %v", want, err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
