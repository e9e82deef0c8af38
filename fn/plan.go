package fn

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// builder accumulates the composed resources of one stack.
type builder struct {
	s    *settings
	o    observedState // what the provider reported; nil when nothing is observed yet
	tags map[string]any
	out  []composed
	// pending lists parts that wait for values only AWS knows (see observed.go).
	pending  []string
	warnings []string

	// part is the part running; composedBy the part that composed each key; reads what parts
	// read of each other (see part).
	part       *part
	composedBy map[string]string
	reads      []partRead
}

// planResult is everything one call of the function answers.
type planResult struct {
	// Resources are the desired composed resources, sorted by key.
	Resources []composed
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

// part is one builder of the stack, in a feature's file. Parts compose in the order of parts;
// a part that reads what another composed (builder.hasComposed, builder.composedSoFar) names it in
// needs, and plan refuses (an internal error, which tests catch) a part that needs one composed
// after it or reads a resource of a part it does not name. What AWS reports (builder.o) is no
// dependency: every part may read it.
type part struct {
	name  string
	build func(*builder)
	needs []string
	// last: the part reads every resource composed before it (the Usages, the outputs), so it
	// runs after every part not marked last.
	last bool
}

// parts are the builders of the stack, in the order plan runs them.
var parts = []part{
	{name: "iam", build: (*builder).iam},
	{name: "permissions", build: (*builder).permissions},
	{name: "secrets", build: (*builder).secrets},
	{name: "network", build: (*builder).network},
	{name: "logGroups", build: (*builder).logGroups},
	{name: "metricFilters", build: (*builder).metricFilters},
	{name: "lambda", build: (*builder).lambda},
	{name: "release", build: (*builder).release},
	{name: "triggers", build: (*builder).triggers},
	{name: "schedules", build: (*builder).schedules},
	{name: "async", build: (*builder).async},
	{name: "api", build: (*builder).api},
	// the domain's API mapping waits for the API's stage (api-stage) to be composed
	{name: "domain", build: (*builder).domain, needs: []string{"api"}},
	{name: "monitoring", build: (*builder).monitoring},
	{name: "budget", build: (*builder).budget},
	{name: "centralLogs", build: (*builder).centralLogs},
	{name: "logsAccess", build: (*builder).logsAccess},
	{name: "usages", build: (*builder).usages, last: true},
	// the outputs ConfigMap lists the queues and log groups composed before it
	{name: "outputs", build: (*builder).outputs, last: true},
}

// plan composes every managed resource of the stack with its readiness, the XR status and the
// warnings. It is a pure function of the settings and the observed resources (the release part
// reads the versions the live alias serves; parts that need values only AWS knows read them,
// see observed.go): the same inputs always give the same result.
func plan(s *settings, o observedState) (planResult, error) {
	return planParts(parts, s, o)
}

// planParts runs the given parts in order and checks what each read of the others.
func planParts(parts []part, s *settings, o observedState) (planResult, error) {
	if err := checkOrder(parts); err != nil {
		return planResult{}, err
	}
	b := &builder{s: s, o: o, tags: tags(s), composedBy: map[string]string{}}
	for i := range parts {
		b.part = &parts[i]
		parts[i].build(b)
	}
	b.part = nil
	for _, r := range b.reads {
		if r.key == readAll && !r.part.last {
			return planResult{}, fmt.Errorf("internal error: part %s reads every part's resources but is not marked last", r.part.name)
		}
		if by := b.composedBy[r.key]; by != "" && !slices.Contains(r.part.needs, by) && !r.part.last {
			return planResult{}, fmt.Errorf("internal error: part %s reads %s, composed by part %s, which it does not name in needs", r.part.name, r.key, by)
		}
	}
	sort.Slice(b.out, func(i, j int) bool { return b.out[i].Key < b.out[j].Key })
	for i := range b.out {
		if i > 0 && b.out[i].Key == b.out[i-1].Key {
			return planResult{}, fmt.Errorf("internal error: two resources with key %q", b.out[i].Key)
		}
		b.out[i].Ready = o.ready(b.out[i])
	}
	if hint := iamPropagationHint(o); hint != "" {
		b.warnings = append(b.warnings, hint)
	}
	sort.Strings(b.pending)
	return planResult{Resources: b.out, Pending: b.pending, Status: b.status(), Warnings: b.warnings, TTL: s.TTL}, nil
}

// checkOrder refuses parts whose needs run after them, and a part marked last that is not.
func checkOrder(parts []part) error {
	ran := map[string]bool{}
	for i, p := range parts {
		for _, n := range p.needs {
			if !ran[n] {
				return fmt.Errorf("internal error: part %s needs part %s, which does not run before it", p.name, n)
			}
		}
		if p.last && slices.ContainsFunc(parts[i+1:], func(q part) bool { return !q.last }) {
			return fmt.Errorf("internal error: part %s reads every part and must run last", p.name)
		}
		ran[p.name] = true
	}
	return nil
}

func (b *builder) add(c ...composed) {
	for _, r := range c {
		b.composedBy[r.Key] = b.part.name
	}
	b.out = append(b.out, c...)
}

// partRead is a part's read of another part's resource.
type partRead struct {
	part *part
	key  string
}

// hasComposed reports whether key is among the resources composed so far. The running part must
// name the part that composes key in its needs (plan checks it).
func (b *builder) hasComposed(key string) bool {
	b.reads = append(b.reads, partRead{part: b.part, key: key})
	_, ok := b.composedBy[key]
	return ok
}

// composedSoFar is every resource composed so far, for the part that runs last.
func (b *builder) composedSoFar() []composed {
	b.reads = append(b.reads, partRead{part: b.part, key: readAll})
	return b.out
}

// readAll is the key of a read of every resource (composedSoFar).
const readAll = "*"

// warn records a warning for the XR (and its claim).
func (b *builder) warn(format string, args ...any) {
	b.warnings = append(b.warnings, fmt.Sprintf(format, args...))
}

// name is the AWS name <owner>_<stage>_<app>[_<parts>] within limit (naming.go).
func (b *builder) name(limit int, parts ...string) string {
	return awsName(limit, stackStem(b.s), partSeparator(b.s), parts...)
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
