//go:build tools

// Package tools pins controller-gen, which generates the CRDs the XRDs are converted from.
package tools

import _ "sigs.k8s.io/controller-tools/cmd/controller-gen"
