package outputs

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func configMap(data map[string]any) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": ConfigMapName("mcp-server"), "namespace": "team-mcp-dev"},
		"data":     data,
	}}
}

func TestRead(t *testing.T) {
	o, err := Read(configMap(map[string]any{
		KeyEndpoint: "https://abc.execute-api.us-east-1.amazonaws.com", KeyFunctionARN: "arn:aws:lambda:us-east-1:1:function:f",
		KeyQueueURLPrefix + "queue-jobs": "https://sqs/jobs", KeyQueueURLPrefix + "failure-queue": "https://sqs/failed",
		KeyLogGroups:   `[{"region":"us-east-1","name":"/aws/lambda/f"},{"region":"eu-west-1","name":"/aws/lambda/f"}]`,
		KeyLogsRoleARN: "arn:aws:iam::1:role/logs",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if o.Source != "team-mcp-dev/mcp-server-outputs" || o.Endpoint == "" || o.QueueURLs["queue-jobs"] != "https://sqs/jobs" ||
		o.QueueURLs["failure-queue"] != "https://sqs/failed" || len(o.LogGroups) != 2 || o.LogGroups[1].Region != "eu-west-1" {
		t.Fatalf("%+v", o)
	}
	if err := o.ForLogs(); err != nil {
		t.Fatal(err)
	}
}

func TestForLogsNamesWhatIsMissing(t *testing.T) {
	o, err := Read(configMap(map[string]any{KeyEndpoint: "https://x"}))
	if err != nil {
		t.Fatal(err)
	}
	err = o.ForLogs()
	for _, want := range []string{"ConfigMap team-mcp-dev/mcp-server-outputs lacks", KeyLogsRoleARN + " (the stage's EnvironmentConfig", KeyLogGroups + " (the stack's log groups"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: want %q", err, want)
		}
	}
	if _, err := Read(configMap(map[string]any{KeyLogGroups: "/aws/lambda/f"})); err == nil || !strings.Contains(err.Error(), "key logGroups: want a JSON list") {
		t.Errorf("malformed logGroups: %v", err)
	}
}
