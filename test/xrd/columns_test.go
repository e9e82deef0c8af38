package xrd_test

import (
	"strings"
	"testing"

	extv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/spec3/lambdastack/test/schema"
)

// TestPrinterColumns checks the columns of kubectl get on the CRDs Crossplane derives from the
// XRDs: SYNCED and READY (Crossplane's) once each, and the stack's Status (status.summary, which
// names a failing part) on the LambdaStack, the XLambdaStack and the claim.
func TestPrinterColumns(t *testing.T) {
	for _, kind := range []string{kindLambdaStack, "XLambdaStack", kindClaim} {
		t.Run(kind, func(t *testing.T) {
			xrd := xrdFor(t, kind)
			var crd *extv1.CustomResourceDefinition
			var err error
			if kind == kindClaim {
				crd, err = schema.XRDToClaimCRD(xrd)
			} else {
				crd, err = schema.XRDToCRD(xrd)
			}
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			paths := map[string]string{}
			for _, c := range crd.Spec.Versions[0].AdditionalPrinterColumns {
				n := strings.ToUpper(c.Name)
				count[n]++
				paths[n] = c.JSONPath
			}
			for _, want := range []string{"SYNCED", "READY", "STATUS"} {
				if count[want] != 1 {
					t.Errorf("column %s appears %d times, want once: %v", want, count[want], count)
				}
			}
			if paths["STATUS"] != ".status.summary" {
				t.Errorf("Status column reads %q, want .status.summary", paths["STATUS"])
			}
			status := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"].Properties
			for _, f := range []string{"summary", "failures"} {
				if _, ok := status[f]; !ok {
					t.Errorf("status.%s is not in the schema: Crossplane would drop what the function writes there", f)
				}
			}
		})
	}
}
