package fn

import (
	"fmt"
	"sort"
)

// builder accumulates the composed resources of one stack.
type builder struct {
	s    *Settings
	o    observedState // what the provider reported; nil when nothing is observed yet
	tags map[string]any
	out  []Composed
	// pending lists parts that wait for values only AWS knows (see deferred.go).
	pending []string
}

// Plan composes every managed resource of the stack, sorted by key, and lists the parts that
// wait for observed values (sorted); while any waits, the stack is not Ready. It is a pure
// function of the settings and the observed resources (the release part reads the versions the
// live alias serves; parts that need values only AWS knows read them, see deferred.go): the
// same inputs always give the same resources.
func Plan(s *Settings, o observedState) (desired []Composed, pending []string, err error) {
	b := &builder{s: s, o: o, tags: tags(s)}
	for _, part := range []func(*builder){
		(*builder).iam,
		(*builder).secrets,
		(*builder).network,
		(*builder).logGroups,
		(*builder).lambda,
		(*builder).release,
		(*builder).api,
		(*builder).monitoring,
		(*builder).usages,
	} {
		part(b)
	}
	sort.Slice(b.out, func(i, j int) bool { return b.out[i].Key < b.out[j].Key })
	for i := 1; i < len(b.out); i++ {
		if b.out[i].Key == b.out[i-1].Key {
			return nil, nil, fmt.Errorf("internal error: two resources with key %q", b.out[i].Key)
		}
	}
	return b.out, b.pendingParts(), nil
}

func (b *builder) add(c ...Composed) { b.out = append(b.out, c...) }

// name is the AWS name <owner>_<stage>-<app>[-<parts>] within limit (naming.go).
func (b *builder) name(limit int, parts ...string) string {
	return awsName(limit, stackStem(b.s), parts...)
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
