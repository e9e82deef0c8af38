package fn

import (
	"fmt"
	"sort"
	"time"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// builder accumulates the composed resources of one stack.
type builder struct {
	s    *Settings
	o    observedState // what the provider reported; nil when nothing is observed yet
	tags map[string]any
	out  []Composed
	// pending lists parts that wait for values only AWS knows (see observed.go).
	pending  []string
	warnings []string
}

// Result is everything one call of the function answers.
type Result struct {
	// Resources are the desired composed resources, sorted by key.
	Resources []Composed
	// Pending lists the parts that wait for observed values (sorted); while any waits, the
	// stack is not Ready.
	Pending []string
	// Status is the XR's status.
	Status v1alpha1.LambdaStackStatus
	// Warnings explain what the stack cannot do (yet) although it was asked to.
	Warnings []string
	// TTL is how long Crossplane may cache the answer (the stage's setting).
	TTL time.Duration
}

// Plan composes every managed resource of the stack with its readiness, the XR status and the
// warnings. It is a pure function of the settings and the observed resources (the release part
// reads the versions the live alias serves; parts that need values only AWS knows read them,
// see observed.go): the same inputs always give the same result.
func Plan(s *Settings, o observedState) (Result, error) {
	b := &builder{s: s, o: o, tags: tags(s)}
	for _, part := range []func(*builder){
		(*builder).iam,
		(*builder).permissions,
		(*builder).secrets,
		(*builder).network,
		(*builder).logGroups,
		(*builder).metricFilters,
		(*builder).lambda,
		(*builder).release,
		(*builder).triggers,
		(*builder).schedules,
		(*builder).async,
		(*builder).api,
		(*builder).domain,
		(*builder).monitoring,
		(*builder).budget,
		(*builder).centralLogs,
		(*builder).usages,
	} {
		part(b)
	}
	sort.Slice(b.out, func(i, j int) bool { return b.out[i].Key < b.out[j].Key })
	for i := range b.out {
		if i > 0 && b.out[i].Key == b.out[i-1].Key {
			return Result{}, fmt.Errorf("internal error: two resources with key %q", b.out[i].Key)
		}
		b.out[i].Ready = o.ready(b.out[i])
	}
	if hint := iamPropagationHint(o); hint != "" {
		b.warnings = append(b.warnings, hint)
	}
	sort.Strings(b.pending)
	return Result{Resources: b.out, Pending: b.pending, Status: b.status(), Warnings: b.warnings, TTL: s.TTL}, nil
}

func (b *builder) add(c ...Composed) { b.out = append(b.out, c...) }

// warn records a warning for the XR (and its claim).
func (b *builder) warn(format string, args ...any) {
	b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
}

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

// wait records that key (a resource or a field of one) waits for what.
func (b *builder) wait(key, what string) {
	b.pending = append(b.pending, key+" (waits for "+what+")")
}
