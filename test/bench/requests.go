// Package bench builds the RunFunctionRequests the benchmarks and the gRPC load generator send:
// every example stage as Crossplane sends it once the stage-config requirement is answered (a
// first reconcile), and a later reconcile of the same stack in which every composed resource is
// observed with a simulated provider status (SimulatedProviderObserved).
package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"google.golang.org/protobuf/types/known/structpb"
	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/apis/v1alpha1"
	"github.com/spec3/lambdastack/fn"
)

// Stage is one example request.
type Stage struct {
	Name string
	File string // relative to the repository root
}

// Stages are every example stage, in the order the benchmarks report them.
var Stages = []Stage{
	{Name: "dev", File: "examples/dev.yaml"},
	{Name: "staging", File: "examples/staging.yaml"},
	{Name: "prod", File: "examples/prod.yaml"},
	{Name: "qa", File: "examples/qa.yaml"},
	{Name: "legacy", File: "examples/legacy-claim.yaml"},
}

// StageByName returns the example stage called name.
func StageByName(name string) (Stage, error) {
	for _, s := range Stages {
		if s.Name == name {
			return s, nil
		}
	}
	return Stage{}, fmt.Errorf("no example stage %q", name)
}

// FindRoot walks up from the working directory to the repository root (the go.mod of
// github.com/spec3/lambdastack).
func FindRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/spec3/lambdastack\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the lambdastack repository")
		}
		dir = parent
	}
}

// Simulated identifiers of what the API server and Crossplane add to objects they store.
const (
	simulatedXRUID   = "9d2f5c1e-4b7a-4c3e-9f10-2a6b8c0d1e2f"
	simulatedAccount = "123456789012"
	simulatedTime    = "2025-01-01T00:00:00Z"
)

// FirstRequest is the request Crossplane sends for the example once it has answered the
// stage-config requirement: the XR (a claim becomes the XLambdaStack Crossplane creates for it)
// as the observed composite, with the fields the API server and Crossplane add to a stored XR
// (uid, resourceVersion, generation, finalizers, spec.crossplane), and every EnvironmentConfig
// of examples/environmentconfigs that carries the stage's label as the required resources (none
// for a stage without one: an empty answer).
func FirstRequest(root string, st Stage) (*fnv1.RunFunctionRequest, error) {
	xr, err := readYAML(filepath.Join(root, st.File))
	if err != nil {
		return nil, err
	}
	composition := "lambdastack"
	if xr["kind"] == "LambdaStackClaim" {
		xr["kind"] = v1alpha1.KindXLambdaStack
		meta := xr["metadata"].(map[string]any)
		claimNS, _ := meta["namespace"].(string)
		delete(meta, "namespace")
		meta["labels"] = map[string]any{"crossplane.io/claim-name": meta["name"], "crossplane.io/claim-namespace": claimNS}
		composition = "xlambdastack"
	}
	meta := xr["metadata"].(map[string]any)
	meta["uid"] = simulatedXRUID
	meta["resourceVersion"] = "4711"
	meta["generation"] = 1
	meta["creationTimestamp"] = simulatedTime
	meta["finalizers"] = []any{"composite.apiextensions.crossplane.io"}
	spec, _ := xr["spec"].(map[string]any)
	spec["crossplane"] = map[string]any{
		"compositionRef":          map[string]any{"name": composition},
		"compositionRevisionRef":  map[string]any{"name": composition + "-a1b2c3d"},
		"compositionUpdatePolicy": "Automatic",
	}
	stage, _ := spec["stage"].(string)

	var items []*fnv1.Resource
	envDir := filepath.Join(root, "examples", "environmentconfigs")
	files, err := filepath.Glob(filepath.Join(envDir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	for _, f := range files {
		env, err := readYAML(f)
		if err != nil {
			return nil, err
		}
		labels, _ := env["metadata"].(map[string]any)["labels"].(map[string]any)
		if labels[v1alpha1.StageLabel] != stage {
			continue
		}
		env["metadata"].(map[string]any)["uid"] = "env-" + filepath.Base(f)
		s, err := structpb.NewStruct(env)
		if err != nil {
			return nil, err
		}
		items = append(items, &fnv1.Resource{Resource: s})
	}

	x, err := structpb.NewStruct(xr)
	if err != nil {
		return nil, err
	}
	return &fnv1.RunFunctionRequest{
		Meta:              &fnv1.RequestMeta{Tag: "bench-" + st.Name},
		Observed:          &fnv1.State{Composite: &fnv1.Resource{Resource: x}},
		Desired:           &fnv1.State{},
		RequiredResources: map[string]*fnv1.Resources{fn.RequirementStageConfig: {Items: items}},
	}, nil
}

// RunFunc calls the function (in-process or over gRPC).
type RunFunc func(context.Context, *fnv1.RunFunctionRequest) (*fnv1.RunFunctionResponse, error)

// LaterRequest is a later reconcile of the stack of first: it plays the provider until the
// function composes nothing new (some parts wait for values AWS reports), then returns the
// request of the next reconcile, which carries every composed resource as observed
// (SimulatedProviderObserved) and the XR with the status the function wrote.
func LaterRequest(ctx context.Context, run RunFunc, first *fnv1.RunFunctionRequest) (*fnv1.RunFunctionRequest, error) {
	req := first
	before := -1
	for round := 0; ; round++ {
		rsp, err := run(ctx, req)
		if err != nil {
			return nil, err
		}
		if err := CheckResponse(rsp); err != nil {
			return nil, err
		}
		desired := rsp.GetDesired().GetResources()
		if len(desired) == before {
			return req, nil
		}
		if round == 5 {
			return nil, fmt.Errorf("the function still composes new resources after %d rounds", round)
		}
		before = len(desired)
		req = laterRequest(first, rsp)
	}
}

func laterRequest(first *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse) *fnv1.RunFunctionRequest {
	xr := first.GetObserved().GetComposite().GetResource().AsMap()
	keys := make([]string, 0, len(rsp.GetDesired().GetResources()))
	for k := range rsp.GetDesired().GetResources() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	observed := make(map[string]*fnv1.Resource, len(keys))
	refs := make([]any, 0, len(keys))
	for i, k := range keys {
		d := rsp.GetDesired().GetResources()[k].GetResource().AsMap()
		o := SimulatedProviderObserved(k, i, d, xr)
		refs = append(refs, map[string]any{"apiVersion": o["apiVersion"], "kind": o["kind"], "name": o["metadata"].(map[string]any)["name"]})
		observed[k] = &fnv1.Resource{Resource: mustStruct(o)}
	}
	xr["spec"].(map[string]any)["crossplane"].(map[string]any)["resourceRefs"] = refs
	status := map[string]any{}
	if s, ok := rsp.GetDesired().GetComposite().GetResource().AsMap()["status"].(map[string]any); ok {
		status = s
	}
	status["conditions"] = []any{
		map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": simulatedTime},
		map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": simulatedTime},
		map[string]any{"type": fn.ConditionResourcesReady, "status": "True", "reason": "Available", "lastTransitionTime": simulatedTime},
	}
	xr["status"] = status
	return &fnv1.RunFunctionRequest{
		Meta:              first.GetMeta(),
		Observed:          &fnv1.State{Composite: &fnv1.Resource{Resource: mustStruct(xr)}, Resources: observed},
		Desired:           &fnv1.State{},
		RequiredResources: first.GetRequiredResources(),
	}
}

// SimulatedProviderObserved stands in for provider-aws, which does not run here: the desired
// resource as the API server would return it once the provider has created it in AWS: with the
// metadata the API server and Crossplane add, Ready and Synced conditions, and a
// status.atProvider that mirrors spec.forProvider (as upjet providers do) plus the identifiers
// AWS assigns (ARNs, IDs, endpoints, versions). The values are made up but shaped like AWS's.
// It makes requests of realistic size and content; it proves nothing about AWS.
func SimulatedProviderObserved(key string, i int, desired, xr map[string]any) map[string]any {
	o := desired
	meta, _ := o["metadata"].(map[string]any)
	xrMeta, _ := xr["metadata"].(map[string]any)
	annotations, _ := meta["annotations"].(map[string]any)
	if annotations == nil {
		annotations = map[string]any{}
		meta["annotations"] = annotations
	}
	ext, _ := annotations[fn.AnnotationExternalName].(string)
	if ext == "" {
		ext = fmt.Sprintf("%s-%08x", key, 0x5eed0000+i)
		annotations[fn.AnnotationExternalName] = ext
	}
	annotations["crossplane.io/composition-resource-name"] = key
	annotations["crossplane.io/external-create-pending"] = simulatedTime
	annotations["crossplane.io/external-create-succeeded"] = simulatedTime
	meta["uid"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
	meta["resourceVersion"] = fmt.Sprintf("%d", 5000+i)
	meta["generation"] = 1
	meta["creationTimestamp"] = simulatedTime
	meta["finalizers"] = []any{"finalizer.managedresource.crossplane.io"}
	meta["ownerReferences"] = []any{map[string]any{
		"apiVersion": xr["apiVersion"], "kind": xr["kind"], "name": xrMeta["name"], "uid": xrMeta["uid"],
		"controller": true, "blockOwnerDeletion": true,
	}}

	spec, _ := o["spec"].(map[string]any)
	fp, _ := spec["forProvider"].(map[string]any)
	if _, ok := spec["managementPolicies"]; !ok {
		spec["managementPolicies"] = []any{"*"}
	}
	at := map[string]any{}
	for k, v := range fp {
		if strings.HasSuffix(k, "Ref") || strings.HasSuffix(k, "Refs") || strings.HasSuffix(k, "Selector") {
			continue
		}
		at[k] = v
	}
	for k, v := range simulatedAWSFields(o, ext, fp) {
		at[k] = v
	}
	at["id"] = firstNonEmpty(at["id"], ext)
	o["status"] = map[string]any{
		"atProvider": at,
		"conditions": []any{
			map[string]any{"type": "Ready", "status": "True", "reason": "Available", "lastTransitionTime": simulatedTime},
			map[string]any{"type": "Synced", "status": "True", "reason": "ReconcileSuccess", "lastTransitionTime": simulatedTime},
			map[string]any{"type": "LastAsyncOperation", "status": "True", "reason": "Success", "lastTransitionTime": simulatedTime},
		},
		"observedGeneration": 1,
	}
	return o
}

// simulatedAWSFields are the identifiers AWS assigns to a resource of the kind.
func simulatedAWSFields(o map[string]any, ext string, fp map[string]any) map[string]any {
	apiVersion, _ := o["apiVersion"].(string)
	group, _, _ := strings.Cut(apiVersion, ".")
	kind, _ := o["kind"].(string)
	region, _ := fp["region"].(string)
	arn := func(service, res string) string {
		return "arn:aws:" + service + ":" + region + ":" + simulatedAccount + ":" + res
	}
	name, _ := fp["name"].(string)
	switch group + "/" + kind {
	case "iam/Role":
		return map[string]any{"arn": "arn:aws:iam::" + simulatedAccount + ":role/" + ext, "id": ext, "uniqueId": "AROAEXAMPLE" + strings.ToUpper(ext[:min(len(ext), 8)]), "createDate": simulatedTime}
	case "lambda/Function":
		fnARN := arn("lambda", "function:"+ext)
		return map[string]any{
			"arn": fnARN, "qualifiedArn": fnARN + ":1", "version": "1", "lastModified": simulatedTime,
			"invokeArn":      "arn:aws:apigateway:" + region + ":lambda:path/2015-03-31/functions/" + fnARN + "/invocations",
			"sourceCodeHash": "Yk9u4Q1n5C0mS2p8q3v7x6z0a1b2c3d4e5f6g7h8i9j=", "sourceCodeSize": 1048576,
		}
	case "lambda/Alias":
		f, _ := fp["functionName"].(string)
		return map[string]any{"arn": arn("lambda", "function:"+f+":"+ext), "invokeArn": "arn:aws:apigateway:" + region + ":lambda:path/2015-03-31/functions/" + arn("lambda", "function:"+f+":"+ext) + "/invocations"}
	case "cloudwatchlogs/Group":
		return map[string]any{"arn": arn("logs", "log-group:"+ext)}
	case "apigatewayv2/API":
		id := "a1b2c3d4e5"
		return map[string]any{
			"id": id, "arn": "arn:aws:apigateway:" + region + "::/apis/" + id,
			"apiEndpoint":  "https://" + id + ".execute-api." + region + ".amazonaws.com",
			"executionArn": arn("execute-api", id),
		}
	case "apigatewayv2/Stage":
		return map[string]any{"invokeUrl": "https://a1b2c3d4e5.execute-api." + region + ".amazonaws.com/", "executionArn": arn("execute-api", "a1b2c3d4e5/"+ext)}
	case "sns/Topic":
		return map[string]any{"arn": arn("sns", firstNonEmpty(name, ext))}
	case "sns/TopicSubscription":
		return map[string]any{"arn": arn("sns", "alarms:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")}
	case "secretsmanager/Secret":
		return map[string]any{"arn": arn("secretsmanager", "secret:"+firstNonEmpty(name, ext)+"-AbC123")}
	case "ec2/SecurityGroup":
		return map[string]any{"id": "sg-0123456789abcdef0", "arn": arn("ec2", "security-group/sg-0123456789abcdef0"), "ownerId": simulatedAccount}
	case "cloudwatch/MetricAlarm":
		return map[string]any{"arn": arn("cloudwatch", "alarm:"+ext)}
	case "cloudwatch/Dashboard":
		return map[string]any{"dashboardArn": "arn:aws:cloudwatch::" + simulatedAccount + ":dashboard/" + ext}
	}
	return nil
}

func firstNonEmpty(v any, fallback string) string {
	if s, _ := v.(string); s != "" {
		return s
	}
	return fallback
}

// CheckResponse fails on a Fatal result or a response without composed resources.
func CheckResponse(rsp *fnv1.RunFunctionResponse) error {
	for _, r := range rsp.GetResults() {
		if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
			return fmt.Errorf("fatal result: %s", r.GetMessage())
		}
	}
	if len(rsp.GetDesired().GetResources()) == 0 {
		return errors.New("the response composes no resources")
	}
	return nil
}

func readYAML(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	obj := map[string]any{}
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return obj, nil
}

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}
