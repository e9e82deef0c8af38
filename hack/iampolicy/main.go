// Command iampolicy writes docs/iam/deployer-policy.json: the IAM policy of the role provider-aws
// assumes in each stage's account, for the kinds the Configuration activates
// (package/activation-policy.yaml), from internal/iampolicy. make generate runs it; a test fails
// when the file is stale.
//
//	go run ./hack/iampolicy [-policy package/activation-policy.yaml] [-out docs/iam/deployer-policy.json]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spec3/lambdastack/internal/activation"
	"github.com/spec3/lambdastack/internal/iampolicy"
)

func main() {
	policy := flag.String("policy", "package/activation-policy.yaml", "the Configuration's ManagedResourceActivationPolicy")
	out := flag.String("out", "docs/iam/deployer-policy.json", "where the IAM policy is written")
	flag.Parse()
	kinds, err := activation.Kinds(*policy)
	if err == nil {
		var doc []byte
		if doc, err = iampolicy.Document(kinds); err == nil {
			err = os.WriteFile(*out, doc, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "iampolicy:", err)
		os.Exit(1)
	}
}
