//go:build e2e

package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/rest"
)

// What the control plane's own metrics say about the requests a fleet causes: the
// kube-apiserver's apiserver_request_total (every request by verb and resource) and
// apiserver_watch_events_total (events sent to watchers), and Crossplane's reconciles of the
// LambdaStack XRs and its RunFunction calls. A sample is cumulative; the difference of two is
// what happened in between.

// Kinds of writes (apiserver_request_total verbs).
const (
	verbApply  = "APPLY" // server-side apply (also of an unchanged object: it still costs the API server)
	verbCreate = "POST"
	verbUpdate = "PUT"
	verbPatch  = "PATCH"
	verbDelete = "DELETE"
)

var writeVerbs = []string{verbApply, verbCreate, verbUpdate, verbPatch, verbDelete, "DELETECOLLECTION"}

// Who a write is about.
const (
	catManaged = "managed resources" // provider-aws kinds
	catXR      = "XRs"               // LambdaStacks (and claims)
	catUsage   = "Usages"
	catEvent   = "Events"
	catOther   = "other" // leases, the stand-in's ProviderConfigUsages, ...
)

var categories = []string{catManaged, catXR, catUsage, catEvent, catOther}

// sample is the cumulative counters of one moment.
type sample struct {
	at time.Time
	// writes by category, verb and whether to the status subresource
	writes map[writeKey]float64
	// reads (GET, LIST, WATCH) of every resource
	reads float64
	// watch events sent, by category
	watchEvents map[string]float64
	// Crossplane: reconciles of the LambdaStack XRs (and claims), RunFunction requests
	xrReconciles, functionCalls float64
}

type writeKey struct {
	cat, verb string
	status    bool
}

// scraper reads the metrics of the kube-apiserver (through the kubeconfig's credentials) and of
// Crossplane (its metrics port, loopback).
type scraper struct {
	kas       *http.Client
	kasURL    string
	xpURL     string
	xpControl string // substring of the XR controllers' names
}

func newScraper(cfg *rest.Config, xpURL string) (*scraper, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	hc.Timeout = 2 * time.Minute
	return &scraper{kas: hc, kasURL: strings.TrimSuffix(cfg.Host, "/") + "/metrics", xpURL: xpURL, xpControl: "lambdastack"}, nil
}

func (s *scraper) sample(ctx context.Context) (sample, error) {
	out := sample{at: time.Now(), writes: map[writeKey]float64{}, watchEvents: map[string]float64{}}
	kas, err := s.families(ctx, s.kas, s.kasURL)
	if err != nil {
		return out, fmt.Errorf("kube-apiserver metrics: %w", err)
	}
	for _, m := range metricsOf(kas, "apiserver_request_total") {
		l := labels(m)
		v := m.GetCounter().GetValue()
		verb := l["verb"]
		if !isWrite(verb) {
			out.reads += v
			continue
		}
		out.writes[writeKey{cat: category(l["group"], l["resource"]), verb: verb, status: l["subresource"] == "status"}] += v
	}
	for _, m := range metricsOf(kas, "apiserver_watch_events_total") {
		l := labels(m)
		res := l["resource"]
		if res == "" {
			res = strings.ToLower(l["kind"]) + "s" // older label set: kind
		}
		out.watchEvents[category(l["group"], res)] += m.GetCounter().GetValue()
	}
	if s.xpURL == "" {
		return out, nil
	}
	xp, err := s.families(ctx, &http.Client{Timeout: time.Minute}, s.xpURL)
	if err != nil {
		return out, fmt.Errorf("crossplane metrics: %w", err)
	}
	for _, m := range metricsOf(xp, "controller_runtime_reconcile_total") {
		if strings.Contains(labels(m)["controller"], s.xpControl) {
			out.xrReconciles += m.GetCounter().GetValue()
		}
	}
	for _, m := range metricsOf(xp, "function_run_function_request_total") {
		out.functionCalls += m.GetCounter().GetValue()
	}
	return out, nil
}

func (s *scraper) families(ctx context.Context, c *http.Client, url string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	rsp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer rsp.Body.Close() //nolint:errcheck // read only
	if rsp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(rsp.Body, 512))
		return nil, fmt.Errorf("%s: %s: %s", url, rsp.Status, b)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(rsp.Body)
}

func metricsOf(f map[string]*dto.MetricFamily, name string) []*dto.Metric {
	if mf, ok := f[name]; ok {
		return mf.GetMetric()
	}
	return nil
}

func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func isWrite(verb string) bool {
	for _, v := range writeVerbs {
		if v == verb {
			return true
		}
	}
	return false
}

func category(group, resource string) string {
	switch {
	case strings.HasSuffix(group, ".aws.m.upbound.io") || strings.HasSuffix(group, ".aws.upbound.io"):
		return catManaged
	case group == "platform.spec3.io":
		return catXR
	case group == "protection.crossplane.io":
		return catUsage
	case resource == "events":
		return catEvent
	}
	return catOther
}

// delta is what happened between two samples.
type delta struct {
	d                           time.Duration
	writes                      map[writeKey]float64
	reads                       float64
	watchEvents                 map[string]float64
	xrReconciles, functionCalls float64
}

func diff(a, b sample) delta {
	out := delta{d: b.at.Sub(a.at), writes: map[writeKey]float64{}, watchEvents: map[string]float64{},
		reads: b.reads - a.reads, xrReconciles: b.xrReconciles - a.xrReconciles, functionCalls: b.functionCalls - a.functionCalls}
	for k, v := range b.writes {
		if d := v - a.writes[k]; d != 0 {
			out.writes[k] = d
		}
	}
	for k, v := range b.watchEvents {
		if d := v - a.watchEvents[k]; d != 0 {
			out.watchEvents[k] = d
		}
	}
	return out
}

// sum adds the writes matching keep.
func (d delta) sum(keep func(writeKey) bool) float64 {
	var n float64
	for k, v := range d.writes {
		if keep(k) {
			n += v
		}
	}
	return n
}

// stackWrites are the writes about stacks (every category but other).
func (d delta) stackWrites() float64 {
	return d.sum(func(k writeKey) bool { return k.cat != catOther })
}

func (d delta) applies() float64 {
	return d.sum(func(k writeKey) bool { return k.verb == verbApply })
}

func (d delta) creates() float64 {
	return d.sum(func(k writeKey) bool { return k.verb == verbCreate && k.cat != catEvent && k.cat != catOther })
}

// updates are writes of managed resources and XRs other than applies and creates: the
// provider's metadata and status writes, Crossplane's XR status.
func (d delta) updates() float64 {
	return d.sum(func(k writeKey) bool {
		return (k.cat == catManaged || k.cat == catXR || k.cat == catUsage) && k.verb != verbApply && k.verb != verbCreate
	})
}

func (d delta) events() float64 { return d.sum(func(k writeKey) bool { return k.cat == catEvent }) }

func (d delta) other() float64 { return d.sum(func(k writeKey) bool { return k.cat == catOther }) }

func (d delta) watchEventsOf(keep func(string) bool) float64 {
	var n float64
	for k, v := range d.watchEvents {
		if keep(k) {
			n += v
		}
	}
	return n
}

// breakdown lists every write kind of d, largest first, scaled by f.
func (d delta) breakdown(f float64) string {
	type kv struct {
		k writeKey
		v float64
	}
	var l []kv
	for k, v := range d.writes {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool {
		if l[i].v != l[j].v {
			return l[i].v > l[j].v
		}
		return fmt.Sprint(l[i].k) < fmt.Sprint(l[j].k)
	})
	var parts []string
	for _, e := range l {
		name := e.k.cat + " " + e.k.verb
		if e.k.status {
			name += " status"
		}
		parts = append(parts, fmt.Sprintf("%s %.1f", name, e.v*f))
	}
	return strings.Join(parts, ", ")
}
