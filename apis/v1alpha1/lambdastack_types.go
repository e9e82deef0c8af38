package v1alpha1

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LambdaStack is one stage of a serverless service: a Lambda function with its IAM role, log
// group, optional HTTP API, monitoring, network placement and secrets. Apply one per stage.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Namespaced,categories=crossplane;lambdastack
// +kubebuilder:subresource:status
type LambdaStack struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   LambdaStackSpec   `json:"spec"`
	Status LambdaStackStatus `json:"status,omitempty"`
}

// XLambdaStack is the cluster-scoped (legacy) flavour of LambdaStack, claimed through a
// LambdaStackClaim. It composes cluster-scoped managed resources.
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,categories=crossplane;lambdastack
// +kubebuilder:subresource:status
type XLambdaStack struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   LambdaStackSpec   `json:"spec"`
	Status LambdaStackStatus `json:"status,omitempty"`
}

// LambdaStackSpec is what an app team asks for, per stage. Unset fields take the stage's
// EnvironmentConfig, then the built-in profile of the stage (or of the profile it names).
// +kubebuilder:validation:XValidation:rule="!has(self.region) || !has(self.regions) || self.regions.exists(r, r == self.region)",message="spec.region must be one of spec.regions when both are set"
type LambdaStackSpec struct {
	// Stage deployed by this request, e.g. dev, staging, prod, or any stage that has an
	// EnvironmentConfig labelled platform.spec3.io/stage=<stage>. That EnvironmentConfig says
	// which namespaces may use the stage; prod needs one (docs/tenancy.md).
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=16
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9-]*[a-z0-9]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.stage is immutable; create a new request for another stage"
	Stage string `json:"stage"`

	// App is the service name; AWS names are <namespace>_<stage>-<app>[-<part>], the namespace
	// being the request's (for a claim, the claim's).
	// +kubebuilder:validation:MinLength=2
	// +kubebuilder:validation:MaxLength=40
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9-]*[a-z0-9]$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.app is immutable: it names every AWS resource"
	App string `json:"app"`

	// Region overrides the stage's AWS region, e.g. eu-west-1.
	// +optional
	// +kubebuilder:validation:Pattern=`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`
	Region string `json:"region,omitempty"`

	// Regions lists every region the regional parts of the stack are deployed in (function,
	// live alias, log groups, API, alarms). The first is the primary region (unless region names
	// another one of them). Default: the stage's region. The IAM role is shared.
	// Each must be allowed by the stage's EnvironmentConfig (allowedRegions) when it sets one.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=4
	// +kubebuilder:validation:items:Pattern=`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`
	Regions []string `json:"regions,omitempty"`

	// ProviderConfigName picks the provider config (the AWS account) among those the stage's
	// EnvironmentConfig grants (providerConfigName, allowedProviderConfigNames); any other is
	// refused. Default: the stage's.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	ProviderConfigName string `json:"providerConfigName,omitempty"`

	// Function is the Lambda function.
	Function FunctionSpec `json:"function"`

	// Triggers invoke the function besides its HTTP API: SQS queues (an existing one or one the
	// stack creates with its own dead-letter queue) and EventBridge Scheduler schedules, all in the
	// primary region. A request with triggers and no spec.api is a worker: it gets no HTTP API
	// (give spec.api to have both).
	// +optional
	Triggers *TriggersSpec `json:"triggers,omitempty"`

	// Async is how Lambda handles asynchronous invocations (schedules, S3, SNS, EventBridge,
	// InvocationType Event): retries, maximum event age and where the events that still fail go.
	// Default: the stage's (prod: a failure queue the stack creates).
	// +optional
	Async *AsyncSpec `json:"async,omitempty"`

	// API is the HTTP API (API Gateway v2) in front of the function.
	// +optional
	API *APISpec `json:"api,omitempty"`

	// Monitoring overrides the stage's alarms and dashboard settings and adds the app's own
	// metrics.
	// +optional
	Monitoring *MonitoringSpec `json:"monitoring,omitempty"`

	// Budget is the stack's AWS Budget: a monthly cost limit on what carries its
	// lambdastack:composite cost allocation tag, with notifications at 80% forecast and 100%
	// actual. Default: the stage's (a budget where the stage sets a monthly limit).
	// +optional
	Budget *BudgetSpec `json:"budget,omitempty"`

	// Network places the function in a VPC.
	// +optional
	Network *NetworkSpec `json:"network,omitempty"`

	// Secrets the function may read. Their ARNs reach it as environment variables.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Secrets []SecretSpec `json:"secrets,omitempty"`

	// Permissions are the function's own permissions beyond its logs, network and secrets:
	// IAM statements added to the execution role (an inline policy) and managed policies the
	// stage allows. What a statement may grant is bounded by the stage's EnvironmentConfig
	// (data.permissions; docs/services.md).
	// +optional
	Permissions *PermissionsSpec `json:"permissions,omitempty"`

	// Release controls versions, the live alias, canaries and rollback.
	// +optional
	Release *ReleaseSpec `json:"release,omitempty"`

	// Tags added to every taggable AWS resource; the stage's tags win, and a request may not
	// change one. Keys up to 128 characters, values up to 256; keys may not start with aws:, and
	// lambdastack:* and managed-by (the stack's own, the owner namespace's among them) are
	// refused in any letter case.
	// +optional
	// +kubebuilder:validation:MaxProperties=40
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) >= 1 && size(k) <= 128)",message="tag keys must be 1 to 128 characters"
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('aws:') && !k.startsWith('AWS:') && !k.startsWith('Aws:'))",message="tag keys must not start with aws: (reserved by AWS)"
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.lowerAscii().startsWith('lambdastack:') && k.lowerAscii() != 'managed-by')",message="tag keys lambdastack:* and managed-by are set by the stack (in any letter case)"
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(self[k]) <= 256)",message="tag values must be at most 256 characters"
	Tags map[string]string `json:"tags,omitempty"`
}

// FunctionSpec is the Lambda function of the stack.
type FunctionSpec struct {
	FunctionSettings `json:",inline"`

	// Code is where the deployment package lives: an S3 object or a container image.
	Code CodeSpec `json:"code"`

	// Runtime of a zip package (ignored for images). Default python3.11.
	// +optional
	// +kubebuilder:validation:Enum=python3.10;python3.11;python3.12;python3.13;nodejs20.x;nodejs22.x;java17;java21;provided.al2023
	Runtime string `json:"runtime,omitempty"`

	// Handler of a zip package (ignored for images). Default handler.handler.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	// +kubebuilder:validation:Pattern=`^[^\s]+$`
	Handler string `json:"handler,omitempty"`

	// Layers of a zip package (at most 5, in the order Lambda extracts them): layer version
	// ARNs in the stack's region, in the stage's account or one of its allowedLayerAccountIds.
	// In a stack of several regions write the region as {region}, e.g.
	// arn:aws:lambda:{region}:123456789012:layer:shared-deps:4 (the layer published in each).
	// +optional
	// +kubebuilder:validation:MaxItems=5
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^arn:aws[a-z-]*:lambda:([a-z0-9-]+|\{region\}):[0-9]{12}:layer:[A-Za-z0-9_-]{1,140}:[0-9]+$`
	Layers []string `json:"layers,omitempty"`

	// KMSKeyARN of the customer managed key that encrypts the function's environment variables
	// at rest, in the stage's account and the stack's region ({region} in a stack of several
	// regions, e.g. with a multi-Region key mrk-...). Default: Lambda's AWS managed key.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:kms:([a-z0-9-]+|\{region\}):[0-9]{12}:key/(mrk-)?[a-f0-9-]+$`
	KMSKeyARN string `json:"kmsKeyArn,omitempty"`

	// SnapStart snapshots each published version after its initialization, so cold starts
	// resume from it. Java runtimes (java17, java21) only, with the live alias
	// (release.useAlias), without provisioned concurrency and with at most 512 MB of
	// ephemeral storage (AWS's limits).
	// +optional
	SnapStart *bool `json:"snapStart,omitempty"`
}

// FunctionSettings are the function tunables a stage profile sets and a request may override.
type FunctionSettings struct {
	// MemoryMB is the memory size in MB (128 to 10240).
	// +optional
	// +kubebuilder:validation:Minimum=128
	// +kubebuilder:validation:Maximum=10240
	MemoryMB *int64 `json:"memoryMB,omitempty"`

	// TimeoutSeconds is the function timeout (1 to 900).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=900
	TimeoutSeconds *int64 `json:"timeoutSeconds,omitempty"`

	// Architecture of the function. Default arm64.
	// +optional
	// +kubebuilder:validation:Enum=arm64;x86_64
	Architecture string `json:"architecture,omitempty"`

	// ReservedConcurrency caps concurrent executions; unset means unreserved.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=10000
	ReservedConcurrency *int64 `json:"reservedConcurrency,omitempty"`

	// LogRetentionDays of the function's and the API's log groups.
	// +optional
	// +kubebuilder:validation:Enum=1;3;5;7;14;30;60;90;120;150;180;365;400;545;731;1096;1827;2192;2557;2922;3288;3653
	LogRetentionDays *int64 `json:"logRetentionDays,omitempty"`

	// Tracing turns on AWS X-Ray active tracing.
	// +optional
	Tracing *bool `json:"tracing,omitempty"`

	// EphemeralStorageMB is the size of the function's /tmp in MB (512 to 10240). Default 512.
	// +optional
	// +kubebuilder:validation:Minimum=512
	// +kubebuilder:validation:Maximum=10240
	EphemeralStorageMB *int64 `json:"ephemeralStorageMB,omitempty"`

	// Logging is the format and levels of the function's logs.
	// +optional
	Logging *LoggingSpec `json:"logging,omitempty"`

	// Environment variables of the function. STAGE and the secret ARN variables are set by the
	// stack and may not be given here.
	// +optional
	// +kubebuilder:validation:MaxProperties=50
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[a-zA-Z][a-zA-Z0-9_]*$'))",message="environment variable names must start with a letter and contain only letters, digits and _"
	// +kubebuilder:validation:XValidation:rule="!('STAGE' in self)",message="STAGE is set by the stack from spec.stage"
	Environment map[string]string `json:"environment,omitempty"`
}

// LoggingSpec is the log format of the function and, for JSON, the levels Lambda keeps. Each
// field left out takes the stage's (an EnvironmentConfig may make JSON the stage's format).
// +kubebuilder:validation:XValidation:rule="!has(self.format) || self.format == 'JSON' || (!has(self.applicationLogLevel) && !has(self.systemLogLevel))",message="applicationLogLevel and systemLogLevel need format JSON"
type LoggingSpec struct {
	// Format of the log lines: Text (Lambda's default) or JSON (structured lines with level,
	// timestamp and request ID, which the central log filter and metric patterns can match).
	// +optional
	// +kubebuilder:validation:Enum=Text;JSON
	Format string `json:"format,omitempty"`

	// ApplicationLogLevel: lines the function writes below this level are dropped (JSON only).
	// +optional
	// +kubebuilder:validation:Enum=TRACE;DEBUG;INFO;WARN;ERROR;FATAL
	ApplicationLogLevel string `json:"applicationLogLevel,omitempty"`

	// SystemLogLevel: Lambda's own lines (START, END, REPORT, ...) below this level are dropped
	// (JSON only).
	// +optional
	// +kubebuilder:validation:Enum=DEBUG;INFO;WARN
	SystemLogLevel string `json:"systemLogLevel,omitempty"`
}

// TriggersSpec lists what invokes the function besides its HTTP API.
type TriggersSpec struct {
	// SQS queues whose messages invoke the function in batches (a Lambda event source mapping).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=5
	SQS []SQSTriggerSpec `json:"sqs,omitempty"`

	// Schedules invoke the function on a rate or cron expression (EventBridge Scheduler); the
	// scheduler's role may invoke only this function (its live alias when the release uses one).
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=10
	Schedules []ScheduleSpec `json:"schedules,omitempty"`
}

// SQSTriggerSpec is one SQS queue the function consumes: an existing queue or one the stack
// creates. The execution role may receive, delete and read the attributes of messages of that
// queue only.
// +kubebuilder:validation:XValidation:rule="has(self.queueArn) != has(self.create)",message="an sqs trigger needs exactly one of queueArn or create"
// +kubebuilder:validation:XValidation:rule="!has(self.batchSize) || self.batchSize <= 10 || (has(self.maximumBatchingWindowSeconds) && self.maximumBatchingWindowSeconds >= 1)",message="a batchSize above 10 needs maximumBatchingWindowSeconds of at least 1"
type SQSTriggerSpec struct {
	// Name of the trigger in the stack; a created queue is named <owner>_<stage>-<app>-sqs-<name>.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=24
	// +kubebuilder:validation:Pattern=`^[a-z]([a-z0-9-]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('--') && !self.endsWith('-dlq')",message="trigger names may not contain -- or end with -dlq"
	Name string `json:"name"`

	// QueueARN of an existing queue, in the primary region and the stage's account (where the
	// stage allows existing queues, triggers.allowExistingQueues).
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?$`
	QueueARN string `json:"queueArn,omitempty"`

	// Create a standard queue in the stack, with a dead-letter queue and a redrive policy.
	// +optional
	Create *CreateQueueSpec `json:"create,omitempty"`

	// BatchSize is the most messages one invocation gets (1 to 10000, at most 10 for a FIFO
	// queue, at most the stage's triggers.maxBatchSize). Default 10.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	BatchSize *int64 `json:"batchSize,omitempty"`

	// MaximumBatchingWindowSeconds Lambda waits to fill a batch (0 to 300). Default 0.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=300
	MaximumBatchingWindowSeconds *int64 `json:"maximumBatchingWindowSeconds,omitempty"`

	// ReportBatchItemFailures lets the function answer the messages of a batch that failed
	// (batchItemFailures), so only those return to the queue. Default true.
	// +optional
	ReportBatchItemFailures *bool `json:"reportBatchItemFailures,omitempty"`
}

// CreateQueueSpec is a queue the stack creates for a trigger.
type CreateQueueSpec struct {
	// VisibilityTimeoutSeconds a received message stays hidden (0 to 43200); at least the
	// function's timeout. Default: six times the function's timeout (AWS's advice), at most 43200.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=43200
	VisibilityTimeoutSeconds *int64 `json:"visibilityTimeoutSeconds,omitempty"`

	// MessageRetentionSeconds of the queue (60 to 1209600). Default 345600 (4 days). Its
	// dead-letter queue keeps messages 14 days.
	// +optional
	// +kubebuilder:validation:Minimum=60
	// +kubebuilder:validation:Maximum=1209600
	MessageRetentionSeconds *int64 `json:"messageRetentionSeconds,omitempty"`

	// MaxReceiveCount is how often a message is received before it moves to the dead-letter
	// queue (1 to 1000). Default 5.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	MaxReceiveCount *int64 `json:"maxReceiveCount,omitempty"`
}

// ScheduleSpec is one EventBridge Scheduler schedule invoking the function.
type ScheduleSpec struct {
	// Name of the schedule in the stack; AWS name <owner>_<stage>-<app>-schedule-<name>.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=24
	// +kubebuilder:validation:Pattern=`^[a-z]([a-z0-9-]*[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('--')",message="schedule names may not contain --"
	Name string `json:"name"`

	// Expression is rate(<n> <minute|minutes|hour|hours|day|days>) or cron(<minutes> <hours>
	// <day-of-month> <month> <day-of-week> <year>), e.g. rate(5 minutes), cron(0 6 ? * MON-FRI *).
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^(rate|cron)\(.+\)$`
	Expression string `json:"expression"`

	// TimeZone of a cron expression, an IANA name such as Europe/Berlin. Default UTC.
	// +optional
	// +kubebuilder:validation:MaxLength=50
	TimeZone string `json:"timeZone,omitempty"`

	// Payload is the JSON object the function receives as its event. Default {}.
	// +optional
	// +kubebuilder:validation:Type=object
	// +kubebuilder:pruning:PreserveUnknownFields
	Payload *apiextensionsv1.JSON `json:"payload,omitempty"`

	// Enabled false pauses the schedule. Default true.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
}

// AsyncSpec is the asynchronous invocation config of the function (every region, the live
// alias when the release uses one).
// +kubebuilder:validation:XValidation:rule="!has(self.onFailureArn) || !has(self.failureQueue) || !self.failureQueue",message="spec.async.onFailureArn replaces the failure queue; do not set failureQueue: true with it"
type AsyncSpec struct {
	AsyncSettings `json:",inline"`

	// OnFailureARN is an existing destination for the events that still fail after the retries:
	// an SQS queue, an SNS topic or an EventBridge event bus, in the stage's account. It replaces
	// the failure queue.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:(sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,75}(\.fifo)?|sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,251}(\.fifo)?|events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._/-]{1,256})$`
	OnFailureARN string `json:"onFailureArn,omitempty"`
}

// AsyncSettings are the asynchronous invocation tunables a stage profile sets and a request
// may override.
type AsyncSettings struct {
	// MaximumRetryAttempts after a failed asynchronous invocation (0 to 2). Default: Lambda's (2).
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=2
	MaximumRetryAttempts *int64 `json:"maximumRetryAttempts,omitempty"`

	// MaximumEventAgeSeconds an event waits for a successful invocation (60 to 21600). Default:
	// Lambda's (21600).
	// +optional
	// +kubebuilder:validation:Minimum=60
	// +kubebuilder:validation:Maximum=21600
	MaximumEventAgeSeconds *int64 `json:"maximumEventAgeSeconds,omitempty"`

	// FailureQueue: the stack creates an SQS queue (per region) receiving the events that still
	// fail, with an alarm on its depth where the stage has alarms. Default: the stage's (prod on).
	// +optional
	FailureQueue *bool `json:"failureQueue,omitempty"`
}

// CodeSpec names the deployment package. Exactly one of s3 and imageUri.
// +kubebuilder:validation:XValidation:rule="has(self.s3) != has(self.imageUri)",message="spec.function.code needs exactly one of s3 or imageUri"
type CodeSpec struct {
	// S3 object holding the zip package (see `lambdastack bundle`).
	// +optional
	S3 *S3Code `json:"s3,omitempty"`

	// ImageURI of a container image in ECR. It serves the primary region as given; the other
	// regions of the stack use the same repository in their own region's registry (set up ECR
	// replication), because Lambda runs images only from its own region.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^[0-9]{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[^\s]+$`
	ImageURI string `json:"imageUri,omitempty"`
}

// S3Code is a zip package in S3.
type S3Code struct {
	// Bucket name. Lambda reads the zip from a bucket in the function's own region: in a stack
	// with several regions the name must contain {region}, which is replaced by each region
	// (e.g. artifacts-{region}); the zip is copied to the bucket of every region.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^([a-z0-9]|\{region\})([a-z0-9.-]|\{region\})*([a-z0-9]|\{region\})$`
	Bucket string `json:"bucket"`

	// Key of the object, e.g. bundles/mcp/<sha256>.zip.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Key string `json:"key"`

	// ObjectVersion pins a version of the object in a versioned bucket.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	ObjectVersion string `json:"objectVersion,omitempty"`
}

// APISpec is the HTTP API in front of the function.
// +kubebuilder:validation:XValidation:rule="!has(self.auth) || self.auth.type != 'jwt' || has(self.auth.jwt)",message="spec.api.auth.jwt is required when spec.api.auth.type is jwt"
// +kubebuilder:validation:XValidation:rule="!has(self.auth) || self.auth.type != 'lambda' || has(self.auth.lambda)",message="spec.api.auth.lambda is required when spec.api.auth.type is lambda"
type APISpec struct {
	APISettings `json:",inline"`

	// Enabled turns the HTTP API on (default) or off, for a function with no HTTP front door.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// Auth is how callers authenticate. Default: jwt when configured, else iam.
	// +optional
	Auth *AuthSpec `json:"auth,omitempty"`

	// Public must be true to serve an unauthenticated API (auth type none) on a production stage.
	// +optional
	Public *bool `json:"public,omitempty"`

	// Routes are route keys such as "POST /mcp". Default: "ANY /{proxy+}" and "$default".
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=30
	// +kubebuilder:validation:items:Pattern=`^(\$default|(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /[A-Za-z0-9._~{}+/-]*)$`
	Routes []string `json:"routes,omitempty"`

	// CORS of the API, when browsers call it.
	// +optional
	CORS *CORSSpec `json:"cors,omitempty"`

	// Domain serves the API under a custom hostname in the Route53 hosted zone of the stage
	// (data.domains of its EnvironmentConfig), with a TLS certificate from ACM.
	// +optional
	Domain *DomainSpec `json:"domain,omitempty"`
}

// DomainSpec is the custom domain of the HTTP API: an ACM certificate (created and validated
// through DNS, or an existing one), a regional API Gateway domain name mapped to the API's
// $default stage, and a Route53 alias record pointing at it. A stack with several regions gets one
// regional hostname per region, <region>.<hostname>, and, with latencyRouting, the hostname itself
// answered by the nearest region.
type DomainSpec struct {
	// Hostname of the API, e.g. mcp.team-a.api.example.com: lower-case DNS labels, inside the
	// hostnames the stage grants the request's namespace (data.domains.hostnameSuffix, by default
	// <namespace>.<zone>). The name an ACM certificate carries is at most 64 characters, so with
	// several regions <region>.<hostname> must fit too.
	// The hostname names the API Gateway domain name, so it cannot change: to move the API to
	// another hostname, remove spec.api.domain (the stack deletes the old domain), then set it.
	// +kubebuilder:validation:MinLength=4
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.api.domain.hostname is immutable (it names the API Gateway domain name): remove spec.api.domain first, then set the new hostname"
	Hostname string `json:"hostname"`

	// CertificateARNs are existing ACM certificates for the hostname (for <region>.<hostname>
	// and, with latencyRouting, the hostname in a stack with several regions), one per region of
	// the stack since ACM certificates are regional, in the stage's account (data.accountId).
	// Unset: the stack requests one per region and validates it through DNS records in the zone.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=4
	// +kubebuilder:validation:items:Pattern=`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]{36}$`
	CertificateARNs []string `json:"certificateArns,omitempty"`

	// LatencyRouting serves the hostname itself from every region of a stack with several
	// regions: Route53 latency records (one per region) send each caller to the nearest region.
	// Only for stacks with several regions.
	// +optional
	LatencyRouting *bool `json:"latencyRouting,omitempty"`
}

// APISettings are the API tunables a stage profile sets and a request may override.
type APISettings struct {
	// ThrottlingBurstLimit of the default route settings.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	ThrottlingBurstLimit *int64 `json:"throttlingBurstLimit,omitempty"`

	// ThrottlingRateLimit (requests per second) of the default route settings.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100000
	ThrottlingRateLimit *int64 `json:"throttlingRateLimit,omitempty"`
}

// AuthSpec is the authorization of the API's routes.
type AuthSpec struct {
	// Type is jwt (an Authorizer checks bearer tokens), iam (SigV4-signed calls), lambda (a
	// Lambda REQUEST authorizer: another function decides) or none.
	// +kubebuilder:validation:Enum=jwt;iam;lambda;none
	Type string `json:"type"`

	// JWT issuer and audiences, for type jwt.
	// +optional
	JWT *JWTSpec `json:"jwt,omitempty"`

	// Lambda is the authorizer function, for type lambda.
	// +optional
	Lambda *LambdaAuthorizerSpec `json:"lambda,omitempty"`
}

// LambdaAuthorizerSpec is a Lambda REQUEST authorizer (payload format 2.0): API Gateway calls
// the function with the request's identity sources and it answers whether the call is allowed.
type LambdaAuthorizerSpec struct {
	// FunctionARN of the authorizer function (optionally with a version or alias), in the stage's
	// account and in the stack's region: API Gateway calls an authorizer of its own region. In a
	// stack of several regions write the region as {region} (one authorizer per region), e.g.
	// arn:aws:lambda:{region}:123456789012:function:authorizer:live.
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:lambda:([a-z0-9-]+|\{region\}):[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$`
	FunctionARN string `json:"functionArn"`

	// IdentitySources API Gateway passes to the authorizer, and caches its answer by, e.g.
	// $request.header.Authorization, $request.querystring.token, $context.routeKey. A call
	// missing one of them is refused (401) without calling the authorizer. Default
	// $request.header.Authorization.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Pattern=`^\$(request\.(header|querystring)|context|stageVariables)\.[^\s,]+$`
	IdentitySources []string `json:"identitySources,omitempty"`

	// ResultTTLSeconds API Gateway caches the authorizer's answer for the same identity sources
	// (0 to 3600; 0 turns caching off). Default 300.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=3600
	ResultTTLSeconds *int64 `json:"resultTTLSeconds,omitempty"`

	// SimpleResponses: the authorizer answers {"isAuthorized": true|false, "context": {...}}
	// (true, the default) instead of an IAM policy (false).
	// +optional
	SimpleResponses *bool `json:"simpleResponses,omitempty"`
}

// JWTSpec configures a JWT authorizer.
type JWTSpec struct {
	// Issuer URL, e.g. https://cognito-idp.eu-west-1.amazonaws.com/<pool-id>.
	// +kubebuilder:validation:MaxLength=512
	// +kubebuilder:validation:Pattern=`^https://[^\s]+$`
	Issuer string `json:"issuer"`

	// Audiences accepted (client IDs).
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=10
	// +listType=set
	Audiences []string `json:"audiences"`

	// RouteScopes are the scopes a token must carry (any one of them) on a route; routes not
	// listed accept any valid token.
	// +optional
	// +listType=map
	// +listMapKey=route
	// +kubebuilder:validation:MaxItems=30
	RouteScopes []RouteScopesSpec `json:"routeScopes,omitempty"`
}

// RouteScopesSpec names the scopes of one route.
type RouteScopesSpec struct {
	// Route is one of spec.api.routes, e.g. "POST /mcp".
	// +kubebuilder:validation:MaxLength=256
	Route string `json:"route"`

	// Scopes of which the token must carry at least one, e.g. mcp/invoke.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=10
	// +listType=set
	// +kubebuilder:validation:items:MaxLength=128
	// +kubebuilder:validation:items:Pattern=`^[^\s]+$`
	Scopes []string `json:"scopes"`
}

// CORSSpec is the CORS configuration of the API.
type CORSSpec struct {
	// AllowOrigins, e.g. https://app.example.com.
	// +kubebuilder:validation:MinItems=1
	// +listType=set
	AllowOrigins []string `json:"allowOrigins"`
	// AllowMethods, e.g. GET, POST. Default: GET, POST, OPTIONS.
	// +optional
	// +listType=set
	AllowMethods []string `json:"allowMethods,omitempty"`
	// AllowHeaders, e.g. authorization, content-type.
	// +optional
	// +listType=set
	AllowHeaders []string `json:"allowHeaders,omitempty"`
	// AllowCredentials lets browsers send credentials.
	// +optional
	AllowCredentials *bool `json:"allowCredentials,omitempty"`
	// MaxAgeSeconds browsers may cache a preflight answer.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=86400
	MaxAgeSeconds *int64 `json:"maxAgeSeconds,omitempty"`
}

// MonitoringSpec is the monitoring of one request: the stage's settings it overrides and the
// app's own metrics.
type MonitoringSpec struct {
	MonitoringSettings `json:",inline"`

	// Metrics the stack derives from the function's log lines (CloudWatch Logs metric filters on
	// the function's log group, in every region), published in the namespace
	// LambdaStack/<owner>_<stage>-<app>, shown on the dashboard, each optionally with an alarm.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=20
	Metrics []LogMetricSpec `json:"metrics,omitempty"`
}

// LogMetricSpec is one metric counted or measured from the function's log lines.
type LogMetricSpec struct {
	// Name of the metric in CloudWatch, e.g. OrdersPlaced.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._-]*$`
	Name string `json:"name"`

	// Pattern is the CloudWatch Logs filter pattern selecting the log lines, e.g.
	// { $.event = "order_placed" } or "ERROR" (at most 1024 characters, AWS's limit).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Pattern string `json:"pattern"`

	// Value published per matching line: a number, or a field of the line such as $.amount.
	// Default 1 (a count).
	// +optional
	// +kubebuilder:validation:MaxLength=100
	Value string `json:"value,omitempty"`

	// Unit of the metric, e.g. Count, Milliseconds. Default: none.
	// +optional
	// +kubebuilder:validation:Enum=Seconds;Microseconds;Milliseconds;Bytes;Kilobytes;Megabytes;Gigabytes;Terabytes;Bits;Kilobits;Megabits;Gigabits;Terabits;Percent;Count;Bytes/Second;Kilobytes/Second;Megabytes/Second;Gigabytes/Second;Terabytes/Second;Bits/Second;Kilobits/Second;Megabits/Second;Gigabits/Second;Terabits/Second;Count/Second;None
	Unit string `json:"unit,omitempty"`

	// Alarm on the metric; its actions go to the stack's alarm topic. It is composed only where
	// the stage has alarms (monitoring.alarms).
	// +optional
	Alarm *LogMetricAlarm `json:"alarm,omitempty"`
}

// LogMetricAlarm is an alarm on one of the app's metrics.
type LogMetricAlarm struct {
	// Threshold the statistic is compared with.
	// +kubebuilder:validation:Minimum=0
	Threshold int64 `json:"threshold"`

	// Comparison of the statistic with the threshold. Default GreaterThanOrEqualToThreshold.
	// +optional
	// +kubebuilder:validation:Enum=GreaterThanOrEqualToThreshold;GreaterThanThreshold;LessThanThreshold;LessThanOrEqualToThreshold
	Comparison string `json:"comparison,omitempty"`

	// Statistic over each period. Default Sum.
	// +optional
	// +kubebuilder:validation:Enum=Sum;Average;Minimum;Maximum;SampleCount
	Statistic string `json:"statistic,omitempty"`

	// EvaluationPeriods before the alarm fires. Default: the stage's (monitoring.evaluationPeriods).
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10
	EvaluationPeriods *int64 `json:"evaluationPeriods,omitempty"`
}

// MonitoringSettings are the alarms and dashboard of the stack. A stage profile sets them and a
// request may override them.
type MonitoringSettings struct {
	// Alarms turns the CloudWatch alarms on or off.
	// +optional
	Alarms *bool `json:"alarms,omitempty"`

	// Dashboard turns the CloudWatch dashboard on or off.
	// +optional
	Dashboard *bool `json:"dashboard,omitempty"`

	// AlarmTopicARN is an existing SNS topic for alarm and OK actions. Unset: the stack creates one.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`
	AlarmTopicARN string `json:"alarmTopicArn,omitempty"`

	// AlarmEmails subscribe to the topic the stack creates.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Pattern=`^[^@\s]+@[^@\s]+\.[^@\s]+$`
	AlarmEmails []string `json:"alarmEmails,omitempty"`

	// ErrorThreshold: function errors per period that raise the alarm.
	// +optional
	// +kubebuilder:validation:Minimum=1
	ErrorThreshold *int64 `json:"errorThreshold,omitempty"`

	// ThrottleThreshold: throttled invocations per period that raise the alarm.
	// +optional
	// +kubebuilder:validation:Minimum=1
	ThrottleThreshold *int64 `json:"throttleThreshold,omitempty"`

	// DurationPercentOfTimeout: the p99 duration alarm fires above this share of the timeout.
	// +optional
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=100
	DurationPercentOfTimeout *int64 `json:"durationPercentOfTimeout,omitempty"`

	// API5xxThreshold: API 5xx responses per period that raise the alarm.
	// +optional
	// +kubebuilder:validation:Minimum=1
	API5xxThreshold *int64 `json:"api5xxThreshold,omitempty"`

	// APILatencyP99Millis: the API p99 latency alarm threshold.
	// +optional
	// +kubebuilder:validation:Minimum=10
	// +kubebuilder:validation:Maximum=30000
	APILatencyP99Millis *int64 `json:"apiLatencyP99Millis,omitempty"`

	// EvaluationPeriods before an alarm fires.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10
	EvaluationPeriods *int64 `json:"evaluationPeriods,omitempty"`

	// PeriodSeconds of the alarms' metric statistics.
	// +optional
	// +kubebuilder:validation:Enum=60;300;900;3600
	PeriodSeconds *int64 `json:"periodSeconds,omitempty"`
}

// BudgetSpec is the budget of one request.
type BudgetSpec struct {
	BudgetSettings `json:",inline"`

	// Enabled turns the budget off (false) where the stage sets one, or asks for one (true,
	// the default when spec.budget is given): a monthly limit must then come from here or the
	// stage.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
}

// BudgetSettings are the budget tunables a stage sets and a request may override.
type BudgetSettings struct {
	// MonthlyLimitUSD is the monthly cost limit in US dollars.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000000
	MonthlyLimitUSD *int64 `json:"monthlyLimitUSD,omitempty"`

	// Emails notified (at most 10, AWS's limit per notification). Unset: the stage's alarm topic
	// when it names an existing one (monitoring.alarmTopicArn; its policy must let
	// budgets.amazonaws.com publish), else monitoring.alarmEmails.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=10
	// +kubebuilder:validation:items:Pattern=`^[^@\s]+@[^@\s]+\.[^@\s]+$`
	Emails []string `json:"emails,omitempty"`
}

// NetworkSpec places the function in a VPC: either existing security groups, or a VPC in which
// the stack creates an egress-only security group.
// +kubebuilder:validation:XValidation:rule="has(self.securityGroupIds) != has(self.vpcId)",message="spec.network needs exactly one of securityGroupIds or vpcId"
// +kubebuilder:validation:XValidation:rule="!has(self.egressCidrs) || has(self.vpcId)",message="spec.network.egressCidrs applies only to the security group created from vpcId"
type NetworkSpec struct {
	// SubnetIDs the function's network interfaces use (private subnets).
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	// +listType=set
	// +kubebuilder:validation:items:Pattern=`^subnet-([0-9a-f]{8}|[0-9a-f]{17})$`
	SubnetIDs []string `json:"subnetIds"`

	// SecurityGroupIDs to attach, when they exist already.
	// +optional
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=5
	// +listType=set
	// +kubebuilder:validation:items:Pattern=`^sg-([0-9a-f]{8}|[0-9a-f]{17})$`
	SecurityGroupIDs []string `json:"securityGroupIds,omitempty"`

	// VPCID in which the stack creates an egress-only security group.
	// +optional
	// +kubebuilder:validation:Pattern=`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`
	VPCID string `json:"vpcId,omitempty"`

	// EgressCIDRs the created security group allows outbound (all protocols). Default 0.0.0.0/0.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	// +listType=set
	// +kubebuilder:validation:items:Pattern=`^([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])$`
	EgressCIDRs []string `json:"egressCidrs,omitempty"`
}

// SecretSpec is one secret the function may read: an existing Secrets Manager secret, or one the
// stack creates with its value taken from a Kubernetes Secret. Values are never inline.
// +kubebuilder:validation:XValidation:rule="has(self.arn) != has(self.create)",message="a secret needs exactly one of arn or create"
// +kubebuilder:validation:XValidation:rule="!has(self.value)",message="inline secret values are not allowed: use create.valueFrom.secretKeyRef"
type SecretSpec struct {
	// Name of the secret in the stack; the function gets its ARN in SECRET_<NAME>_ARN.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=32
	// +kubebuilder:validation:Pattern=`^[a-z][a-z0-9-]*$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('--')",message="secret names may not contain --"
	Name string `json:"name"`

	// ARN of an existing secret, in the stage's account (and under its secret name prefix for the
	// namespace, where the stage sets one).
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$`
	ARN string `json:"arn,omitempty"`

	// Create a secret in the stack.
	// +optional
	Create *CreateSecretSpec `json:"create,omitempty"`

	// KMSKeyARN of the customer managed key that encrypts the secret, in the stage's account; the
	// role may decrypt with it.
	// +optional
	// +kubebuilder:validation:Pattern=`^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]+$`
	KMSKeyARN string `json:"kmsKeyArn,omitempty"`

	// Value is refused: secret values never appear in a request. It exists only to give a clear
	// message instead of silently dropping the field.
	// +optional
	Value string `json:"value,omitempty"`
}

// CreateSecretSpec describes a secret the stack creates.
type CreateSecretSpec struct {
	// Description of the secret.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	Description string `json:"description,omitempty"`

	// ValueFrom is the Kubernetes Secret key holding the value.
	ValueFrom SecretValueSource `json:"valueFrom"`
}

// SecretValueSource points at a Kubernetes Secret.
type SecretValueSource struct {
	// SecretKeyRef selects a key of a Secret in the request's namespace (for a claim, the
	// claim's namespace).
	SecretKeyRef SecretKeySelector `json:"secretKeyRef"`
}

// SecretKeySelector selects a key of a Kubernetes Secret.
type SecretKeySelector struct {
	// Name of the Secret.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`
	Name string `json:"name"`
	// Key in the Secret's data.
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
	// Namespace of the Secret: the request's own (for a claim, the claim's), which is the default;
	// any other is refused.
	// +optional
	// +kubebuilder:validation:MaxLength=63
	Namespace string `json:"namespace,omitempty"`
}

// PermissionsSpec is what the function may do in AWS besides what the stack grants it.
type PermissionsSpec struct {
	// Statements of the role's inline policy <owner>_<stage>-<app>-permissions: explicit actions
	// on explicit resource ARNs in the stage's account. Wildcard actions and resource "*" need the
	// stage's allowance; IAM actions other than Get*/List* reads, organizations actions and
	// sts:AssumeRole on a wildcard resource are never granted.
	// +optional
	// +kubebuilder:validation:MaxItems=20
	Statements []PolicyStatementSpec `json:"statements,omitempty"`

	// ManagedPolicyARNs attached to the role; each must be listed in the stage's
	// data.permissions.allowedManagedPolicyArns.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:Pattern=`^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/[A-Za-z0-9/+=,.@_-]+$`
	ManagedPolicyARNs []string `json:"managedPolicyArns,omitempty"`
}

// PolicyStatementSpec is one IAM statement of the function's own permissions.
type PolicyStatementSpec struct {
	// Sid names the statement in the policy (letters and digits).
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]+$`
	Sid string `json:"sid,omitempty"`

	// Effect is Allow, the only effect a request may give (a field that could say Deny is
	// refused rather than silently dropped). Default Allow.
	// +optional
	// +kubebuilder:validation:Enum=Allow
	Effect string `json:"effect,omitempty"`

	// Actions allowed, e.g. dynamodb:GetItem. A wildcard (s3:Get*, sqs:*) needs the stage's
	// data.permissions.allowWildcardActions.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +listType=set
	// +kubebuilder:validation:items:Pattern=`^([a-z0-9-]+:[A-Za-z0-9*?]+|\*)$`
	Actions []string `json:"actions"`

	// Resources the actions apply to: ARNs, in the stage's account where they name an account
	// (others only from data.permissions.allowedResourceAccountIds). "*" (or an ARN whose
	// account is a wildcard) needs the stage's data.permissions.allowWildcardResources.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=50
	// +listType=set
	// +kubebuilder:validation:items:MaxLength=2048
	// +kubebuilder:validation:items:Pattern=`^(\*|arn:[^\s]+)$`
	Resources []string `json:"resources"`

	// Conditions of the statement, e.g. {operator: StringEquals, key: aws:ResourceTag/team,
	// values: [mcp]}.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	Conditions []PolicyConditionSpec `json:"conditions,omitempty"`
}

// PolicyConditionSpec is one condition of a statement: Operator: {Key: Values}.
type PolicyConditionSpec struct {
	// Operator, an IAM condition operator, e.g. StringEquals, ArnLike, IpAddress, Bool,
	// optionally prefixed ForAllValues:/ForAnyValue: or suffixed IfExists.
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^((ForAllValues|ForAnyValue):)?[A-Za-z]+$`
	Operator string `json:"operator"`

	// Key is the condition key, e.g. aws:SourceVpce or s3:prefix.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]+:[^\s]+$`
	Key string `json:"key"`

	// Values compared with the key.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	Values []string `json:"values"`
}

// ReleaseSpec controls how code reaches callers.
// +kubebuilder:validation:XValidation:rule="!has(self.pinnedVersion) || !has(self.canary)",message="spec.release.pinnedVersion (rollback) and spec.release.canary cannot be combined"
type ReleaseSpec struct {
	ReleaseSettings `json:",inline"`

	// PinnedVersion points the live alias at this published version (rollback). Unset: the
	// newest published version.
	// +optional
	// +kubebuilder:validation:Pattern=`^[1-9][0-9]*$`
	PinnedVersion string `json:"pinnedVersion,omitempty"`

	// Canary routes a share of the alias' traffic to another version.
	// +optional
	Canary *CanarySpec `json:"canary,omitempty"`
}

// ReleaseSettings are the release tunables a stage profile sets and a request may override.
type ReleaseSettings struct {
	// UseAlias publishes versions and serves through the live alias (prod default); false serves
	// $LATEST directly.
	// +optional
	UseAlias *bool `json:"useAlias,omitempty"`

	// ProvisionedConcurrency on the live alias; 0 or unset means none.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	ProvisionedConcurrency *int64 `json:"provisionedConcurrency,omitempty"`
}

// CanarySpec is a weighted rollout on the live alias.
type CanarySpec struct {
	// AdditionalVersion receives Weight percent of the traffic.
	// +kubebuilder:validation:Pattern=`^[1-9][0-9]*$`
	AdditionalVersion string `json:"additionalVersion"`
	// Weight in percent (1 to 99).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=99
	Weight int64 `json:"weight"`
}

// LambdaStackStatus is what the stack reports back.
type LambdaStackStatus struct {
	// Stage of the stack.
	// +optional
	Stage string `json:"stage,omitempty"`
	// Profile is the built-in profile the stage's settings are based on.
	// +optional
	Profile string `json:"profile,omitempty"`
	// Region is the primary region.
	// +optional
	Region string `json:"region,omitempty"`
	// FunctionName in AWS.
	// +optional
	FunctionName string `json:"functionName,omitempty"`
	// FunctionARN once observed.
	// +optional
	FunctionARN string `json:"functionArn,omitempty"`
	// RoleARN once observed.
	// +optional
	RoleARN string `json:"roleArn,omitempty"`
	// LogGroupName of the function.
	// +optional
	LogGroupName string `json:"logGroupName,omitempty"`
	// APIEndpoint is the invoke URL of the HTTP API once observed.
	// +optional
	APIEndpoint string `json:"apiEndpoint,omitempty"`
	// CustomURL is the API's custom domain URL (spec.api.domain) once its DNS record is Ready:
	// https://<hostname> for a single region or with latency routing, else the primary
	// region's https://<region>.<hostname>.
	// +optional
	CustomURL string `json:"customUrl,omitempty"`
	// AliasARN of the live alias once observed.
	// +optional
	AliasARN string `json:"aliasArn,omitempty"`
	// LiveVersion the live alias serves once observed.
	// +optional
	LiveVersion string `json:"liveVersion,omitempty"`
	// AlarmTopicARN receiving the alarms.
	// +optional
	AlarmTopicARN string `json:"alarmTopicArn,omitempty"`
	// DashboardName of the CloudWatch dashboard.
	// +optional
	DashboardName string `json:"dashboardName,omitempty"`
	// Regions reports each region's function and endpoint.
	// +optional
	Regions []RegionStatus `json:"regions,omitempty"`
	// Summary is the stack's state in a few words, for kubectl get: Available, Creating (n/m
	// ready), or Failing: <resource> (<kind>) when the provider reports an error.
	// +optional
	Summary string `json:"summary,omitempty"`
	// Failures lists the composed resources the provider reports failing, with its message.
	// +optional
	Failures []ResourceFailure `json:"failures,omitempty"`
	// OutputsConfigMap is the ConfigMap in the stack's namespace (the claim's, for a claim) that
	// holds the stack's outputs for workloads and lambdastack logs (docs/app-teams.md).
	// +optional
	OutputsConfigMap string `json:"outputsConfigMap,omitempty"`
	// LogsRoleARN is the ARN of the stack's read-only logs role once observed (where the stage's
	// EnvironmentConfig names who may read the logs, data.logsAccess).
	// +optional
	LogsRoleARN string `json:"logsRoleArn,omitempty"`
	// Effective lists the settings the stack got after the request, the stage's
	// EnvironmentConfig and the built-in profile were merged, and where each came from.
	// +optional
	// +listType=map
	// +listMapKey=name
	Effective []EffectiveSetting `json:"effective,omitempty"`
}

// EffectiveSetting is one setting the stack got and where it came from.
type EffectiveSetting struct {
	// Name of the setting as a request writes it under spec (and a stage under data), e.g.
	// function.memoryMB.
	Name string `json:"name"`
	// Value the stack got, as text: 256, true, arm64, or none when the setting is off.
	Value string `json:"value"`
	// Source of the value: request (spec.<name>), stage (the stage's EnvironmentConfig,
	// data.<name>), profile (the built-in profile in status.profile) or default (Lambda's or
	// the function's own default).
	// +kubebuilder:validation:Enum=request;stage;profile;default
	Source string `json:"source"`
}

// ResourceFailure is one composed resource the provider cannot create or update.
type ResourceFailure struct {
	// Resource is the part of the stack, e.g. function or api-stage (the composed resource's key).
	Resource string `json:"resource"`
	// Kind of the managed resource, e.g. Function.
	Kind string `json:"kind"`
	// Name of the managed resource object (kubectl get <kind> <name>).
	// +optional
	Name string `json:"name,omitempty"`
	// Condition that failed: Synced, Ready or LastAsyncOperation.
	Condition string `json:"condition"`
	// Reason the provider gave, e.g. ReconcileError.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Message of the provider, shortened (request IDs removed, at most 240 characters).
	Message string `json:"message"`
}

// RegionStatus is one region of a multi-region stack.
type RegionStatus struct {
	// Region name.
	Region string `json:"region"`
	// FunctionARN in that region once observed.
	// +optional
	FunctionARN string `json:"functionArn,omitempty"`
	// APIEndpoint in that region once observed.
	// +optional
	APIEndpoint string `json:"apiEndpoint,omitempty"`
	// CustomURL of that region's custom domain once its DNS record is Ready.
	// +optional
	CustomURL string `json:"customUrl,omitempty"`
}
