//go:build e2e

// Package providerstandin is the PROVIDER STAND-IN of the e2e suite. It plays the part of
// provider-aws on the local control plane, where no provider runs (it takes hours to compile on
// the CI machine and would need AWS credentials). It never calls AWS and proves nothing about AWS.
//
// For every managed resource of the provider-aws CRDs applied to the cluster (groups
// *.aws.upbound.io and *.aws.m.upbound.io) it does what the real provider's managed reconciler
// does to the Kubernetes object, with made-up but well-formed values:
//   - adds the managed-resource finalizer;
//   - sets the crossplane.io/external-name annotation when it is empty (the object's name for
//     named resources, a generated ID for resources AWS identifies by ID);
//   - resolves spec.forProvider references (…Ref, …Refs, …Selector) to the referenced managed
//     resource's external name, ARN, ID or invoke ARN, like the provider's generated resolvers;
//   - writes status.atProvider: the observed spec plus the computed fields AWS returns (arn, id,
//     invokeArn, apiEndpoint, invokeUrl, version, tagsAll, …) and marks the resource Ready and
//     Synced for the current generation;
//   - on deletion, records whether the real provider would have deleted the external resource
//     (managementPolicies include Delete or *, deletionPolicy is not Orphan) or left it in AWS
//     (retained), then removes the finalizer.
//
// It does not validate parameters against AWS, create anything, honour late-initialization,
// connection secrets, drift, rate limits, or IAM permissions.
package providerstandin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	kerrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

const (
	// AccountID is the made-up AWS account of every ARN the stand-in writes.
	AccountID = "123456789012"
	// Finalizer is the finalizer the real provider puts on managed resources.
	Finalizer = "finalizer.managedresource.crossplane.io"
	// AnnotationExternalName is Crossplane's external-name annotation.
	AnnotationExternalName = "crossplane.io/external-name"

	groupSuffixNamespaced = ".aws.m.upbound.io"
	groupSuffixCluster    = ".aws.upbound.io"
)

// Outcome of a deletion as the real provider would have handled it.
const (
	DeletedInAWS  = "deleted"  // managementPolicies allow Delete: the provider deletes the AWS resource
	RetainedInAWS = "retained" // Delete left out: the provider only forgets the object
)

// Deletion is one managed resource the stand-in saw deleted.
type Deletion struct {
	Kind, Namespace, Name string
	ManagementPolicies    []string
	Outcome               string
	// Released is when the stand-in removed the finalizer (the object is gone right after).
	Released time.Time
}

// StandIn is the provider stand-in. Create it with New, start it with Run.
type StandIn struct {
	// Verbose logs every deletion.
	Verbose bool

	dyn   dynamic.Interface
	kinds map[schema.GroupKind]schema.GroupVersionResource
	logf  func(format string, args ...any)
	queue workqueue.TypedRateLimitingInterface[item]

	mu        sync.Mutex
	deletions map[string]Deletion
	observed  int
}

type item struct {
	gvr       schema.GroupVersionResource
	namespace string
	name      string
}

// New discovers the provider-aws CRDs on the cluster (they must be applied before).
func New(ctx context.Context, cfg *rest.Config, logf func(string, ...any)) (*StandIn, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.WarningHandler = rest.NoWarnings{} // status fields the CRD does not know are pruned; that's fine
	cfg.QPS, cfg.Burst = 100, 200
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	s := &StandIn{dyn: dyn, logf: logf, kinds: map[schema.GroupKind]schema.GroupVersionResource{}, deletions: map[string]Deletion{}}
	kinds, err := ManagedKinds(ctx, dyn)
	if err != nil {
		return nil, err
	}
	s.kinds = kinds
	if len(kinds) == 0 {
		return nil, fmt.Errorf("provider stand-in: no provider-aws CRDs (*%s, *%s) on the cluster", groupSuffixNamespaced, groupSuffixCluster)
	}
	return s, nil
}

// ManagedKinds lists the managed resource kinds of the provider-aws CRDs on the cluster, each
// with the resource of its storage version.
func ManagedKinds(ctx context.Context, dyn dynamic.Interface) (map[schema.GroupKind]schema.GroupVersionResource, error) {
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	l, err := dyn.Resource(crdGVR).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[schema.GroupKind]schema.GroupVersionResource{}
	for _, crd := range l.Items {
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		if !strings.HasSuffix(group, groupSuffixNamespaced) && !strings.HasSuffix(group, groupSuffixCluster) {
			continue
		}
		cats, _, _ := unstructured.NestedStringSlice(crd.Object, "spec", "names", "categories")
		if !contains(cats, "managed") {
			continue // ProviderConfig, ProviderConfigUsage, …
		}
		kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
		plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		for _, v := range versions {
			vm, _ := v.(map[string]any)
			if st, _ := vm["storage"].(bool); st {
				name, _ := vm["name"].(string)
				out[schema.GroupKind{Group: group, Kind: kind}] = schema.GroupVersionResource{Group: group, Version: name, Resource: plural}
			}
		}
	}
	return out, nil
}

// Kinds returns the managed kinds the stand-in serves.
func (s *StandIn) Kinds() map[schema.GroupKind]schema.GroupVersionResource { return s.kinds }

// Deletions returns every deletion the stand-in handled, keyed by Key.
func (s *StandIn) Deletions() map[string]Deletion {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Deletion, len(s.deletions))
	for k, v := range s.deletions {
		out[k] = v
	}
	return out
}

// Key identifies a managed resource: kind.group/namespace/name.
func Key(gk schema.GroupKind, namespace, name string) string {
	return gk.Kind + "." + gk.Group + "/" + namespace + "/" + name
}

// Run watches every managed kind and reconciles until ctx ends. It returns once the informers
// have synced and the workers run; errors of single reconciles are logged and retried.
func (s *StandIn) Run(ctx context.Context, workers int) error {
	s.queue = workqueue.NewTypedRateLimitingQueue(workqueue.NewTypedItemExponentialFailureRateLimiter[item](200*time.Millisecond, 5*time.Second))
	f := dynamicinformer.NewDynamicSharedInformerFactory(s.dyn, 10*time.Minute)
	var synced []cache.InformerSynced
	for _, gvr := range s.kinds {
		inf := f.ForResource(gvr).Informer()
		enqueue := func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if u, ok := obj.(*unstructured.Unstructured); ok {
				s.queue.Add(item{gvr: gvr, namespace: u.GetNamespace(), name: u.GetName()})
			}
		}
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    enqueue,
			UpdateFunc: func(_, n any) { enqueue(n) },
		}); err != nil {
			return err
		}
		synced = append(synced, inf.HasSynced)
	}
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return fmt.Errorf("provider stand-in: informers did not sync")
	}
	go func() { <-ctx.Done(); s.queue.ShutDown() }()
	for i := 0; i < workers; i++ {
		go func() {
			for {
				it, shutdown := s.queue.Get()
				if shutdown {
					return
				}
				requeue, err := s.reconcile(ctx, it)
				switch {
				case err != nil && ctx.Err() == nil:
					if !kerrors.IsConflict(err) {
						s.logf("provider stand-in: %s %s/%s: %v", it.gvr.Resource, it.namespace, it.name, err)
					}
					s.queue.AddRateLimited(it)
				case requeue > 0:
					s.queue.Forget(it)
					s.queue.AddAfter(it, requeue)
				default:
					s.queue.Forget(it)
				}
				s.queue.Done(it)
			}
		}()
	}
	s.logf("provider stand-in: serving %d managed kinds", len(s.kinds))
	return nil
}

func (s *StandIn) res(gvr schema.GroupVersionResource, ns string) dynamic.ResourceInterface {
	if ns == "" {
		return s.dyn.Resource(gvr)
	}
	return s.dyn.Resource(gvr).Namespace(ns)
}

func (s *StandIn) reconcile(ctx context.Context, it item) (time.Duration, error) {
	r := s.res(it.gvr, it.namespace)
	mr, err := r.Get(ctx, it.name, metav1.GetOptions{})
	if kerrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	gk := mr.GroupVersionKind().GroupKind()

	if mr.GetDeletionTimestamp() != nil {
		if !contains(mr.GetFinalizers(), Finalizer) {
			return 0, nil
		}
		policies, _, _ := unstructured.NestedStringSlice(mr.Object, "spec", "managementPolicies")
		d := Deletion{Kind: gk.Kind, Namespace: mr.GetNamespace(), Name: mr.GetName(), ManagementPolicies: policies, Outcome: DeletedInAWS}
		deletionPolicy, _, _ := unstructured.NestedString(mr.Object, "spec", "deletionPolicy")
		if deletionPolicy == "Orphan" || (len(policies) > 0 && !contains(policies, "*") && !contains(policies, "Delete")) {
			d.Outcome = RetainedInAWS
		}
		mr.SetFinalizers(remove(mr.GetFinalizers(), Finalizer))
		if _, err := r.Update(ctx, mr, metav1.UpdateOptions{FieldManager: "provider-standin"}); err != nil {
			return 0, err
		}
		d.Released = time.Now()
		s.mu.Lock()
		s.deletions[Key(gk, d.Namespace, d.Name)] = d
		s.mu.Unlock()
		if s.Verbose {
			s.logf("provider stand-in: %s %s/%s deleted (AWS resource %s)", gk.Kind, d.Namespace, d.Name, d.Outcome)
		}
		return 0, nil
	}
	if mr.GetAnnotations()["crossplane.io/paused"] == "true" {
		return 0, nil
	}

	// Metadata and spec first (finalizer, external name, resolved references), like the
	// provider's managed reconciler; the update event brings us back for the status.
	changed := false
	if !contains(mr.GetFinalizers(), Finalizer) {
		mr.SetFinalizers(append(mr.GetFinalizers(), Finalizer))
		changed = true
	}
	fp, _, _ := unstructured.NestedMap(mr.Object, "spec", "forProvider")
	if fp == nil {
		fp = map[string]any{}
	}
	resolvedAny, unresolved := s.resolve(ctx, mr, gk, fp, "spec.forProvider")
	if resolvedAny {
		if err := unstructured.SetNestedMap(mr.Object, fp, "spec", "forProvider"); err != nil {
			return 0, err
		}
		changed = true
	}
	if externalName(mr) == "" && len(unresolved) == 0 {
		// "creation": the provider records the name or the ID AWS assigned
		a := mr.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[AnnotationExternalName] = newExternalName(mr, fp)
		mr.SetAnnotations(a)
		changed = true
	}
	if changed {
		_, err := r.Update(ctx, mr, metav1.UpdateOptions{FieldManager: "provider-standin"})
		return 0, err
	}
	if len(unresolved) > 0 {
		msg := "cannot resolve references: " + strings.Join(unresolved, "; ")
		return 2 * time.Second, s.setConditions(ctx, r, mr, false, msg)
	}

	if upToDate(mr) {
		return 0, nil
	}
	at := atProvider(mr, gk, fp, s.lookupAtProvider(ctx, mr, fp))
	if err := unstructured.SetNestedMap(mr.Object, at, "status", "atProvider"); err != nil {
		return 0, err
	}
	if err := s.setConditions(ctx, r, mr, true, ""); err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.observed++
	s.mu.Unlock()
	return 0, nil
}

// upToDate: Ready and Synced are True for the current generation.
func upToDate(mr *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(mr.Object, "status", "conditions")
	ok := 0
	for _, c := range conds {
		cm, _ := c.(map[string]any)
		if (cm["type"] == "Ready" || cm["type"] == "Synced") && cm["status"] == "True" {
			if g, _ := cm["observedGeneration"].(int64); g == mr.GetGeneration() {
				ok++
			}
		}
	}
	return ok == 2
}

func (s *StandIn) setConditions(ctx context.Context, r dynamic.ResourceInterface, mr *unstructured.Unstructured, ok bool, msg string) error {
	now := time.Now().UTC().Format(time.RFC3339)
	cond := func(t, status, reason, message string) map[string]any {
		c := map[string]any{"type": t, "status": status, "reason": reason, "lastTransitionTime": now, "observedGeneration": mr.GetGeneration()}
		if message != "" {
			c["message"] = message
		}
		return c
	}
	conds := []any{cond("Ready", "True", "Available", ""), cond("Synced", "True", "ReconcileSuccess", "")}
	if !ok {
		conds = []any{cond("Ready", "False", "Creating", ""), cond("Synced", "False", "ReconcileError", "provider stand-in: "+msg)}
		old, _, _ := unstructured.NestedSlice(mr.Object, "status", "conditions")
		for _, c := range old { // don't rewrite an identical error (it would loop through watch events)
			if cm, _ := c.(map[string]any); cm["type"] == "Synced" && cm["message"] == "provider stand-in: "+msg {
				return nil
			}
		}
	}
	if err := unstructured.SetNestedSlice(mr.Object, conds, "status", "conditions"); err != nil {
		return err
	}
	_, err := r.UpdateStatus(ctx, mr, metav1.UpdateOptions{FieldManager: "provider-standin"})
	return err
}

func externalName(mr *unstructured.Unstructured) string {
	return mr.GetAnnotations()[AnnotationExternalName]
}

// idKinds are identified in AWS by an ID AWS assigns; the provider records it as external name.
var idKinds = map[string]func(h string, fp map[string]any) string{
	"API":                      func(h string, _ map[string]any) string { return h[:10] },
	"Integration":              func(h string, _ map[string]any) string { return h[:7] },
	"Route":                    func(h string, _ map[string]any) string { return h[:7] },
	"Authorizer":               func(h string, _ map[string]any) string { return h[:6] },
	"Deployment":               func(h string, _ map[string]any) string { return h[:6] },
	"SecurityGroup":            func(h string, _ map[string]any) string { return "sg-" + h[:17] },
	"SecurityGroupEgressRule":  func(h string, _ map[string]any) string { return "sgr-" + h[:17] },
	"SecurityGroupIngressRule": func(h string, _ map[string]any) string { return "sgr-" + h[:17] },
	"RolePolicyAttachment":     func(h string, _ map[string]any) string { return "rpa-" + h[:12] },
	"Secret": func(h string, fp map[string]any) string { // the secret's ARN, named after forProvider.name
		name, _ := fp["name"].(string)
		return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region(fp), AccountID, name, h[:6])
	},
	"SecretVersion": func(h string, fp map[string]any) string {
		id, _ := fp["secretId"].(string)
		return id + "|" + uuid(h)
	},
	"TopicSubscription": func(h string, fp map[string]any) string {
		arn, _ := fp["topicArn"].(string)
		return arn + ":" + uuid(h)
	},
}

func newExternalName(mr *unstructured.Unstructured, fp map[string]any) string {
	if f, ok := idKinds[mr.GetKind()]; ok {
		return f(hash(string(mr.GetUID())), fp)
	}
	return mr.GetName()
}

func region(fp map[string]any) string {
	if r, _ := fp["region"].(string); r != "" {
		return r
	}
	return "us-east-1"
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// refTarget is what a reference field points at and which value of the target it takes.
type refTarget struct {
	service, kind string
	extract       string // externalName, arn, id, invokeArn, integrationPrefixed
	field         string // the field the reference fills, when it is not the reference's stem
}

// references of provider-aws v2.5.0 (from its generated resolvers), per "<service>/<Kind>" and
// the stem of the reference (securityGroupIdRefs -> securityGroupId). Unknown references make
// the resource fail loudly, so a new reference in the composition needs an entry here.
var references = map[string]map[string]refTarget{
	"lambda/Function": {
		"role": {"iam", "Role", "arn", ""}, "kmsKeyArn": {"kms", "Key", "externalName", ""},
		"logGroup": {"cloudwatchlogs", "Group", "externalName", ""}, "s3Bucket": {"s3", "Bucket", "externalName", ""},
		"targetArn": {"sqs", "Queue", "arn", ""}, "arn": {"efs", "AccessPoint", "arn", ""}, "layers": {"lambda", "LayerVersion", "arn", ""},
		"securityGroupId":            {"ec2", "SecurityGroup", "externalName", "securityGroupIds"},
		"subnetId":                   {"ec2", "Subnet", "externalName", "subnetIds"},
		"replacementSecurityGroupId": {"ec2", "SecurityGroup", "externalName", "replacementSecurityGroupIds"},
	},
	"lambda/Permission":        {"functionName": {"lambda", "Function", "externalName", ""}, "qualifier": {"lambda", "Alias", "externalName", ""}},
	"lambda/Alias":             {"functionName": {"lambda", "Function", "externalName", ""}},
	"lambda/FunctionURL":       {"functionName": {"lambda", "Function", "externalName", ""}},
	"iam/RolePolicyAttachment": {"role": {"iam", "Role", "externalName", ""}, "policyArn": {"iam", "Policy", "arn", ""}},
	"iam/RolePolicy":           {"role": {"iam", "Role", "id", ""}},
	"iam/Role":                 {"managedPolicyArns": {"iam", "Policy", "arn", ""}},
	"cloudwatchlogs/Group":     {"kmsKeyId": {"kms", "Key", "arn", ""}},
	"apigatewayv2/Integration": {
		"apiId": {"apigatewayv2", "API", "externalName", ""}, "integrationUri": {"lambda", "Function", "invokeArn", ""},
		"credentialsArn": {"iam", "Role", "arn", ""}, "connectionId": {"apigatewayv2", "VPCLink", "id", ""},
	},
	"apigatewayv2/Route": {
		"apiId": {"apigatewayv2", "API", "externalName", ""}, "authorizerId": {"apigatewayv2", "Authorizer", "externalName", ""},
		"target": {"apigatewayv2", "Integration", "integrationPrefixed", ""},
	},
	"apigatewayv2/Stage":      {"apiId": {"apigatewayv2", "API", "externalName", ""}, "deploymentId": {"apigatewayv2", "Deployment", "externalName", ""}},
	"apigatewayv2/Authorizer": {"apiId": {"apigatewayv2", "API", "externalName", ""}, "authorizerUri": {"lambda", "Function", "invokeArn", ""}},
	// alarmActions references autoscaling policies in provider-aws, okActions SNS topics.
	"cloudwatch/MetricAlarm": {"alarmActions": {"autoscaling", "Policy", "arn", ""}, "okActions": {"sns", "Topic", "arn", ""}},
	"sns/TopicSubscription": {
		"topicArn": {"sns", "Topic", "arn", ""}, "endpoint": {"sqs", "Queue", "arn", ""}, "subscriptionRoleArn": {"iam", "Role", "arn", ""},
	},
	"secretsmanager/SecretVersion": {"secretId": {"secretsmanager", "Secret", "id", ""}},
	"secretsmanager/Secret":        {"kmsKeyId": {"kms", "Key", "externalName", ""}},
	"ec2/SecurityGroup":            {"vpcId": {"ec2", "VPC", "externalName", ""}},
	"ec2/SecurityGroupEgressRule": {
		"securityGroupId": {"ec2", "SecurityGroup", "externalName", ""}, "referencedSecurityGroupId": {"ec2", "SecurityGroup", "externalName", ""},
		"prefixListId": {"ec2", "ManagedPrefixList", "externalName", ""},
	},
	"ec2/SecurityGroupIngressRule": {
		"securityGroupId": {"ec2", "SecurityGroup", "externalName", ""}, "referencedSecurityGroupId": {"ec2", "SecurityGroup", "externalName", ""},
	},
}

func service(group string) string { return strings.SplitN(group, ".", 2)[0] }

// resolve fills reference fields of m (recursively) whose value is unset. It reports whether it
// changed m and which references it could not resolve (yet).
func (s *StandIn) resolve(ctx context.Context, mr *unstructured.Unstructured, gk schema.GroupKind, m map[string]any, path string) (bool, []string) {
	changed := false
	var unresolved []string
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		var field, mode string
		switch {
		case strings.HasSuffix(k, "SecretRef"):
			// a Kubernetes Secret key the provider reads (e.g. secretStringSecretRef)
			if err := s.checkSecretKey(ctx, mr, v); err != nil {
				unresolved = append(unresolved, fmt.Sprintf("%s.%s: %v", path, k, err))
			}
			continue
		case strings.HasSuffix(k, "Refs"):
			field, mode = strings.TrimSuffix(k, "Refs"), "refs"
		case strings.HasSuffix(k, "Ref"):
			field, mode = strings.TrimSuffix(k, "Ref"), "ref"
		case strings.HasSuffix(k, "Selector"):
			field, mode = strings.TrimSuffix(k, "Selector"), "selector"
		}
		if mode == "" {
			switch vv := v.(type) {
			case map[string]any:
				c, u := s.resolve(ctx, mr, gk, vv, path+"."+k)
				changed, unresolved = changed || c, append(unresolved, u...)
			case []any:
				for i, e := range vv {
					if em, ok := e.(map[string]any); ok {
						c, u := s.resolve(ctx, mr, gk, em, fmt.Sprintf("%s.%s[%d]", path, k, i))
						changed, unresolved = changed || c, append(unresolved, u...)
					}
				}
			}
			continue
		}
		t, ok := references[service(gk.Group)+"/"+gk.Kind][field]
		if !ok {
			unresolved = append(unresolved, fmt.Sprintf("%s.%s: the stand-in does not know this reference", path, k))
			continue
		}
		list := mode == "refs" || t.field != "" || (mode == "selector" && strings.HasSuffix(field, "s"))
		if t.field != "" {
			field = t.field
		}
		if cur, ok := m[field]; ok && cur != nil && cur != "" {
			if l, isList := cur.([]any); !isList || len(l) > 0 {
				continue // already set (by the composition or an earlier resolution)
			}
		}
		stem := strings.TrimSuffix(k, "Selector")
		if mode == "selector" && (m[stem+"Ref"] != nil || m[stem+"Refs"] != nil) {
			continue // the Ref wins over the selector
		}
		tgk := schema.GroupKind{Group: t.service + strings.TrimPrefix(gk.Group, service(gk.Group)), Kind: t.kind}
		targets, err := s.targets(ctx, mr, tgk, mode, v)
		if err != nil {
			unresolved = append(unresolved, fmt.Sprintf("%s.%s: %v", path, k, err))
			continue
		}
		var values []any
		var names []any
		for _, tgt := range targets {
			val := extract(tgt, t.extract)
			if val == "" {
				unresolved = append(unresolved, fmt.Sprintf("%s.%s: %s %s has no %s yet", path, k, t.kind, tgt.GetName(), t.extract))
				break
			}
			values = append(values, val)
			names = append(names, map[string]any{"name": tgt.GetName()})
		}
		if len(values) != len(targets) {
			continue
		}
		if list {
			m[field] = values
			if mode == "selector" {
				m[stem+"Refs"] = names
			}
		} else {
			m[field] = values[0]
			if mode == "selector" {
				m[stem+"Ref"] = names[0]
			}
		}
		changed = true
	}
	return changed, unresolved
}

// checkSecretKey verifies that the Kubernetes Secret key a managed resource reads exists (the
// namespace defaults to the managed resource's own).
func (s *StandIn) checkSecretKey(ctx context.Context, mr *unstructured.Unstructured, v any) error {
	ref, _ := v.(map[string]any)
	name, _ := ref["name"].(string)
	key, _ := ref["key"].(string)
	ns, _ := ref["namespace"].(string)
	if ns == "" {
		ns = mr.GetNamespace()
	}
	sec, err := s.dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"}).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("secret %s/%s: %w", ns, name, err)
	}
	if _, ok, _ := unstructured.NestedString(sec.Object, "data", key); !ok {
		return fmt.Errorf("secret %s/%s has no key %q", ns, name, key)
	}
	return nil
}

// targets finds the referenced managed resources: by name (Ref, Refs) or by labels and
// controller (Selector), in the referencing resource's namespace (namespaced flavour).
func (s *StandIn) targets(ctx context.Context, mr *unstructured.Unstructured, tgk schema.GroupKind, mode string, v any) ([]*unstructured.Unstructured, error) {
	gvr, ok := s.kinds[tgk]
	if !ok {
		return nil, fmt.Errorf("kind %s is not installed", tgk)
	}
	r := s.res(gvr, mr.GetNamespace())
	get := func(name string) (*unstructured.Unstructured, error) {
		t, err := r.Get(ctx, name, metav1.GetOptions{})
		if kerrors.IsNotFound(err) {
			return nil, fmt.Errorf("%s %q not found", tgk.Kind, name)
		}
		return t, err
	}
	switch mode {
	case "ref":
		ref, _ := v.(map[string]any)
		name, _ := ref["name"].(string)
		t, err := get(name)
		if err != nil {
			return nil, err
		}
		return []*unstructured.Unstructured{t}, nil
	case "refs":
		refs, _ := v.([]any)
		out := make([]*unstructured.Unstructured, 0, len(refs))
		for _, e := range refs {
			ref, _ := e.(map[string]any)
			name, _ := ref["name"].(string)
			t, err := get(name)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		return out, nil
	}
	sel, _ := v.(map[string]any)
	labels := map[string]string{}
	if ml, ok := sel["matchLabels"].(map[string]any); ok {
		for k, lv := range ml {
			labels[k], _ = lv.(string)
		}
	}
	matchController, _ := sel["matchControllerRef"].(bool)
	opts := metav1.ListOptions{}
	if len(labels) > 0 {
		opts.LabelSelector = metav1.FormatLabelSelector(&metav1.LabelSelector{MatchLabels: labels})
	}
	l, err := r.List(ctx, opts)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for i := range l.Items {
		t := &l.Items[i]
		if matchController && controllerUID(t) != controllerUID(mr) {
			continue
		}
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s matches the selector", tgk.Kind)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].GetName() < out[j].GetName() })
	return out, nil
}

func controllerUID(u *unstructured.Unstructured) string {
	if c := metav1.GetControllerOf(u); c != nil {
		return string(c.UID)
	}
	return ""
}

func extract(t *unstructured.Unstructured, what string) string {
	switch what {
	case "externalName":
		return externalName(t)
	case "integrationPrefixed":
		if n := externalName(t); n != "" {
			return "integrations/" + n
		}
		return ""
	}
	v, _, _ := unstructured.NestedString(t.Object, "status", "atProvider", what)
	return v
}

// lookupAtProvider returns the observed status of resources whose computed values depend on
// another resource (a stage's URL needs its API's ID, a function version's alias…).
func (s *StandIn) lookupAtProvider(ctx context.Context, mr *unstructured.Unstructured, fp map[string]any) map[string]any {
	out := map[string]any{}
	if mr.GetKind() == "Alias" || mr.GetKind() == "Permission" || mr.GetKind() == "ProvisionedConcurrencyConfig" {
		name, _ := fp["functionName"].(string)
		if gvr, ok := s.kinds[schema.GroupKind{Group: "lambda" + strings.TrimPrefix(mr.GroupVersionKind().Group, "lambda"), Kind: "Function"}]; ok && name != "" {
			l, err := s.res(gvr, mr.GetNamespace()).List(ctx, metav1.ListOptions{})
			if err == nil {
				for _, f := range l.Items {
					if externalName(&f) == name {
						out["functionArn"], _, _ = unstructured.NestedString(f.Object, "status", "atProvider", "arn")
					}
				}
			}
		}
	}
	return out
}

// atProvider is the observation the real provider would write: the parameters as AWS echoes them
// plus the computed attributes. Fields the CRD does not declare are pruned by the API server.
func atProvider(mr *unstructured.Unstructured, gk schema.GroupKind, fp map[string]any, deps map[string]any) map[string]any {
	at := map[string]any{}
	for k, v := range fp {
		if strings.HasSuffix(k, "Ref") || strings.HasSuffix(k, "Refs") || strings.HasSuffix(k, "Selector") || strings.HasSuffix(k, "SecretRef") {
			continue
		}
		at[k] = v
	}
	name := externalName(mr)
	region := region(fp)
	acct := AccountID
	h := hash(string(mr.GetUID()))
	at["id"] = name
	if tags, ok := fp["tags"].(map[string]any); ok {
		at["tagsAll"] = tags
	}
	str := func(k string) string { v, _ := fp[k].(string); return v }
	switch service(gk.Group) + "/" + gk.Kind {
	case "lambda/Function":
		arn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, acct, name)
		version := "$LATEST"
		if p, _ := fp["publish"].(bool); p {
			version = fmt.Sprint(mr.GetGeneration())
		}
		at["arn"] = arn
		at["invokeArn"] = invokeArn(region, arn)
		at["qualifiedArn"] = arn + ":" + version
		at["qualifiedInvokeArn"] = invokeArn(region, arn+":"+version)
		at["version"] = version
		at["lastModified"] = time.Now().UTC().Format("2006-01-02T15:04:05.000+0000")
		at["sourceCodeHash"] = h[:44]
		at["codeSha256"] = h[:44]
	case "lambda/Alias":
		fn := fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, acct, str("functionName"))
		if a, _ := deps["functionArn"].(string); a != "" {
			fn = a
		}
		at["arn"] = fn + ":" + name
		at["invokeArn"] = invokeArn(region, fn+":"+name)
	case "lambda/Permission":
		at["id"] = firstNonEmpty(str("statementId"), name)
	case "lambda/ProvisionedConcurrencyConfig":
		at["id"] = str("functionName") + "," + str("qualifier")
	case "lambda/FunctionURL":
		at["functionUrl"] = "https://" + h[:32] + ".lambda-url." + region + ".on.aws/"
		at["urlId"] = h[:32]
	case "iam/Role":
		at["arn"] = fmt.Sprintf("arn:aws:iam::%s:role%s%s", acct, firstNonEmpty(str("path"), "/"), name)
		at["uniqueId"] = "AROA" + strings.ToUpper(h[:17])
		at["createDate"] = mr.GetCreationTimestamp().UTC().Format(time.RFC3339)
	case "iam/Policy":
		at["arn"] = fmt.Sprintf("arn:aws:iam::%s:policy%s%s", acct, firstNonEmpty(str("path"), "/"), name)
		at["policyId"] = "ANPA" + strings.ToUpper(h[:17])
	case "iam/RolePolicy":
		at["id"] = str("role") + ":" + name
	case "cloudwatchlogs/Group":
		at["arn"] = fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s", region, acct, name)
	case "apigatewayv2/API":
		at["apiEndpoint"] = fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com", name, region)
		at["arn"] = fmt.Sprintf("arn:aws:apigateway:%s::/apis/%s", region, name)
		at["executionArn"] = fmt.Sprintf("arn:aws:execute-api:%s:%s:%s", region, acct, name)
	case "apigatewayv2/Stage":
		api := str("apiId")
		path := "/" + name
		if name == "$default" {
			path = "/"
		}
		at["invokeUrl"] = fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com%s", api, region, path)
		at["arn"] = fmt.Sprintf("arn:aws:apigateway:%s::/apis/%s/stages/%s", region, api, name)
		at["executionArn"] = fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s", region, acct, api, name)
	case "cloudwatch/MetricAlarm":
		at["arn"] = fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, acct, name)
	case "cloudwatch/Dashboard":
		at["dashboardArn"] = fmt.Sprintf("arn:aws:cloudwatch::%s:dashboard/%s", acct, name)
	case "sns/Topic":
		arn := fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, acct, name)
		at["arn"], at["id"], at["owner"] = arn, arn, acct
	case "sns/TopicSubscription":
		at["arn"], at["ownerId"] = name, acct
		at["pendingConfirmation"] = str("protocol") == "email" || str("protocol") == "email-json"
	case "secretsmanager/Secret":
		at["arn"] = name
	case "secretsmanager/SecretVersion":
		at["arn"] = str("secretId")
		at["versionId"] = name[strings.LastIndex(name, "|")+1:]
	case "ec2/SecurityGroup":
		at["arn"] = fmt.Sprintf("arn:aws:ec2:%s:%s:security-group/%s", region, acct, name)
		at["ownerId"] = acct
	case "ec2/SecurityGroupEgressRule", "ec2/SecurityGroupIngressRule":
		at["arn"] = fmt.Sprintf("arn:aws:ec2:%s:%s:security-group-rule/%s", region, acct, name)
		at["securityGroupRuleId"] = name
	}
	return at
}

func invokeArn(region, fnArn string) string {
	return fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations", region, fnArn)
}

func uuid(h string) string {
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

func remove(l []string, s string) []string {
	out := l[:0:0]
	for _, v := range l {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}
