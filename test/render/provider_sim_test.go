package render_test

import (
	"strings"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"
)

// The account ID the simulated provider reports.
const simulatedAccount = "123456789012"

// SimulateProvider stands in for provider-aws, which does not run here: it returns the composed
// resources as the provider would report them once created in AWS: Ready and Synced, with the
// status.atProvider fields the function reads (ARNs, IDs, endpoints, versions). Values are made
// up but shaped like AWS's. It proves the function's readiness and status logic, not AWS.
func SimulateProvider(desired []composed.Unstructured) []composed.Unstructured {
	externalNames := map[string]string{} // metadata.name -> AWS name, to resolve references
	for _, d := range desired {
		externalNames[d.GetName()] = d.GetAnnotations()["crossplane.io/external-name"]
	}
	out := make([]composed.Unstructured, 0, len(desired))
	for _, d := range desired {
		o := composed.New()
		o.SetUnstructuredContent(deepCopy(d.Object))
		status := map[string]any{
			"conditions": []any{
				map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": "2024-01-01T00:00:00Z"},
				map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": "2024-01-01T00:00:00Z"},
			},
		}
		if at := simulatedAtProvider(o, externalNames); at != nil {
			status["atProvider"] = at
		}
		o.Object["status"] = status
		out = append(out, *o)
	}
	return out
}

func simulatedAtProvider(o *composed.Unstructured, externalNames map[string]string) map[string]any {
	ext := o.GetAnnotations()["crossplane.io/external-name"]
	fp, _ := o.Object["spec"].(map[string]any)["forProvider"].(map[string]any)
	region, _ := fp["region"].(string)
	group := strings.SplitN(o.GetObjectKind().GroupVersionKind().Group, ".", 2)[0]
	arn := func(service, resource string) string {
		return "arn:aws:" + service + ":" + region + ":" + simulatedAccount + ":" + resource
	}
	switch group + "/" + o.GetKind() {
	case "iam/Role":
		return map[string]any{"arn": "arn:aws:iam::" + simulatedAccount + ":role/" + ext, "id": ext}
	case "lambda/Function":
		return map[string]any{
			"arn":       arn("lambda", "function:"+ext),
			"invokeArn": "arn:aws:apigateway:" + region + ":lambda:path/2015-03-31/functions/" + arn("lambda", "function:"+ext) + "/invocations",
			"version":   "1",
		}
	case "lambda/Alias":
		fn, _ := fp["functionName"].(string)
		if ref, ok := fp["functionNameRef"].(map[string]any); ok {
			name, _ := ref["name"].(string)
			fn = externalNames[name]
		}
		version, _ := fp["functionVersion"].(string)
		return map[string]any{"arn": arn("lambda", "function:"+fn+":"+ext), "functionVersion": version}
	case "cloudwatchlogs/Group":
		return map[string]any{"arn": arn("logs", "log-group:"+ext)}
	case "apigatewayv2/API":
		id := "a1b2c3d4e5"
		return map[string]any{
			"id":           id,
			"arn":          "arn:aws:apigateway:" + region + "::/apis/" + id,
			"apiEndpoint":  "https://" + id + ".execute-api." + region + ".amazonaws.com",
			"executionArn": arn("execute-api", id),
		}
	case "apigatewayv2/Integration":
		return map[string]any{"id": "int0001"}
	case "apigatewayv2/Authorizer":
		return map[string]any{"id": "auth001"}
	case "apigatewayv2/Stage":
		return map[string]any{"invokeUrl": "https://a1b2c3d4e5.execute-api." + region + ".amazonaws.com/"}
	case "sns/Topic":
		return map[string]any{"arn": arn("sns", ext)}
	case "secretsmanager/Secret":
		name, _ := fp["name"].(string)
		return map[string]any{"arn": arn("secretsmanager", "secret:"+name+"-AbC123")}
	case "ec2/SecurityGroup":
		return map[string]any{"id": "sg-0123456789abcdef0", "arn": arn("ec2", "security-group/sg-0123456789abcdef0")}
	}
	return nil
}

func deepCopy(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, x := range v {
		out[k] = deepCopyValue(x)
	}
	return out
}

func deepCopyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return deepCopy(t)
	case []any:
		c := make([]any, len(t))
		for i, x := range t {
			c[i] = deepCopyValue(x)
		}
		return c
	}
	return v
}
