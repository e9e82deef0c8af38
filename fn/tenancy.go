package fn

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/crossplane/function-sdk-go/response"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Tenancy (docs/tenancy.md): a stage's EnvironmentConfig says which namespaces may use it and
// which account (provider config) and region they get; a request cannot widen either. Every
// stack is owned by a namespace (the request's, or a claim's), whose name is part of every AWS
// name of the stack and the only namespace its Kubernetes Secrets may come from.

const (
	// requirementNamespace is the required resource carrying the owner's Namespace object; it is
	// asked for only when the stage's EnvironmentConfig selects namespaces by label.
	requirementNamespace = "owner-namespace"
	// labelClaimNamespace and labelClaimName are the labels Crossplane puts on the XR of a claim.
	labelClaimNamespace = "crossplane.io/claim-namespace"
	labelClaimName      = "crossplane.io/claim-name"
	// namespacePlaceholder in data.secretNamePrefix stands for the owner namespace.
	namespacePlaceholder = "{namespace}"
)

var reAccount = regexp.MustCompile(`^[0-9]{12}$`)

// tenantSettings is resolve with the tenancy rules around it: the owner namespace must be bound
// to the stage (rule 1), the merged settings must keep to what the stage grants (rules 2 and 4,
// validateTenancy) and must not re-point a stack that exists (rule 5). resolved is false while
// Crossplane has not yet sent the owner's Namespace the stage's label selector needs.
func tenantSettings(req *fnv1.RunFunctionRequest, rsp *fnv1.RunFunctionResponse, xr composite, stageCfg *v1alpha1.StageProfile, o observedState) (s *settings, resolved bool, err error) {
	owner := ownerNamespace(req, xr)
	var nsLabels map[string]string
	if stageCfg != nil && stageCfg.NamespaceSelector != nil && owner != "" && !slices.Contains(stageCfg.Namespaces, owner) {
		if rsp.Requirements == nil {
			rsp.Requirements = &fnv1.Requirements{}
		}
		if rsp.Requirements.Resources == nil {
			rsp.Requirements.Resources = map[string]*fnv1.ResourceSelector{}
		}
		rsp.Requirements.Resources[requirementNamespace] = &fnv1.ResourceSelector{
			ApiVersion: "v1", Kind: "Namespace",
			Match: &fnv1.ResourceSelector_MatchName{MatchName: owner},
		}
		var ok bool
		if nsLabels, ok = requiredNamespaceLabels(req, owner); !ok {
			return nil, false, nil
		}
	}
	if err := admit(xr.Spec.Stage, owner, stageCfg, nsLabels); err != nil {
		return nil, true, err
	}
	s, err = resolveFor(xr, owner, stageCfg)
	if err != nil {
		return nil, true, err
	}
	if err := unchangedTarget(o, s); err != nil {
		return nil, true, err
	}
	keepNameScheme(o, s)
	keepObjectNames(o, s)
	if stageCfg == nil {
		response.Warning(rsp, fmt.Errorf("stage %s has no EnvironmentConfig, so every namespace may use it with provider config %s; that suits a single-team cluster only: a platform binds stages to namespaces with an EnvironmentConfig labelled %s=%s (docs/tenancy.md)", s.Stage, s.ProviderConfigName, v1alpha1.StageLabel, s.Stage)).TargetCompositeAndClaim()
	}
	return s, true, nil
}

// ownerNamespace is the namespace a stack belongs to: the LambdaStack's namespace, or for an
// XLambdaStack the namespace of its claim (a label only Crossplane sets); "" for an
// XLambdaStack created without a claim (cluster-scoped: only cluster administrators can).
func ownerNamespace(req *fnv1.RunFunctionRequest, xr composite) string {
	if xr.Flavour == namespaced {
		return xr.Namespace
	}
	meta := req.GetObserved().GetComposite().GetResource().GetFields()["metadata"].GetStructValue().GetFields()
	return meta["labels"].GetStructValue().GetFields()[labelClaimNamespace].GetStringValue()
}

// requiredNamespaceLabels reads the labels of the owner's Namespace from the required
// resources; ok is false until Crossplane has answered the requirement.
func requiredNamespaceLabels(req *fnv1.RunFunctionRequest, owner string) (map[string]string, bool) {
	rr, ok := req.GetRequiredResources()[requirementNamespace]
	if !ok {
		return nil, false
	}
	for _, item := range rr.GetItems() {
		meta := item.GetResource().GetFields()["metadata"].GetStructValue().GetFields()
		if meta["name"].GetStringValue() != owner {
			continue
		}
		out := map[string]string{}
		for k, v := range meta["labels"].GetStructValue().GetFields() {
			out[k] = v.GetStringValue()
		}
		return out, true
	}
	return map[string]string{}, true // the namespace was not found: no labels select it
}

// admit applies rule 1: a stage with an EnvironmentConfig serves only the namespaces it names
// or selects; a built-in stage without one serves any namespace unless it is a production
// stage, which needs an EnvironmentConfig.
func admit(stage, owner string, stageCfg *v1alpha1.StageProfile, nsLabels map[string]string) error {
	if stageCfg == nil {
		if p, ok := builtinProfiles[stage]; ok && p.Production != nil && *p.Production {
			return fmt.Errorf("spec.stage: stage %s is a production stage and has no EnvironmentConfig; the platform team must create one labelled %s=%s that names the namespaces allowed to use it (docs/tenancy.md)", stage, v1alpha1.StageLabel, stage)
		}
		return nil
	}
	if owner == "" {
		// An XLambdaStack without a claim: cluster-scoped, created by a cluster administrator.
		return nil
	}
	if slices.Contains(stageCfg.Namespaces, owner) {
		return nil
	}
	if stageCfg.NamespaceSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(stageCfg.NamespaceSelector)
		if err != nil {
			return fmt.Errorf("EnvironmentConfig of stage %s: data.namespaceSelector: %w", stage, err)
		}
		if !sel.Empty() && sel.Matches(labels.Set(nsLabels)) {
			return nil
		}
	}
	return fmt.Errorf("spec.stage: namespace %s may not use stage %s; the platform grants it by adding %s to data.namespaces (or labelling the namespace to match data.namespaceSelector) of the EnvironmentConfig labelled %s=%s (docs/tenancy.md)", owner, stage, owner, v1alpha1.StageLabel, stage)
}

// validateTenancy applies rules 2 and 4 to the merged settings: the provider config comes from
// the stage, Kubernetes Secrets from the owner's namespace, existing secrets, KMS keys, alarm
// topics and authorizers from the stage's account (on a shared account only the owner's own or
// granted ones, rule 9), and checks what the stage says about ownership (ownership.go).
func validateTenancy(errs *fieldErrors, s *settings, spec *v1alpha1.LambdaStackSpec, stageCfg *v1alpha1.StageProfile) {
	if want := firstStr(stageCfg.ProviderConfigName, s.Stage); spec.ProviderConfigName != "" && spec.ProviderConfigName != want &&
		!slices.Contains(stageCfg.AllowedProviderConfigNames, spec.ProviderConfigName) {
		granted := append([]string{want}, stageCfg.AllowedProviderConfigNames...)
		errs.add("spec.providerConfigName", "%q is not granted to stage %s (granted: %s); the stage's EnvironmentConfig lists the others a request may pick in data.allowedProviderConfigNames", spec.ProviderConfigName, s.Stage, strings.Join(granted, ", "))
	}
	if stageCfg.AccountID != "" && !reAccount.MatchString(stageCfg.AccountID) {
		errs.add("EnvironmentConfig data.accountId", "%q is not a 12-digit AWS account ID", stageCfg.AccountID)
	}

	validateSecretGrants(errs, s, stageCfg)

	// an alarm topic named by the request (the stage's own is the platform's word): alarms and
	// budget notifications publish to it, so it must be in the stage's account
	if m := spec.Monitoring; m != nil && m.AlarmTopicARN != "" && reTopicARN.MatchString(m.AlarmTopicARN) {
		checkGrantedARN(errs, s, stageCfg, "spec.monitoring.alarmTopicArn", "SNS topic", m.AlarmTopicARN)
	}

	// the Lambda authorizer: the API calls it, so it must be in the stage's account
	if a := s.API; a.Enabled && a.AuthType == "lambda" && a.Lambda != nil && reAuthorizerARN.MatchString(a.Lambda.FunctionARN) {
		checkGrantedARN(errs, s, stageCfg, "spec.api.auth.lambda.functionArn", "authorizer function", a.Lambda.FunctionARN)
	}

	validateOwnershipConfig(errs, s, stageCfg)
}

// checkGrantedARN refuses an ARN outside the stage's account and, on a shared account, one that
// is neither the owner's own nor granted (checkOwned, ownership.go). A stage with an
// EnvironmentConfig must name its account for existing resources to be granted at all; a
// built-in stage without one (a single-team cluster) grants any.
func checkGrantedARN(errs *fieldErrors, s *settings, stageCfg *v1alpha1.StageProfile, field, what, arn string) {
	if !s.StageConfigured {
		return
	}
	acct := arnAccount(arn)
	switch {
	case stageCfg.AccountID == "":
		errs.add(field, "the %s %s cannot be granted: stage %s's EnvironmentConfig names no account (data.accountId), so no existing %s may be used", what, arn, s.Stage, what)
	case acct != stageCfg.AccountID:
		errs.add(field, "the %s is in account %s, not in stage %s's account %s", what, acct, s.Stage, stageCfg.AccountID)
	default:
		checkOwned(errs, s, field, what, arn)
	}
}

// unchangedTarget applies rule 5: composed resources that exist keep their provider config
// (the AWS account) and the function its primary region. A change there, typically a deleted
// or relabelled EnvironmentConfig, is refused instead of re-pointing the stack.
func unchangedTarget(o observedState, s *settings) error {
	wantPC := s.ProviderConfigName
	if s.Flavour == namespaced {
		wantPC = s.ProviderConfigKind + "/" + s.ProviderConfigName
	}
	var changes []string
	pcs := map[string][]string{}
	for key, oc := range o {
		if oc.Resource == nil {
			continue
		}
		name, _, _ := unstructured.NestedString(oc.Resource.Object, "spec", "providerConfigRef", "name")
		if name == "" {
			continue // not a managed resource (a Usage)
		}
		got := name
		if s.Flavour == namespaced {
			kind, _, _ := unstructured.NestedString(oc.Resource.Object, "spec", "providerConfigRef", "kind")
			got = kind + "/" + name
		}
		if got != wantPC {
			pcs[got] = append(pcs[got], string(key))
		}
	}
	if region := o.kept(KeyFunction, "region"); region != "" && region != s.Region {
		changes = append(changes, fmt.Sprintf("region %s -> %s (function)", region, s.Region))
	}
	for _, got := range sortedKeys(pcs) {
		keys := pcs[got]
		sort.Strings(keys)
		changes = append(changes, fmt.Sprintf("provider config %s -> %s (%s)", got, wantPC, strings.Join(keys, ", ")))
	}
	if len(changes) == 0 {
		return nil
	}
	src := "the built-in profile " + s.Profile + " (stage " + s.Stage + " has no EnvironmentConfig now)"
	if s.StageConfigured {
		src = "stage " + s.Stage + "'s EnvironmentConfig"
	}
	return fmt.Errorf("spec.stage: the stack exists in another account or region than %s now gives: %s; nothing was changed. Restore the stage's EnvironmentConfig (or the request's settings); to move the stack, delete it and create it anew", src, strings.Join(changes, "; "))
}

// keepNameScheme keeps the AWS names of a stack composed under an older naming scheme
// (naming.go): when its function exists as <owner>_<stage>-<app> or <stage>-<app>, every name
// stays as it was (renaming would make the provider create new AWS resources and orphan the old
// ones), and so does the name of each secret it created (from before secret name prefixes, for
// names without the owner).
func keepNameScheme(o observedState, s *settings) {
	fnObj, ok := o[KeyFunction]
	if !ok || fnObj.Resource == nil {
		return
	}
	got := fnObj.Resource.GetAnnotations()[annotationExternalName]
	for _, scheme := range []nameScheme{namesOwnerFirst, namesWithoutOwner} {
		if got == fitName(stemOf(scheme, s.Owner, s.Stage, s.App), maxFunctionName) {
			s.NameScheme = scheme
			if scheme == namesWithoutOwner {
				s.SecretNamePrefix = ""
			}
			return
		}
	}
}

// keepObjectNames notices a stack whose composed objects are named <xr>-<key> (composed before
// the "--" separator): its references keep pointing at those names.
func keepObjectNames(o observedState, s *settings) {
	for key, oc := range o {
		if oc.Resource == nil {
			continue
		}
		if name := oc.Resource.GetName(); name != "" && name == fitName(s.XRName+"-"+string(key), maxObjectName) {
			s.LegacyObjectNames = true
			return
		}
	}
}
