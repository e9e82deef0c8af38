package cluster

import (
	"context"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
)

// Required fetches what the function asks for, as Crossplane would answer it: an object by name,
// or every object with the labels (the stage's EnvironmentConfig, the owner's Namespace).
// Reading them needs the same rights as reading the stack (docs/app-teams.md).
func (c *Cluster) Required(ctx context.Context, selectors []*fnv1.ResourceSelector) ([]unstructured.Unstructured, error) {
	var out []unstructured.Unstructured
	for _, s := range selectors {
		if name := s.GetMatchName(); name != "" {
			o, err := c.Get(ctx, s.GetApiVersion(), s.GetKind(), s.GetNamespace(), name)
			if err != nil {
				return nil, err
			}
			if o != nil {
				out = append(out, *o)
			}
			continue
		}
		sel := labels.SelectorFromSet(s.GetMatchLabels().GetLabels()).String()
		items, err := c.List(ctx, s.GetApiVersion(), s.GetKind(), s.GetNamespace(), sel)
		if err != nil {
			return nil, err
		}
		sort.Slice(items, func(i, j int) bool { return items[i].GetName() < items[j].GetName() })
		out = append(out, items...)
	}
	return out, nil
}
