// Command providerconfigs prints the ProviderConfigs of examples/providerconfigs.yaml for a
// cluster that runs the examples against real AWS with keys (hack/uptest-cluster.sh): the same
// names and namespaces, each reading an AWS shared-credentials file from the Secret
// aws-credentials in its own namespace (crossplane-system for the cluster-scoped one), written
// along, and assuming a role only when told to. The stage of a ProviderConfig is its namespace's
// suffix (team-mcp-<stage>) or, cluster-scoped, its name; for each, from the environment:
//
//	AWS_CREDENTIALS_<STAGE> or AWS_CREDENTIALS   the credentials file (required)
//	AWS_ROLE_ARN_<STAGE> or AWS_ROLE_ARN         a role to assume with them (optional)
//
//	go run ./hack/providerconfigs [-examples examples/providerconfigs.yaml] | kubectl apply -f -
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/spec3/lambdastack/internal/providerconfigs"
)

func main() {
	examples := flag.String("examples", "examples/providerconfigs.yaml", "the examples' ProviderConfigs")
	flag.Parse()
	raw, err := os.ReadFile(*examples)
	if err != nil {
		fail(err)
	}
	out, _, err := providerconfigs.Rewrite(raw, providerconfigs.Options{
		SecretName: "aws-credentials", SecretKey: "credentials",
		Credentials: func(key string) (string, error) {
			if v := env("AWS_CREDENTIALS", stage(key)); v != "" {
				return v, nil
			}
			return "", errors.New("set AWS_CREDENTIALS_" + strings.ToUpper(stage(key)) + " or AWS_CREDENTIALS")
		},
		Role: func(key string) string { return env("AWS_ROLE_ARN", stage(key)) },
	})
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

// stage of a ProviderConfig "<namespace>/<name>": team-mcp-<stage>, or the cluster-scoped name.
func stage(key string) string {
	ns, name, _ := strings.Cut(key, "/")
	if ns == "" {
		return name
	}
	return ns[strings.LastIndex(ns, "-")+1:]
}

// env is <base>_<STAGE>, else <base>.
func env(base, stage string) string {
	if v := os.Getenv(base + "_" + strings.ToUpper(stage)); v != "" {
		return v
	}
	return os.Getenv(base)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "providerconfigs:", err)
	os.Exit(1)
}
