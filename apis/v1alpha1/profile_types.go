package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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

	// Namespaces whose requests may use this stage. A request from a namespace that is neither
	// listed here nor selected by NamespaceSelector is refused (docs/tenancy.md).
	Namespaces []string `json:"namespaces,omitempty"`

	// NamespaceSelector selects, by their labels, further namespaces that may use this stage.
	// Crossplane must be allowed to read namespaces (docs/tenancy.md).
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// ProviderConfigName selects the AWS account of the stage. Default: the stage name.
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// AllowedProviderConfigNames a request may pick with spec.providerConfigName, besides
	// ProviderConfigName. Empty: a request cannot choose its provider config.
	AllowedProviderConfigNames []string `json:"allowedProviderConfigNames,omitempty"`

	// ProviderConfigKind of the namespaced flavour: ProviderConfig (default, in the request's
	// namespace, so granting a team an account is creating a ProviderConfig in its namespace)
	// or ClusterProviderConfig (any namespace bound to the stage shares it).
	ProviderConfigKind string `json:"providerConfigKind,omitempty"`

	// AccountID is the stage's AWS account (12 digits). Existing secrets (spec.secrets[].arn) and
	// KMS keys must be in it; a stage with an EnvironmentConfig but no accountId refuses them.
	AccountID string `json:"accountId,omitempty"`

	// SharedAccount says that the namespaces of several teams have stacks in the stage's account
	// (accountId). Default true. In a shared account a request may name only the resources of
	// the account that are its namespace's own (named <namespace>_... or <namespace>/...) or
	// that Grants grant, every execution role gets the stage's permissions boundary (required),
	// and no existing secret is granted without a SecretNamePrefix (docs/tenancy.md). false says
	// the account is the one namespace's that Namespaces lists (no NamespaceSelector).
	SharedAccount *bool `json:"sharedAccount,omitempty"`

	// Grants are the resources of the stage's account (and network) a namespace may use besides
	// its own.
	Grants *Grants `json:"grants,omitempty"`

	// SecretNamePrefix is the name prefix of the secrets a namespace may read and create; it must
	// contain {namespace}/ ({namespace} stands for the request's namespace), e.g. teams/{namespace}/.
	SecretNamePrefix string `json:"secretNamePrefix,omitempty"`

	// AllowedSecurityGroupIDs every namespace of the stage may attach
	// (spec.network.securityGroupIds), besides its own in Grants.Namespaces. Empty (and no
	// namespace's list): any on an account of one namespace, none on a shared account.
	AllowedSecurityGroupIDs []string `json:"allowedSecurityGroupIds,omitempty"`

	// AllowedSubnetIDs every namespace of the stage may place functions in
	// (spec.network.subnetIds), besides its own in Grants.Namespaces. Empty (and no namespace's
	// list): any on an account of one namespace, none on a shared account.
	AllowedSubnetIDs []string `json:"allowedSubnetIds,omitempty"`

	// AllowedVPCIDs every namespace of the stage may create its security group in
	// (spec.network.vpcId), besides its own in Grants.Namespaces. Empty (and no namespace's
	// list): any on an account of one namespace, none on a shared account.
	AllowedVPCIDs []string `json:"allowedVpcIds,omitempty"`

	// Quotas are the stage's ceilings: a request may ask for less, never for more. Each unset
	// quota is the built-in profile's.
	Quotas *StageQuotas `json:"quotas,omitempty"`

	// AllowedLayerAccountIDs are accounts besides the stage's (accountId) whose Lambda layers a
	// request may use (spec.function.layers), e.g. a vendor's or the platform's layer account.
	AllowedLayerAccountIDs []string `json:"allowedLayerAccountIds,omitempty"`

	// Permissions bound what requests may grant their function with spec.permissions, and
	// set the ceiling of every execution role of the stage (docs/services.md).
	Permissions *PermissionsGuards `json:"permissions,omitempty"`

	// ManagedLogPolicy attaches AWSLambdaBasicExecutionRole (logs:* on every log group of the
	// account) instead of the inline policy scoped to the function's own log groups.
	ManagedLogPolicy *bool `json:"managedLogPolicy,omitempty"`

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

	// Budget of every stack of the stage (a stack gets one where a monthly limit is set).
	Budget *BudgetSettings `json:"budget,omitempty"`

	// CentralLogs sends every log group of every stack of the stage (the function's and the API's
	// access logs, in every region) to a central destination (docs/services.md).
	CentralLogs *CentralLogsSettings `json:"centralLogs,omitempty"`

	// Domains is the Route53 hosted zone in which requests of the stage may serve their API
	// under a custom hostname (spec.api.domain). Unset: custom domains are refused.
	Domains *DomainSettings `json:"domains,omitempty"`
	// Triggers are the stage's guards on spec.triggers.
	Triggers *TriggerSettings `json:"triggers,omitempty"`

	// Async defaults of the stage (asynchronous invocation config, failure queue).
	Async *AsyncSettings `json:"async,omitempty"`

	// LogsAccess gives every stack of the stage a read-only logs role that the principals named
	// here may assume (lambdastack logs; docs/app-teams.md). Unset: no logs role.
	LogsAccess *LogsAccessSettings `json:"logsAccess,omitempty"`

	// Tags for every resource of the stage.
	Tags map[string]string `json:"tags,omitempty"`
}

// Grants are what a stage grants its namespaces of its account besides their own resources
// (docs/tenancy.md). In patterns, {namespace} stands for the request's namespace and must be
// followed by a character no namespace contains (_ / : or the end), and {account} for the
// stage's accountId.
type Grants struct {
	// Resources are ARN patterns (IAM's * and ?) of existing resources every namespace may name:
	// in its own permissions, as trigger queue, failure destination, authorizer, layer, KMS key,
	// secret, alarm topic, certificate, code object (arn:aws:s3:::<bucket>/<key>) or image
	// repository (arn:aws:ecr:<region>:<account>:repository/<name>), e.g.
	// arn:aws:s3:::artifacts/{namespace}/* or arn:aws:dynamodb:*:{account}:table/{namespace}_*.
	Resources []string `json:"resources,omitempty"`

	// Namespaces are what one namespace may use besides, by namespace name.
	Namespaces map[string]NamespaceGrants `json:"namespaces,omitempty"`
}

// NamespaceGrants are what one namespace may use of the stage's account and network besides
// its own resources and what the stage grants every namespace.
type NamespaceGrants struct {
	// Resources are ARN patterns, as in Grants.Resources.
	Resources []string `json:"resources,omitempty"`

	// SubnetIDs the namespace may place functions in (spec.network.subnetIds).
	SubnetIDs []string `json:"subnetIds,omitempty"`

	// SecurityGroupIDs the namespace may attach (spec.network.securityGroupIds).
	SecurityGroupIDs []string `json:"securityGroupIds,omitempty"`

	// VPCIDs the namespace may create its security group in (spec.network.vpcId).
	VPCIDs []string `json:"vpcIds,omitempty"`
}

// StageQuotas are the most a request of the stage may ask for. The stage's budget
// (budget.monthlyLimitUSD) is a ceiling too: a request may lower it, not raise or disable it.
type StageQuotas struct {
	// MemoryMB is the largest function.memoryMB.
	MemoryMB *int64 `json:"memoryMB,omitempty"`

	// TimeoutSeconds is the longest function.timeoutSeconds.
	TimeoutSeconds *int64 `json:"timeoutSeconds,omitempty"`

	// EphemeralStorageMB is the largest function.ephemeralStorageMB.
	EphemeralStorageMB *int64 `json:"ephemeralStorageMB,omitempty"`

	// ReservedConcurrency is the largest function.reservedConcurrency; a function of the stage
	// is never unreserved then (it gets this quota when neither request nor stage sets one).
	ReservedConcurrency *int64 `json:"reservedConcurrency,omitempty"`

	// ProvisionedConcurrency is the largest release.provisionedConcurrency.
	ProvisionedConcurrency *int64 `json:"provisionedConcurrency,omitempty"`

	// LogRetentionDays is the longest function.logRetentionDays.
	LogRetentionDays *int64 `json:"logRetentionDays,omitempty"`

	// Regions is the most regions a stack may run in (spec.regions).
	Regions *int64 `json:"regions,omitempty"`

	// Routes is the most routes an API may have (api.routes).
	Routes *int64 `json:"routes,omitempty"`
}

// DomainSettings name the hosted zone of a stage's custom domains and which of its hostnames a
// namespace may take (docs/tenancy.md).
type DomainSettings struct {
	// HostedZoneID of the public Route53 hosted zone, e.g. Z0123456789ABCDEFGHIJ, in the stage's
	// account: the stacks write their certificate validation and alias records there.
	HostedZoneID string `json:"hostedZoneId,omitempty"`

	// ZoneName is the zone's domain name, e.g. api.example.com.
	ZoneName string `json:"zoneName,omitempty"`

	// HostnameSuffix is the part of the zone a namespace may use: a request's hostname must be it
	// or end with .<suffix>. It must contain {namespace} (replaced by the request's namespace), so
	// no team can take another team's hostnames. Default: {namespace}.<zoneName>.
	HostnameSuffix string `json:"hostnameSuffix,omitempty"`
}

// CentralLogsSettings name the central log destination of a stage: one destination per region,
// since a log group subscribes only to a destination in its own region.
type CentralLogsSettings struct {
	// DestinationARNs, at most one per region: CloudWatch Logs destinations
	// (arn:aws:logs:<region>:<account>:destination:<name>, e.g. in a log archive account), Kinesis
	// data streams (arn:aws:kinesis:<region>:<account>:stream/<name>) or Firehose delivery streams
	// (arn:aws:firehose:<region>:<account>:deliverystream/<name>).
	DestinationARNs []string `json:"destinationArns,omitempty"`

	// RoleARN is the IAM role CloudWatch Logs assumes to put records into a Kinesis or Firehose
	// destination. Unset: each stack creates one allowed to write only to the stage's streams.
	// CloudWatch Logs destinations need none (their access policy admits the account).
	RoleARN string `json:"roleArn,omitempty"`

	// FilterPattern selects the log events sent. Default: every event.
	FilterPattern string `json:"filterPattern,omitempty"`
}

// PermissionsGuards are a stage's bounds on the function's own permissions (spec.permissions).
// Whatever they allow, IAM actions other than Get*/List* reads, organizations actions and
// sts:AssumeRole on a wildcard resource are never granted.
type PermissionsGuards struct {
	// AllowWildcardActions lets statements use wildcard actions within a service (s3:Get*,
	// sqs:*). Default false. "*" and wildcard services are never allowed (they include IAM).
	AllowWildcardActions *bool `json:"allowWildcardActions,omitempty"`

	// AllowWildcardResources lets statements name resource "*" or ARNs whose account is a
	// wildcard. Default false.
	AllowWildcardResources *bool `json:"allowWildcardResources,omitempty"`

	// AllowedResourceAccountIDs are accounts besides the stage's (data.accountId) whose
	// resources statements may name, e.g. a shared-services account. Default: none.
	AllowedResourceAccountIDs []string `json:"allowedResourceAccountIds,omitempty"`

	// AllowedManagedPolicyARNs are the managed policies a request may attach
	// (spec.permissions.managedPolicyArns). Default: none.
	AllowedManagedPolicyARNs []string `json:"allowedManagedPolicyArns,omitempty"`

	// PermissionsBoundaryARN is set as the permissions boundary of every execution role of the
	// stage: whatever the role's policies say, it can do no more than this policy allows.
	// Required on a shared account (sharedAccount, the default): the account's owner boundary,
	// the policy of docs/iam/owner-boundary.json.
	PermissionsBoundaryARN string `json:"permissionsBoundaryArn,omitempty"`
}

// TriggerSettings are a stage's guards on the triggers requests ask for.
type TriggerSettings struct {
	// MaxBatchSize an SQS trigger may ask for (1 to 10000). Default 10000 (AWS's limit).
	MaxBatchSize *int64 `json:"maxBatchSize,omitempty"`

	// AllowExistingQueues lets requests consume existing queues (spec.triggers.sqs[].queueArn,
	// which must be in the stage's account); false allows only queues the stack creates.
	// Default true.
	AllowExistingQueues *bool `json:"allowExistingQueues,omitempty"`
}

// LogsAccessSettings name who may read a stack's logs: each stack of the stage gets an IAM role
// allowed only logs:FilterLogEvents, logs:GetLogEvents and logs:StartLiveTail on the stack's own
// log groups, trusted by these principals.
type LogsAccessSettings struct {
	// PrincipalARNs may assume each stack's logs role: IAM role or user ARNs in a named account,
	// where * and ? match any characters (as in IAM's ArnLike) and {namespace} stands for the
	// stack's namespace (the request's, or the claim's), e.g. the team's IAM Identity Center role
	// arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_{namespace}_*.
	// {namespace} must sit between characters no namespace name contains (such as _ or /), so
	// that one team's pattern never matches another team's roles. A pattern without {namespace}
	// trusts the same principals for every team's stacks (an on-call role, say). The principals
	// also need sts:AssumeRole on the logs roles in their own IAM policy (docs/app-teams.md).
	PrincipalARNs []string `json:"principalArns,omitempty"`
}
