// Command providergen writes the main package of a provider-aws binary that runs only the
// controllers of the kinds LambdaStack composes: the kinds named by the Configuration's
// ManagedResourceActivationPolicy (package/activation-policy.yaml). It reads the pinned
// provider-aws module's CRDs (for each kind's Go name, scope and versions) and its generated
// reference resolvers (for the API groups a reference may point at), and prints a main.go that
// must be built inside an unpacked copy of that module, because the controller packages are
// internal to it. hack/build-tools.sh provider-aws drives it; docs/e2e.md explains why.
//
//	go run ./hack/providergen -module <dir of github.com/upbound/provider-aws/v2@vX> \
//	    -policy package/activation-policy.yaml > <copy>/cmd/lambdastack-provider/main.go
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/template"

	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/internal/activation"
)

const modulePath = "github.com/upbound/provider-aws/v2"

// kind is one activated managed resource kind, located in the provider module.
type kind struct {
	Name     string   // Go type name, e.g. EventSourceMapping
	Scope    string   // "cluster" or "namespaced": the provider's apis/ and controller/ roots
	Service  string   // e.g. lambda
	Versions []string // every version the CRD serves
}

func main() {
	module := flag.String("module", "", "directory of the pinned provider-aws module")
	policy := flag.String("policy", "package/activation-policy.yaml", "the ManagedResourceActivationPolicy whose kinds get controllers")
	flag.Parse()
	if *module == "" {
		fail("-module is required")
	}
	src, err := generate(*module, *policy)
	if err != nil {
		fail(err.Error())
	}
	os.Stdout.Write(src)
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "providergen:", msg)
	os.Exit(1)
}

// generate returns the formatted main.go for the kinds of the policy.
func generate(module, policyPath string) ([]byte, error) {
	names, err := activation.Kinds(policyPath)
	if err != nil {
		return nil, err
	}
	var kinds []kind
	for _, n := range names {
		k, err := locate(module, n)
		if err != nil {
			return nil, err
		}
		kinds = append(kinds, k)
	}
	apis := map[string]bool{ // the provider's own ProviderConfig and usage types
		"apis/cluster/v1beta1": true, "apis/namespaced/v1beta1": true,
	}
	controllers := map[string]bool{
		"internal/controller/cluster/providerconfig": true, "internal/controller/namespaced/providerconfig": true,
	}
	for _, k := range kinds {
		controllers[fmt.Sprintf("internal/controller/%s/%s/%s", k.Scope, k.Service, strings.ToLower(k.Name))] = true
		for _, v := range k.Versions {
			dir := fmt.Sprintf("apis/%s/%s/%s", k.Scope, k.Service, v)
			apis[dir] = true
			refs, err := referencedAPIs(filepath.Join(module, dir), k.Name)
			if err != nil {
				return nil, err
			}
			for _, r := range refs {
				apis[r] = true
			}
		}
	}
	for dir := range apis {
		if _, err := os.Stat(filepath.Join(module, dir)); err != nil {
			return nil, fmt.Errorf("API package %s is not in the module: %w", dir, err)
		}
	}
	for dir := range controllers {
		if _, err := os.Stat(filepath.Join(module, dir)); err != nil {
			return nil, fmt.Errorf("controller package %s is not in the module: %w", dir, err)
		}
	}
	var buf bytes.Buffer
	err = mainTemplate.Execute(&buf, map[string]any{
		"Module":      modulePath,
		"APIs":        aliased(apis),
		"Controllers": aliased(controllers),
		"Kinds":       len(kinds),
	})
	if err != nil {
		return nil, err
	}
	return format.Source(buf.Bytes())
}

// locate reads the CRD of <plural>.<group> from the module's package/crds.
func locate(module, name string) (kind, error) {
	plural, group, ok := strings.Cut(name, ".")
	if !ok {
		return kind{}, fmt.Errorf("%q is not <plural>.<group>", name)
	}
	raw, err := os.ReadFile(filepath.Join(module, "package", "crds", group+"_"+plural+".yaml"))
	if err != nil {
		return kind{}, fmt.Errorf("%s: no CRD in provider-aws: %w", name, err)
	}
	var crd struct {
		Spec struct {
			Names    struct{ Kind string }   `json:"names"`
			Scope    string                  `json:"scope"`
			Versions []struct{ Name string } `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		return kind{}, fmt.Errorf("%s: %w", name, err)
	}
	scope, svc, err := scopeOf(group)
	if err != nil {
		return kind{}, err
	}
	k := kind{Name: crd.Spec.Names.Kind, Scope: scope, Service: svc}
	for _, v := range crd.Spec.Versions {
		k.Versions = append(k.Versions, v.Name)
	}
	return k, nil
}

// scopeOf maps an API group to the provider's source root and service:
// lambda.aws.m.upbound.io is namespaced/lambda, lambda.aws.upbound.io cluster/lambda.
func scopeOf(group string) (scope, service string, err error) {
	if svc, ok := strings.CutSuffix(group, ".aws.m.upbound.io"); ok {
		return "namespaced", svc, nil
	}
	if svc, ok := strings.CutSuffix(group, ".aws.upbound.io"); ok {
		return "cluster", svc, nil
	}
	return "", "", fmt.Errorf("API group %q is not provider-aws's", group)
}

var targetRE = regexp.MustCompile(`GetManagedResource\("([a-z0-9.]+)", "(v[a-z0-9]+)"`)

// referencedAPIs returns the API packages the reference resolvers of kind in dir look up by
// name at run time: they must be in the resolver's scheme or the reference cannot resolve.
func referencedAPIs(dir, kind string) ([]string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "zz_generated.resolvers.go"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	src := string(raw)
	start := strings.Index(src, "func (mg *"+kind+") ResolveReferences(")
	if start < 0 {
		return nil, nil
	}
	body := src[start:]
	if end := strings.Index(body[1:], "\nfunc "); end >= 0 {
		body = body[:end+1]
	}
	var out []string
	for _, m := range targetRE.FindAllStringSubmatch(body, -1) {
		scope, svc, err := scopeOf(m[1])
		if err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("apis/%s/%s/%s", scope, svc, m[2]))
	}
	return out, nil
}

type pkg struct{ Alias, Path string }

// aliased turns module-relative directories into sorted imports with unique aliases.
func aliased(dirs map[string]bool) []pkg {
	keys := make([]string, 0, len(dirs))
	for d := range dirs {
		keys = append(keys, d)
	}
	sort.Strings(keys)
	out := make([]pkg, 0, len(keys))
	var used []string
	for _, d := range keys {
		parts := strings.Split(d, "/")
		alias := strings.Join(slices.DeleteFunc(parts[1:], func(s string) bool { return s == "controller" }), "_")
		for slices.Contains(used, alias) {
			alias += "_"
		}
		used = append(used, alias)
		out = append(out, pkg{Alias: alias, Path: modulePath + "/" + d})
	}
	return out
}

var mainTemplate = template.Must(template.New("main").Parse(`// Code generated by hack/providergen from package/activation-policy.yaml. DO NOT EDIT.

// Command lambdastack-provider runs provider-aws's controllers for the {{.Kinds}} kinds LambdaStack
// composes (and the ProviderConfig controllers), nothing else.
package main

import (
	"context"
	"flag"
	"os"
	"time"

	xpcontroller "github.com/crossplane/crossplane-runtime/v2/pkg/controller"
	"github.com/crossplane/crossplane-runtime/v2/pkg/feature"
	"github.com/crossplane/crossplane-runtime/v2/pkg/gate"
	"github.com/crossplane/crossplane-runtime/v2/pkg/logging"
	"github.com/crossplane/crossplane-runtime/v2/pkg/ratelimiter"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/customresourcesgate"
	"github.com/crossplane/crossplane-runtime/v2/pkg/reconciler/managed"
	"github.com/crossplane/crossplane-runtime/v2/pkg/statemetrics"
	tjconfig "github.com/crossplane/upjet/v2/pkg/config"
	tjcontroller "github.com/crossplane/upjet/v2/pkg/controller"
	"github.com/crossplane/upjet/v2/pkg/controller/conversion"
	"github.com/hashicorp/terraform-provider-aws/xpprovider"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"{{.Module}}/config"
	resolver "{{.Module}}/internal/apis"
	"{{.Module}}/internal/clients"
	"{{.Module}}/internal/features"
{{range .APIs}}	{{.Alias}} "{{.Path}}"
{{end}}{{range .Controllers}}	{{.Alias}} "{{.Path}}"
{{end}})

// schemes registers the API versions of the composed kinds and of every kind their references
// resolve to.
var schemes = runtime.SchemeBuilder{
{{range .APIs}}	{{.Alias}}.SchemeBuilder.AddToScheme,
{{end}}}

var clusterSetups = []func(ctrl.Manager, tjcontroller.Options) error{
{{range .Controllers}}{{if eq (slice .Alias 0 7) "cluster"}}	{{.Alias}}.SetupGated,
{{end}}{{end}}}

var namespacedSetups = []func(ctrl.Manager, tjcontroller.Options) error{
{{range .Controllers}}{{if eq (slice .Alias 0 7) "namespa"}}	{{.Alias}}.SetupGated,
{{end}}{{end}}}

func main() {
	debug := flag.Bool("debug", false, "debug logging")
	poll := flag.Duration("poll", 10*time.Minute, "how often a resource is checked for drift (provider-aws's default)")
	sync := flag.Duration("sync", time.Hour, "how often the informer caches resync")
	rate := flag.Int("max-reconcile-rate", 10, "the global reconciles per second, and the concurrency of each controller")
	metricsAddr := flag.String("metrics-bind-address", ":8080", "Prometheus metrics")
	healthAddr := flag.String("health-probe-bind-addr", ":8081", "/healthz and /readyz")
	certsDir := flag.String("certs-dir", os.Getenv("TLS_SERVER_CERTS_DIR"), "the webhook server's tls.crt and tls.key; empty: no webhooks")
	webhookHost := flag.String("webhook-host", "", "the address the conversion webhook listens on (empty: every address)")
	webhookPort := flag.Int("webhook-port", 9443, "the conversion webhook's port")
	flag.Parse()

	log := logging.NewLogrLogger(zap.New(zap.UseDevMode(*debug)).WithName("lambdastack-provider"))
	ctrl.SetLogger(zap.New(zap.UseDevMode(*debug)))
	must := func(err error, what string) {
		if err != nil {
			log.Info("fatal", "step", what, "error", err.Error())
			os.Exit(1)
		}
	}

	cfg, err := ctrl.GetConfig()
	must(err, "kubeconfig")
	opts := ctrl.Options{
		Cache:                  cache.Options{SyncPeriod: sync},
		Metrics:                metricsserver.Options{BindAddress: *metricsAddr},
		HealthProbeBindAddress: *healthAddr,
	}
	if *certsDir != "" {
		opts.WebhookServer = webhook.NewServer(webhook.Options{CertDir: *certsDir, Host: *webhookHost, Port: *webhookPort})
	}
	mgr, err := ctrl.NewManager(ratelimiter.LimitRESTConfig(cfg, *rate), opts)
	must(err, "manager")
	must(schemes.AddToScheme(mgr.GetScheme()), "scheme")
	must(resolver.BuildScheme(schemes), "reference resolver scheme")
	must(apiextensionsv1.AddToScheme(mgr.GetScheme()), "apiextensions scheme")

	recorder, states := managed.NewMRMetricRecorder(), statemetrics.NewMRStateMetrics()
	metrics.Registry.MustRegister(recorder, states)

	ctx := context.Background()
	fw, sdk, err := xpprovider.GetProvider(ctx)
	must(err, "terraform provider")
	clusterProvider, err := config.GetProvider(ctx, fw, sdk, false, false)
	must(err, "cluster provider configuration")
	namespacedProvider, err := config.GetProviderNamespaced(ctx, fw, sdk, false, false)
	must(err, "namespaced provider configuration")

	crds := new(gate.Gate[schema.GroupVersionKind])
	options := func(p *tjconfig.Provider) tjcontroller.Options {
		flags := &feature.Flags{}
		flags.Enable(features.EnableBetaManagementPolicies)
		return tjcontroller.Options{
			Options: xpcontroller.Options{
				Logger:                  log,
				GlobalRateLimiter:       ratelimiter.NewGlobal(*rate),
				PollInterval:            *poll,
				MaxConcurrentReconciles: *rate,
				Features:                flags,
				Gate:                    crds,
				MetricOptions: &xpcontroller.MetricOptions{
					PollStateMetricInterval: 5 * time.Second,
					MRMetrics:               recorder,
					MRStateMetrics:          states,
				},
			},
			Provider:              p,
			SetupFn:               clients.SelectTerraformSetup(&clients.SetupConfig{Logger: log, TerraformProvider: p.TerraformProvider}),
			PollJitter:            *poll / 20,
			OperationTrackerStore: tjcontroller.NewOperationStore(log),
			StartWebhooks:         *certsDir != "",
		}
	}
	clusterOptions, namespacedOptions := options(clusterProvider), options(namespacedProvider)
	must(customresourcesgate.Setup(mgr, namespacedOptions.Options), "CRD gate")
	for _, setup := range clusterSetups {
		must(setup(mgr, clusterOptions), "cluster controllers")
	}
	for _, setup := range namespacedSetups {
		must(setup(mgr, namespacedOptions), "namespaced controllers")
	}
	must(conversion.RegisterConversions(clusterProvider, namespacedProvider, mgr.GetScheme()), "conversions")
	log.Info("starting", "controllers", len(clusterSetups)+len(namespacedSetups), "poll", poll.String())
	must(mgr.Start(ctrl.SetupSignalHandler()), "manager")
}
`))
