package localinvoke

import (
	"fmt"
	"regexp"
	"sort"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/crossplane/crossplane-runtime/v2/pkg/resource/unstructured/composed"
)

// PlaceholderAccount is the account of every placeholder ARN: no real account has it.
const PlaceholderAccount = "000000000000"

var secretARN = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):[0-9]*:secret:(.+)$`)

// MaskSecrets replaces every environment value that is a Secrets Manager ARN by a placeholder
// ARN in PlaceholderAccount: the handler sees the variable and an ARN's shape, never a real
// secret to read. It returns the names of the variables it replaced, sorted.
func MaskSecrets(f *Function) []string {
	var masked []string
	for k, v := range f.Environment {
		if m := secretARN.FindStringSubmatch(v); m != nil {
			f.Environment[k] = fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s", m[1], PlaceholderAccount, m[2])
			masked = append(masked, k)
		}
	}
	sort.Strings(masked)
	return masked
}

// ObservedSecrets plays AWS for the secrets a stack creates and that do not exist yet (are not
// in observed), so the function gets their variables (it waits for their ARNs, which AWS
// assigns) in a local run: each such composed secretsmanager Secret as if it existed, with a
// placeholder ARN in PlaceholderAccount. Nothing else is played.
func ObservedSecrets(desired, observed []composed.Unstructured) []composed.Unstructured {
	exists := map[string]bool{}
	for _, o := range observed {
		exists[o.GetAPIVersion()+"/"+o.GetKind()+"/"+o.GetName()] = true
	}
	var out []composed.Unstructured
	for _, d := range desired {
		if d.GetKind() != "Secret" || !secretsManager(d.GetAPIVersion()) || exists[d.GetAPIVersion()+"/"+d.GetKind()+"/"+d.GetName()] {
			continue
		}
		o := *d.DeepCopy()
		region, _, _ := unstructured.NestedString(o.Object, "spec", "forProvider", "region")
		name := o.GetAnnotations()["crossplane.io/external-name"]
		_ = unstructured.SetNestedField(o.Object, fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-LOCAL0", region, PlaceholderAccount, name), "status", "atProvider", "arn")
		out = append(out, o)
	}
	return out
}

func secretsManager(apiVersion string) bool {
	return regexp.MustCompile(`^secretsmanager\.aws(\.m)?\.upbound\.io/`).MatchString(apiVersion)
}
