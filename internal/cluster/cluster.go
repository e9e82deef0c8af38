// Package cluster reads and applies LambdaStack requests on a control plane with client-go: the
// live composite resource and its composed resources, what the function requires (the stage's
// EnvironmentConfig, the owner's Namespace), the stack's outputs, and server-side apply of a
// request (also as a dry run, which gives the object as the API server would store it).
package cluster

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// FieldManager is the server-side apply field manager of lambdastack deploy.
const FieldManager = "lambdastack"

// Cluster is a connection to a control plane.
type Cluster struct {
	dyn    dynamic.Interface
	mapper meta.RESTMapper
	// Context is the kubeconfig context in use ("" when built from a rest.Config).
	Context string
	// Namespace is the namespace of that context ("default" when it names none).
	Namespace string
}

// Connect loads the kubeconfig the way kubectl does (the file named by kubeconfig, else
// KUBECONFIG, else ~/.kube/config; kubeContext overrides its current context).
func Connect(kubeconfig, kubeContext string) (*Cluster, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext})
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("loading the kubeconfig (--kubeconfig, KUBECONFIG or ~/.kube/config): %w", err)
	}
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	c.Namespace, _, _ = cc.Namespace()
	if raw, err := cc.RawConfig(); err == nil {
		c.Context = raw.CurrentContext
		if kubeContext != "" {
			c.Context = kubeContext
		}
	}
	return c, nil
}

// New connects with a rest.Config.
func New(cfg *rest.Config) (*Cluster, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Cluster{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

// resource is the client of one kind, in namespace when the kind is namespaced.
func (c *Cluster) resource(apiVersion, kind, namespace string) (dynamic.ResourceInterface, error) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return nil, fmt.Errorf("apiVersion %q: %w", apiVersion, err)
	}
	m, err := c.mapper.RESTMapping(gv.WithKind(kind).GroupKind(), gv.Version)
	if err != nil {
		return nil, fmt.Errorf("the control plane does not serve %s %s (is its CRD installed?): %w", apiVersion, kind, err)
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		return c.dyn.Resource(m.Resource).Namespace(namespace), nil
	}
	return c.dyn.Resource(m.Resource), nil
}

// Get reads one object; nil without error when it does not exist.
func (c *Cluster) Get(ctx context.Context, apiVersion, kind, namespace, name string) (*unstructured.Unstructured, error) {
	ri, err := c.resource(apiVersion, kind, namespace)
	if err != nil {
		return nil, err
	}
	o, err := ri.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s %s: %w", kind, where(namespace, name), err)
	}
	return o, nil
}

// List reads the objects of a kind with a label selector ("" for all).
func (c *Cluster) List(ctx context.Context, apiVersion, kind, namespace, selector string) ([]unstructured.Unstructured, error) {
	ri, err := c.resource(apiVersion, kind, namespace)
	if err != nil {
		return nil, err
	}
	l, err := ri.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return nil, fmt.Errorf("listing %s (%s): %w", kind, selector, err)
	}
	return l.Items, nil
}

func where(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}
