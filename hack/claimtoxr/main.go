// Command claimtoxr prints the composite resource Crossplane composes for an example request
// file (a LambdaStackClaim becomes its XLambdaStack, see examples.ClaimToXR) as YAML, for
// hack/render.sh: `crossplane composition render` takes the composite, not the claim.
package main

import (
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/spec3/lambdastack/examples"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: claimtoxr <request.yaml>")
		os.Exit(2)
	}
	obj, err := examples.ReadYAML(os.Args[1])
	if err == nil {
		examples.ClaimToXR(obj)
		var out []byte
		if out, err = yaml.Marshal(obj); err == nil {
			_, err = os.Stdout.Write(out)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "claimtoxr:", err)
		os.Exit(1)
	}
}
