//go:build e2e

// Package providerstandin is the PROVIDER STAND-IN of the e2e suite. It plays the part of
// provider-aws on the local control plane, where no provider runs (it takes hours to compile on
// the CI machine and would need AWS credentials). It never calls AWS and proves nothing about AWS.
//
// What the provider would record (external names, resolved references, status.atProvider,
// conditions) comes from the simulated provider, internal/simprovider; this package runs it as a
// controller for every managed resource of the provider-aws CRDs applied to the cluster (groups
// *.aws.upbound.io and *.aws.m.upbound.io):
//   - adds the managed-resource finalizer;
//   - sets the crossplane.io/external-name annotation when it is empty;
//   - resolves spec.forProvider references against the cluster's managed resources;
//   - writes status.atProvider and marks the resource Ready and Synced for the current
//     generation;
//   - on deletion, records whether the real provider would have deleted the external resource
//     (managementPolicies include Delete or *, deletionPolicy is not Orphan) or left it in AWS
//     (retained), then removes the finalizer.
package providerstandin

import (
	"context"
	"fmt"
	"maps"
	"net"
	"slices"
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

	"github.com/spec3/lambdastack/internal/simprovider"
)

const (
	// Finalizer is the finalizer the real provider puts on managed resources.
	Finalizer = simprovider.Finalizer
	// AnnotationExternalName is Crossplane's external-name annotation.
	AnnotationExternalName = simprovider.AnnotationExternalName
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

	dyn dynamic.Interface // the workers' requests
	// watchDyn serves the informers' lists and watches, over a connection of its own
	watchDyn dynamic.Interface
	kinds    map[schema.GroupKind]schema.GroupVersionResource
	logf     func(format string, args ...any)
	queue    workqueue.TypedRateLimitingInterface[item]

	// kindsMu guards kinds and informers: kinds whose CRDs appear later (an upgrade's
	// activation policy activates more) are added while the stand-in runs, as SafeStart
	// providers start a kind's controller once it is activated.
	kindsMu   sync.RWMutex
	informers map[schema.GroupVersionResource]cache.SharedIndexInformer

	mu        sync.Mutex
	deletions map[string]Deletion
	observed  int
	fault     Fault           // the SIMULATED failure being played (faults.go)
	faulted   map[string]bool // resources a fault picked, by Key
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
	// The informers' watches and the workers' requests go over two connections, each dialled
	// by its own dialer (a config with a Dial gets a transport of its own): on one shared
	// HTTP/2 connection a burst of watch events (100 stacks applied at once) once left every
	// worker waiting on the connection and the stand-in stalled for minutes. A worker's
	// request also times out instead of waiting forever; the item is then retried.
	watchCfg, workCfg := rest.CopyConfig(cfg), rest.CopyConfig(cfg)
	watchCfg.Dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	workCfg.Dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	workCfg.Timeout = time.Minute
	watchDyn, err := dynamic.NewForConfig(watchCfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(workCfg)
	if err != nil {
		return nil, err
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	s := &StandIn{dyn: dyn, watchDyn: watchDyn, logf: logf, kinds: map[schema.GroupKind]schema.GroupVersionResource{}, deletions: map[string]Deletion{}}
	kinds, err := ManagedKinds(ctx, dyn)
	if err != nil {
		return nil, err
	}
	s.kinds = kinds
	if len(kinds) == 0 {
		return nil, fmt.Errorf("provider stand-in: no provider-aws CRDs (*%s, *%s) on the cluster", simprovider.GroupSuffixNamespaced, simprovider.GroupSuffixCluster)
	}
	return s, nil
}

// ManagedKinds lists the managed resource kinds of the provider-aws CRDs on the cluster, each
// with the resource of its storage version.
func ManagedKinds(ctx context.Context, dyn dynamic.Interface) (map[schema.GroupKind]schema.GroupVersionResource, error) {
	l, err := dyn.Resource(crdGVR).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := map[schema.GroupKind]schema.GroupVersionResource{}
	for i := range l.Items {
		if gk, gvr, ok := managedKind(&l.Items[i]); ok {
			out[gk] = gvr
		}
	}
	return out, nil
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// managedKind is the managed resource kind a provider-aws CRD defines, with the resource of its
// storage version; ok is false for any other CRD.
func managedKind(crd *unstructured.Unstructured) (gk schema.GroupKind, gvr schema.GroupVersionResource, ok bool) {
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	if !simprovider.IsManaged(group) {
		return gk, gvr, false
	}
	cats, _, _ := unstructured.NestedStringSlice(crd.Object, "spec", "names", "categories")
	if !slices.Contains(cats, "managed") {
		return gk, gvr, false // ProviderConfig, ProviderConfigUsage, …
	}
	kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
	plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		vm, _ := v.(map[string]any)
		if st, _ := vm["storage"].(bool); st {
			name, _ := vm["name"].(string)
			gk, gvr, ok = schema.GroupKind{Group: group, Kind: kind}, schema.GroupVersionResource{Group: group, Version: name, Resource: plural}, true
		}
	}
	return gk, gvr, ok
}

// Kinds returns the managed kinds the stand-in serves.
func (s *StandIn) Kinds() map[schema.GroupKind]schema.GroupVersionResource {
	s.kindsMu.RLock()
	defer s.kindsMu.RUnlock()
	return maps.Clone(s.kinds)
}

// kind is the resource of a managed kind the stand-in serves.
func (s *StandIn) kind(gk schema.GroupKind) (schema.GroupVersionResource, bool) {
	s.kindsMu.RLock()
	defer s.kindsMu.RUnlock()
	gvr, ok := s.kinds[gk]
	return gvr, ok
}

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
	f := dynamicinformer.NewDynamicSharedInformerFactory(s.watchDyn, 10*time.Minute)
	var synced []cache.InformerSynced
	s.informers = map[schema.GroupVersionResource]cache.SharedIndexInformer{}
	for _, gvr := range s.kinds {
		hasSynced, err := s.addInformer(f, gvr)
		if err != nil {
			return err
		}
		synced = append(synced, hasSynced)
	}
	if err := s.serveNewKinds(ctx, f); err != nil {
		return err
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

// addInformer watches the managed kind gvr and queues every object of it that is added or
// changes. Call it with kindsMu held for writing once the stand-in runs.
func (s *StandIn) addInformer(f dynamicinformer.DynamicSharedInformerFactory, gvr schema.GroupVersionResource) (cache.InformerSynced, error) {
	inf := f.ForResource(gvr).Informer()
	s.informers[gvr] = inf
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
		return nil, err
	}
	return inf.HasSynced, nil
}

// serveNewKinds watches the CRDs and serves every managed kind whose CRD appears after the
// start (an upgrade's activation policy activates more), as SafeStart providers start a kind's
// controller once it is activated.
func (s *StandIn) serveNewKinds(ctx context.Context, f dynamicinformer.DynamicSharedInformerFactory) error {
	serve := func(obj any) {
		crd, ok := obj.(*unstructured.Unstructured)
		if !ok {
			return
		}
		gk, gvr, ok := managedKind(crd)
		if !ok {
			return
		}
		s.kindsMu.Lock()
		defer s.kindsMu.Unlock()
		if _, ok := s.kinds[gk]; ok {
			return
		}
		if _, err := s.addInformer(f, gvr); err != nil {
			s.logf("provider stand-in: %s: %v", gk, err)
			return
		}
		s.kinds[gk] = gvr
		s.logf("provider stand-in: serving %s, whose CRD appeared", gk)
		f.Start(ctx.Done())
	}
	_, err := f.ForResource(crdGVR).Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    serve,
		UpdateFunc: func(_, n any) { serve(n) },
	})
	return err
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
		if !slices.Contains(mr.GetFinalizers(), Finalizer) {
			return 0, nil
		}
		policies, _, _ := unstructured.NestedStringSlice(mr.Object, "spec", "managementPolicies")
		d := Deletion{Kind: gk.Kind, Namespace: mr.GetNamespace(), Name: mr.GetName(), ManagementPolicies: policies, Outcome: DeletedInAWS}
		deletionPolicy, _, _ := unstructured.NestedString(mr.Object, "spec", "deletionPolicy")
		if deletionPolicy == "Orphan" || (len(policies) > 0 && !slices.Contains(policies, "*") && !slices.Contains(policies, "Delete")) {
			d.Outcome = RetainedInAWS
		}
		mr.SetFinalizers(slices.DeleteFunc(mr.GetFinalizers(), func(f string) bool { return f == Finalizer }))
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
	if !slices.Contains(mr.GetFinalizers(), Finalizer) {
		mr.SetFinalizers(append(mr.GetFinalizers(), Finalizer))
		changed = true
	}
	fp, _, _ := unstructured.NestedMap(mr.Object, "spec", "forProvider")
	if fp == nil {
		fp = map[string]any{}
	}
	resolvedAny, unresolved := simprovider.Resolve(gk, fp, "spec.forProvider",
		func(target schema.GroupKind, mode string, v any) ([]*unstructured.Unstructured, error) {
			return s.targets(ctx, mr, target, mode, v)
		},
		func(ref any) error { return s.checkSecretKey(ctx, mr, ref) })
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
		a[AnnotationExternalName] = simprovider.NewExternalName(mr.GetKind(), mr.GetName(), simprovider.Hash(string(mr.GetUID())), fp)
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

	observation := func() map[string]any {
		return simprovider.AtProvider(gk, fp, simprovider.Attributes{
			ExternalName: externalName(mr),
			Hash:         simprovider.Hash(string(mr.GetUID())),
			Generation:   mr.GetGeneration(),
			CreatedAt:    mr.GetCreationTimestamp().UTC().Format(time.RFC3339),
			ModifiedAt:   time.Now().UTC().Format("2006-01-02T15:04:05.000+0000"),
			FunctionARN:  s.functionARN(ctx, mr, fp),
		})
	}
	if handled, err := s.playFault(ctx, r, mr, observation); handled || err != nil {
		return 0, err
	}
	if upToDate(mr) && !s.healed(mr) {
		return 0, nil
	}
	at := observation()
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
	if !ok {
		msg = "provider stand-in: " + msg
		old, _, _ := unstructured.NestedSlice(mr.Object, "status", "conditions")
		for _, c := range old { // don't rewrite an identical error (it would loop through watch events)
			if cm, _ := c.(map[string]any); cm["type"] == "Synced" && cm["message"] == msg {
				return nil
			}
		}
	}
	conds := simprovider.Conditions(ok, mr.GetGeneration(), time.Now().UTC().Format(time.RFC3339), msg)
	if err := unstructured.SetNestedSlice(mr.Object, conds, "status", "conditions"); err != nil {
		return err
	}
	_, err := r.UpdateStatus(ctx, mr, metav1.UpdateOptions{FieldManager: "provider-standin"})
	return err
}

func externalName(mr *unstructured.Unstructured) string {
	return mr.GetAnnotations()[AnnotationExternalName]
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
	gvr, ok := s.kind(tgk)
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
	case simprovider.ModeRef:
		ref, _ := v.(map[string]any)
		name, _ := ref["name"].(string)
		t, err := get(name)
		if err != nil {
			return nil, err
		}
		return []*unstructured.Unstructured{t}, nil
	case simprovider.ModeRefs:
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

// functionARN is the observed ARN of the function an alias names (forProvider.functionName).
func (s *StandIn) functionARN(ctx context.Context, mr *unstructured.Unstructured, fp map[string]any) string {
	name, _ := fp["functionName"].(string)
	if mr.GetKind() != "Alias" || name == "" {
		return ""
	}
	gvr, ok := s.kind(schema.GroupKind{Group: mr.GroupVersionKind().Group, Kind: "Function"})
	if !ok {
		return ""
	}
	l, err := s.res(gvr, mr.GetNamespace()).List(ctx, metav1.ListOptions{})
	if err != nil {
		return ""
	}
	for _, f := range l.Items {
		if externalName(&f) == name {
			arn, _, _ := unstructured.NestedString(f.Object, "status", "atProvider", "arn")
			return arn
		}
	}
	return ""
}
