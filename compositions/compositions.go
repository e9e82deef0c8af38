// Package compositions holds the Compositions of the Configuration, the same files the package
// ships, for tools that render a request without the repository at hand (lambdastack diff and
// invoke).
package compositions

import _ "embed"

// Namespaced composes a LambdaStack (lambdastack.yaml).
//
//go:embed lambdastack.yaml
var Namespaced []byte

// Legacy composes an XLambdaStack, the composite of a LambdaStackClaim (xlambdastack.yaml).
//
//go:embed xlambdastack.yaml
var Legacy []byte
