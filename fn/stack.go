package fn

import (
	"fmt"
	"sort"
)

// builder accumulates the composed resources of one stack.
type builder struct {
	s    *Settings
	tags map[string]any
	out  []Composed
	keys map[string]bool
}

// Build composes every managed resource of the stack, sorted by key. It is a pure function of
// the settings: the same settings always give the same resources.
func Build(s *Settings) ([]Composed, error) {
	b := &builder{s: s, tags: tags(s), keys: map[string]bool{}}
	for _, part := range []func(*builder){
		(*builder).iam,
		(*builder).logGroups,
		(*builder).lambda,
		(*builder).usages,
	} {
		part(b)
	}
	sort.Slice(b.out, func(i, j int) bool { return b.out[i].Key < b.out[j].Key })
	for i := 1; i < len(b.out); i++ {
		if b.out[i].Key == b.out[i-1].Key {
			return nil, fmt.Errorf("internal error: two resources with key %q", b.out[i].Key)
		}
	}
	return b.out, nil
}

func (b *builder) add(c ...Composed) { b.out = append(b.out, c...) }

// name is the AWS name <stage>-<app>[-<parts>] within limit.
func (b *builder) name(limit int, parts ...string) string {
	return awsName(limit, b.s.Stage, b.s.App, parts...)
}

// regional calls build once per region of the stack; suffix is "" for the primary region and
// "-<region>" for the others, for keys and for AWS names that must differ between regions.
func (b *builder) regional(build func(region, suffix string)) {
	for i, r := range b.s.Regions {
		suffix := ""
		if i > 0 {
			suffix = "-" + r
		}
		build(r, suffix)
	}
}
