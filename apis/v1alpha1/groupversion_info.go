// Package v1alpha1 holds the LambdaStack API: the Go types the composition function decodes the
// composite resource into, and from which the XRDs under apis/ are generated (make generate).
// +kubebuilder:object:generate=false
// +groupName=platform.spec3.io
// +versionName=v1alpha1
package v1alpha1

const (
	// Group of the LambdaStack composite resources.
	Group = "platform.spec3.io"
	// Version of the LambdaStack composite resources.
	Version = "v1alpha1"
	// APIVersion is Group/Version.
	APIVersion = Group + "/" + Version

	// KindLambdaStack is the namespaced (Crossplane v2) composite resource.
	KindLambdaStack = "LambdaStack"
	// KindXLambdaStack is the cluster-scoped legacy composite resource, claimed by LambdaStackClaim.
	KindXLambdaStack = "XLambdaStack"
	// KindLambdaStackClaim is the claim of an XLambdaStack.
	KindLambdaStackClaim = "LambdaStackClaim"

	// StageLabel selects the EnvironmentConfig of a stage: platform.spec3.io/stage=<stage>.
	StageLabel = Group + "/stage"
)
