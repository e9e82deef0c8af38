package v1alpha1

// StageProfile is the per-stage settings. The built-in profiles (dev, staging, prod) are values of
// this type; an EnvironmentConfig labelled platform.spec3.io/stage=<stage> carries one in its
// `data`, overriding the profile it is based on. A request overrides both.
type StageProfile struct {
	// BaseProfile is the built-in profile this stage starts from: dev, staging or prod. Default:
	// the built-in profile named like the stage, if any.
	BaseProfile string `json:"baseProfile,omitempty"`

	// Production stages refuse an unauthenticated API unless the request opts in (api.public).
	Production *bool `json:"production,omitempty"`

	// RetainStatefulResources keeps log groups, secrets and the alarm topic in AWS when the stack
	// is deleted (their managementPolicies leave out Delete).
	RetainStatefulResources *bool `json:"retainStatefulResources,omitempty"`

	// ProviderConfigName selects the AWS account of the stage. Default: the stage name.
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// ProviderConfigKind of the namespaced flavour: ClusterProviderConfig (what every built-in
	// profile sets) or ProviderConfig (in the request's namespace).
	ProviderConfigKind string `json:"providerConfigKind,omitempty"`

	// Region of the stage.
	Region string `json:"region,omitempty"`

	// AllowedRegions a request of this stage may deploy to. Empty: any.
	AllowedRegions []string `json:"allowedRegions,omitempty"`

	// ResponseTTLSeconds tells Crossplane how long the function's answer stays valid.
	ResponseTTLSeconds *int64 `json:"responseTTLSeconds,omitempty"`

	// Function tunables.
	Function *FunctionSettings `json:"function,omitempty"`

	// API tunables.
	API *APISettings `json:"api,omitempty"`

	// Monitoring defaults.
	Monitoring *MonitoringSettings `json:"monitoring,omitempty"`

	// Release defaults.
	Release *ReleaseSettings `json:"release,omitempty"`

	// Tags for every resource of the stage.
	Tags map[string]string `json:"tags,omitempty"`
}
