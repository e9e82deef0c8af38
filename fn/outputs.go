package fn

import (
	"encoding/json"

	"github.com/spec3/lambdastack/internal/outputs"
)

// The stack's outputs (docs/app-teams.md): a ConfigMap <name>-outputs in the stack's namespace,
// for the workloads there (envFrom, configMapKeyRef) and for lambdastack logs. Its name and keys
// are the contract of internal/outputs, which the CLI reads with the same constants.
//
// <name> is the name the team knows the stack by: the LambdaStack's, or the claim's for an
// XLambdaStack created through a LambdaStackClaim (in the claim's namespace). An XLambdaStack
// created without a claim belongs to no namespace: it gets no ConfigMap, and its outputs are in
// its status only.
//
// A key is present once its value is known: the names at once, ARNs, endpoints and queue URLs
// once AWS has assigned them, a log group once it exists (lambdastack logs reads the groups
// listed). The ConfigMap is no provider's resource: it is ready once it exists (observed.go).

// keyOutputs is the key of the outputs ConfigMap. Not "outputs": the ConfigMap of a LambdaStack
// is named <name>-outputs, which would read as a composed object named before the "--" separator
// (keepObjectNames, naming.go).
const keyOutputs = "outputs-configmap"

// ownerName is the name the owner knows the stack by (settings.OwnerName).
func ownerName(xr composite) string {
	if xr.Flavour == legacy {
		return xr.ClaimName
	}
	return xr.Name
}

// outputsName is the name of the outputs ConfigMap; "" for a stack without a namespace.
func outputsName(s *settings) string {
	if s.Owner == "" || s.OwnerName == "" {
		return ""
	}
	return outputs.ConfigMapName(s.OwnerName)
}

// outputs composes the outputs ConfigMap. It reads every queue and log group composed before it,
// so it runs among the last parts.
func (b *builder) outputs() {
	name := outputsName(b.s)
	if name == "" {
		return
	}
	st := b.knownStatus()
	data := map[string]any{}
	set := func(key, value string) {
		if value != "" {
			data[key] = value
		}
	}
	set(outputs.KeyEndpoint, st.APIEndpoint)
	set(outputs.KeyCustomURL, st.CustomURL)
	set(outputs.KeyFunctionName, st.FunctionName)
	set(outputs.KeyFunctionARN, st.FunctionARN)
	set(outputs.KeyAliasARN, st.AliasARN)
	set(outputs.KeyRegion, st.Region)
	set(outputs.KeyLogsRoleARN, st.LogsRoleARN)

	var groups []outputs.LogGroup
	for _, c := range b.composedSoFar() { // in the order the parts composed them, which is fixed
		switch kindOf(c) {
		case "Queue":
			set(outputs.KeyQueueURLPrefix+c.Key, b.o.atProvider(c.Key, "url"))
		case "Group":
			if b.o.atProvider(c.Key, "arn") != "" {
				groups = append(groups, outputs.LogGroup{Region: forProviderString(c, "region"), Name: externalName(c)})
			}
		}
	}
	if len(groups) > 0 {
		raw, err := json.Marshal(groups)
		if err != nil { // strings only: cannot fail
			panic(err)
		}
		data[outputs.KeyLogGroups] = string(raw)
	}

	b.add(composed{Key: keyOutputs, Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata": map[string]any{
			"name":      name,
			"namespace": b.s.Owner,
			"labels":    b.labels(""),
		},
		"data": data,
	}})
}

// kindOf is the kind of a composed resource.
func kindOf(c composed) string {
	k, _ := c.Object["kind"].(string)
	return k
}

// externalName is the AWS name a composed resource is given, "" when AWS assigns it.
func externalName(c composed) string {
	meta, _ := c.Object["metadata"].(map[string]any)
	ann, _ := meta["annotations"].(map[string]any)
	n, _ := ann[annotationExternalName].(string)
	return n
}

// forProviderString is a string parameter of a composed managed resource.
func forProviderString(c composed, field string) string {
	spec, _ := c.Object["spec"].(map[string]any)
	fp, _ := spec["forProvider"].(map[string]any)
	v, _ := fp[field].(string)
	return v
}
