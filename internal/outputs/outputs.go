// Package outputs is the contract between the LambdaStack function and the tools that read a
// stack's outputs: the ConfigMap the function composes in the stack's namespace. Every name
// below is defined here once; docs/app-teams.md documents them and the function composes
// exactly these.
package outputs

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// ConfigMapSuffix ends the name of the outputs ConfigMap: <name>-outputs, where name is the
// LambdaStack's (or the LambdaStackClaim's) name, in its namespace.
const ConfigMapSuffix = "-outputs"

// The keys of the ConfigMap's data. Every value is a string; a key is absent until its value is
// known (observed from AWS) or when the stack has no such part.
const (
	// KeyEndpoint is the HTTP API's invoke URL (status.apiEndpoint).
	KeyEndpoint = "endpoint"
	// KeyCustomURL is https://<hostname> of the API's custom domain (status.customUrl).
	KeyCustomURL = "customUrl"
	// KeyFunctionName is the function's name in AWS.
	KeyFunctionName = "functionName"
	// KeyFunctionARN is the function's ARN (status.functionArn).
	KeyFunctionARN = "functionArn"
	// KeyAliasARN is the live alias's ARN, when the stack publishes one (status.aliasArn).
	KeyAliasARN = "aliasArn"
	// KeyRegion is the primary region.
	KeyRegion = "region"
	// KeyQueueURLPrefix + part is the URL of each SQS queue the stack creates, keyed by its part
	// of the stack: queueUrl.queue-jobs, queueUrl.queue-jobs-dlq, queueUrl.failure-queue.
	KeyQueueURLPrefix = "queueUrl."
	// KeyLogGroups is a JSON list of the stack's CloudWatch log groups, each
	// {"region": ..., "name": ...}: the function's in every region, the API's access logs.
	KeyLogGroups = "logGroups"
	// KeyLogsRoleARN is the ARN of the stack's read-only logs role (present when the stage's
	// EnvironmentConfig names who may assume it).
	KeyLogsRoleARN = "logsRoleArn"
)

// Keys are every key of the ConfigMap, KeyQueueURLPrefix standing for its queueUrl.<part> keys.
var Keys = []string{KeyEndpoint, KeyCustomURL, KeyFunctionName, KeyFunctionARN, KeyAliasARN, KeyRegion,
	KeyQueueURLPrefix, KeyLogGroups, KeyLogsRoleARN}

// ConfigMapName is the name of a stack's outputs ConfigMap.
func ConfigMapName(stack string) string { return stack + ConfigMapSuffix }

// LogGroup is one entry of KeyLogGroups.
type LogGroup struct {
	Region string `json:"region"`
	Name   string `json:"name"`
}

// Outputs are a stack's outputs as read from its ConfigMap.
type Outputs struct {
	Source       string // namespace/name of the ConfigMap, for messages
	Endpoint     string
	CustomURL    string
	FunctionName string
	FunctionARN  string
	AliasARN     string
	Region       string
	QueueURLs    map[string]string // by part
	LogGroups    []LogGroup
	LogsRoleARN  string
}

// Read decodes an outputs ConfigMap. A malformed logGroups value is an error naming the key.
func Read(cm *unstructured.Unstructured) (Outputs, error) {
	data, _, _ := unstructured.NestedStringMap(cm.Object, "data")
	o := Outputs{
		Source:   cm.GetNamespace() + "/" + cm.GetName(),
		Endpoint: data[KeyEndpoint], CustomURL: data[KeyCustomURL], FunctionName: data[KeyFunctionName],
		FunctionARN: data[KeyFunctionARN], AliasARN: data[KeyAliasARN], Region: data[KeyRegion],
		LogsRoleARN: data[KeyLogsRoleARN], QueueURLs: map[string]string{},
	}
	for k, v := range data {
		if part, ok := strings.CutPrefix(k, KeyQueueURLPrefix); ok {
			o.QueueURLs[part] = v
		}
	}
	if raw := data[KeyLogGroups]; raw != "" {
		if err := json.Unmarshal([]byte(raw), &o.LogGroups); err != nil {
			return o, fmt.Errorf("ConfigMap %s: key %s: want a JSON list of {\"region\", \"name\"}: %w", o.Source, KeyLogGroups, err)
		}
	}
	return o, nil
}

// ForLogs checks that the outputs name what lambdastack logs needs, and says which key is
// missing and why it may be.
func (o Outputs) ForLogs() error {
	var missing []string
	if o.LogsRoleARN == "" {
		missing = append(missing, KeyLogsRoleARN+" (the stage's EnvironmentConfig names no principal that may read the logs, or the role is not created yet)")
	}
	if len(o.LogGroups) == 0 {
		missing = append(missing, KeyLogGroups+" (the stack's log groups are not created yet)")
	}
	for _, g := range o.LogGroups {
		if g.Region == "" || g.Name == "" {
			missing = append(missing, fmt.Sprintf("region and name of every entry of %s (got %+v)", KeyLogGroups, g))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return fmt.Errorf("ConfigMap %s lacks %s", o.Source, strings.Join(missing, "; "))
}
