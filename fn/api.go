package fn

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// HTTP API (API Gateway v2) in front of the function, in every region of the stack: the API,
// the integration with the function (or its live alias, see release.go's invokeTarget), one
// route per route key, the $default stage with access logs and throttling, the JWT authorizer
// for auth type jwt (or the Lambda authorizer for type lambda, authorizer.go), and the lambda
// Permission that lets exactly this API invoke the function.
//
// Routes, the integration and the authorizer are linked by references the provider resolves
// (apiIdRef, targetRef → "integrations/<id>", authorizerIdRef, integrationUriRef), so they are
// composed at once. Two parts wait for values only AWS knows (see observed.go): the stage (its
// access log destination is the log group's ARN, which holds the account) and the permission
// (its sourceArn is the API's execution ARN, which holds the API id).

// Keys of the API part (per region: <key>-<region>).
const (
	keyAPI            = "api"
	keyAPIIntegration = "api-integration"
	keyAPIAuthorizer  = "api-authorizer"
	keyAPIStage       = "api-stage"
	keyAPILogGroup    = "api-log-group"
	keyAPIPermission  = "api-permission"
	keyAPIRoute       = "api-route-"
)

const (
	// apiStageName is the stage served at the root of the API endpoint.
	apiStageName = "$default"
	// jwtIdentitySource is where the JWT authorizer reads the bearer token.
	jwtIdentitySource = "$request.header.Authorization"
	// permissionStatementID names the statement in the function's resource policy.
	permissionStatementID = "AllowInvokeFromHTTPAPI"
)

// defaultRoute is the route of an API that lists none (with $default).
const defaultRoute = "ANY /{proxy+}"

// defaultCORSMethods are the allowed methods of a CORS configuration that lists none.
var defaultCORSMethods = []string{"GET", "OPTIONS", "POST"}

var reRoute = regexp.MustCompile(`^(\$default|(ANY|GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /[A-Za-z0-9._~{}+/-]*)$`)

// apiConfig is the resolved HTTP API.
type apiConfig struct {
	Enabled    bool
	AuthType   string
	JWT        *v1alpha1.JWTSpec
	Lambda     *v1alpha1.LambdaAuthorizerSpec
	Public     bool
	Routes     []string
	CORS       *v1alpha1.CORSSpec
	BurstLimit int64
	RateLimit  int64
}

func resolveAPI(spec *v1alpha1.APISpec, stageCfg, base *v1alpha1.APISettings) apiConfig {
	spec, stageCfg = orZero(spec), orZero(stageCfg)
	c := apiConfig{
		Enabled:    firstBool(spec.Enabled, boolp(true)),
		Public:     firstBool(spec.Public, boolp(false)),
		Routes:     spec.Routes,
		CORS:       spec.CORS,
		BurstLimit: firstInt(spec.ThrottlingBurstLimit, stageCfg.ThrottlingBurstLimit, base.ThrottlingBurstLimit),
		RateLimit:  firstInt(spec.ThrottlingRateLimit, stageCfg.ThrottlingRateLimit, base.ThrottlingRateLimit),
		AuthType:   "iam",
	}
	if spec.Auth != nil {
		c.AuthType, c.JWT, c.Lambda = spec.Auth.Type, spec.Auth.JWT, spec.Auth.Lambda
	}
	if len(c.Routes) == 0 {
		c.Routes = []string{defaultRoute, "$default"}
	}
	return c
}

func validateAPI(errs *fieldErrors, s *settings) {
	a := &s.API
	if !a.Enabled {
		return
	}
	for _, r := range a.Routes {
		if !reRoute.MatchString(r) {
			errs.add("spec.api.routes", "%q is not a route key like \"POST /mcp\" or \"$default\"", r)
		}
	}
	switch a.AuthType {
	case "jwt":
		if a.JWT == nil || !strings.HasPrefix(a.JWT.Issuer, "https://") || len(a.JWT.Audiences) == 0 {
			errs.add("spec.api.auth.jwt", "type jwt needs an https issuer and at least one audience")
		}
	case "lambda":
		validateLambdaAuthorizer(errs, s)
	case "iam":
	case "none":
		if s.Production && !a.Public {
			errs.add("spec.api.auth.type", "none is refused on stage %s because its profile is production; set spec.api.public: true to serve an unauthenticated API on purpose", s.Stage)
		}
	default:
		errs.add("spec.api.auth.type", "%q must be jwt, iam, lambda or none", a.AuthType)
	}
	if a.Lambda != nil && a.AuthType != "lambda" {
		errs.add("spec.api.auth.lambda", "applies only to auth type lambda (type is %s)", a.AuthType)
	}
	validateRouteScopes(errs, s)
	if a.CORS != nil && len(a.CORS.AllowOrigins) == 0 {
		errs.add("spec.api.cors.allowOrigins", "needs at least one origin")
	}
}

// validateCORSCredentials refuses credentials for any origin.
func validateCORSCredentials(errs *fieldErrors, s *settings) {
	if c := s.API.CORS; s.API.Enabled && c != nil && c.AllowCredentials != nil && *c.AllowCredentials && slices.Contains(c.AllowOrigins, "*") {
		errs.add("spec.api.cors.allowOrigins", "\"*\" cannot be combined with allowCredentials: true (browsers refuse it and API Gateway rejects it); list the origins")
	}
}

// validateRouteKeys refuses a route listed twice (two resources of one key).
func validateRouteKeys(errs *fieldErrors, s *settings) {
	seen := map[string]bool{}
	for _, r := range s.API.Routes {
		if seen[r] {
			errs.add("spec.api.routes", "%q is listed twice", r)
		}
		seen[r] = true
	}
}

// api composes the HTTP API of every region; nothing when spec.api.enabled is false.
func (b *builder) api() {
	if !b.s.API.Enabled {
		return
	}
	routes := slugsOf(b.s.API.Routes)
	b.regional(func(region, suffix string) {
		b.add(b.apiGateway(region, suffix), b.apiIntegration(region, suffix), b.apiLogGroup(region, suffix))
		switch b.s.API.AuthType {
		case "jwt":
			b.add(b.apiAuthorizer(region, suffix))
		case "lambda":
			b.add(b.lambdaAuthorizer(region, suffix))
			if c, ok := b.authorizerPermission(region, suffix); ok {
				b.add(c)
			}
		}
		for _, r := range routes {
			b.add(b.apiRoute(region, suffix, r))
		}
		if c, ok := b.apiStage(region, suffix); ok {
			b.add(c)
		}
		if c, ok := b.apiPermission(region, suffix); ok {
			b.add(c)
		}
	})
}

// apiName is the AWS name of the API (the same in every region).
func (b *builder) apiName() string { return b.name(maxAPIName, "api") }

// apiLogGroupName is the log group of the API's access logs.
func (b *builder) apiLogGroupName() string {
	return fitName("/aws/apigateway/"+stackStem(b.s), maxLogGroupName)
}

// apiID is the id AWS gave the API of the region of suffix; "" until observed.
func (b *builder) apiID(suffix string) string { return b.o.atProvider(keyAPI+suffix, "id") }

func (b *builder) apiGateway(region, suffix string) composed {
	p := map[string]any{
		"name":         b.apiName(),
		"protocolType": "HTTP",
		"description":  "HTTP API of the " + b.s.Stage + " " + b.s.App + " Lambda function (LambdaStack)",
	}
	if c := b.s.API.CORS; c != nil {
		p["corsConfiguration"] = b.block(corsConfiguration(c.AllowOrigins, c.AllowMethods, c.AllowHeaders, c.AllowCredentials, c.MaxAgeSeconds))
	}
	// The API id comes from AWS: no external name.
	return b.managed(keyAPI+suffix, "apigatewayv2", "API", mrOpts{region: region, taggable: true}, p)
}

func corsConfiguration(origins, methods, headers []string, credentials *bool, maxAge *int64) map[string]any {
	if len(methods) == 0 {
		methods = defaultCORSMethods
	}
	c := map[string]any{
		"allowOrigins": sortedStrList(origins),
		"allowMethods": sortedStrList(methods),
	}
	if len(headers) > 0 {
		c["allowHeaders"] = sortedStrList(headers)
	}
	if credentials != nil {
		c["allowCredentials"] = *credentials
	}
	if maxAge != nil {
		c["maxAge"] = *maxAge
	}
	return c
}

func (b *builder) apiIntegration(region, suffix string) composed {
	p := map[string]any{
		"apiIdRef":             b.ref(keyAPI + suffix),
		"integrationType":      "AWS_PROXY",
		"integrationMethod":    "POST",
		"payloadFormatVersion": "2.0",
		"description":          "Lambda proxy integration with " + b.functionName(),
	}
	maps.Copy(p, b.invokeTarget(region).Integration)
	return b.managed(keyAPIIntegration+suffix, "apigatewayv2", "Integration", mrOpts{region: region}, p)
}

func (b *builder) apiRoute(region, suffix string, r slugged) composed {
	p := map[string]any{
		"apiIdRef":  b.ref(keyAPI + suffix),
		"routeKey":  r.Value,
		"targetRef": b.ref(keyAPIIntegration + suffix),
	}
	switch b.s.API.AuthType {
	case "jwt":
		p["authorizationType"] = "JWT"
		p["authorizerIdRef"] = b.ref(keyAPIAuthorizer + suffix)
		if scopes := b.routeScopes(r.Value); len(scopes) > 0 {
			p["authorizationScopes"] = sortedStrList(scopes)
		}
	case "lambda":
		p["authorizationType"] = "CUSTOM"
		p["authorizerIdRef"] = b.ref(keyAPIAuthorizer + suffix)
	case "iam":
		p["authorizationType"] = "AWS_IAM"
	default:
		p["authorizationType"] = "NONE"
	}
	return b.managed(keyAPIRoute+r.Slug+suffix, "apigatewayv2", "Route", mrOpts{region: region}, p)
}

// apiLogGroup holds the API's access logs, with the stage's retention (stateful: retained with
// the function's logs).
func (b *builder) apiLogGroup(region, suffix string) composed {
	return b.managed(keyAPILogGroup+suffix, "cloudwatchlogs", "Group",
		mrOpts{externalName: b.apiLogGroupName(), region: region, taggable: true, stateful: true},
		map[string]any{"retentionInDays": b.s.Function.LogRetentionDays})
}

// apiLogGroupARN is the ARN of the access log group of region: observed, else built from the
// account, else the one the stage was last composed with; "" until one is known.
func (b *builder) apiLogGroupARN(region, suffix string) string {
	res := "log-group:" + b.apiLogGroupName()
	return firstStr(
		b.o.observedARNOf(keyAPILogGroup+suffix, ":"+res),
		b.arnIn("logs", region, res),
		b.o.kept(keyAPIStage+suffix, "accessLogSettings", "destinationArn"),
	)
}

// apiStage is the $default stage: deployed automatically, throttled per stage profile, with
// access logs. It waits for the log group's ARN (no reference in the provider).
func (b *builder) apiStage(region, suffix string) (composed, bool) {
	dest := b.apiLogGroupARN(region, suffix)
	if dest == "" {
		b.wait(keyAPIStage+suffix, "the ARN of "+keyAPILogGroup+suffix+" for access logs")
		return composed{}, false
	}
	a := b.s.API
	return b.managed(keyAPIStage+suffix, "apigatewayv2", "Stage",
		mrOpts{externalName: apiStageName, region: region, taggable: true}, map[string]any{
			"apiIdRef":    b.ref(keyAPI + suffix),
			"autoDeploy":  true,
			"description": "Default stage of " + b.apiName() + " (LambdaStack)",
			"accessLogSettings": b.block(map[string]any{
				"destinationArn": dest,
				"format":         accessLogFormat(),
			}),
			"defaultRouteSettings": b.block(map[string]any{
				"throttlingBurstLimit": a.BurstLimit,
				"throttlingRateLimit":  a.RateLimit,
			}),
		}), true
}

// accessLogRecord is one access log line; fields are written in this order.
type accessLogRecord struct {
	RequestID string `json:"requestId"`
	// IntegrationRequestID is the Lambda invocation's request ID, the RequestId of the function's
	// log lines: a central log store joins API and function logs on it.
	IntegrationRequestID string `json:"integrationRequestId"`
	RequestTime          string `json:"requestTime"`
	SourceIP             string `json:"sourceIp"`
	HTTPMethod           string `json:"httpMethod"`
	Path                 string `json:"path"`
	RouteKey             string `json:"routeKey"`
	Protocol             string `json:"protocol"`
	Status               string `json:"status"`
	ResponseLength       string `json:"responseLength"`
	ResponseLatency      string `json:"responseLatency"`
	IntegrationStatus    string `json:"integrationStatus"`
	IntegrationLatency   string `json:"integrationLatency"`
	IntegrationError     string `json:"integrationError"`
	AuthorizerError      string `json:"authorizerError"`
}

// accessLogFormat is the JSON access log format of the API stage, the same on every call.
func accessLogFormat() string {
	out, err := json.Marshal(accessLogRecord{
		RequestID:            "$context.requestId",
		IntegrationRequestID: "$context.integration.requestId",
		RequestTime:          "$context.requestTime",
		SourceIP:             "$context.identity.sourceIp",
		HTTPMethod:           "$context.httpMethod",
		Path:                 "$context.path",
		RouteKey:             "$context.routeKey",
		Protocol:             "$context.protocol",
		Status:               "$context.status",
		ResponseLength:       "$context.responseLength",
		ResponseLatency:      "$context.responseLatency",
		IntegrationStatus:    "$context.integrationStatus",
		IntegrationLatency:   "$context.integrationLatency",
		IntegrationError:     "$context.integrationErrorMessage",
		AuthorizerError:      "$context.authorizer.error",
	})
	if err != nil { // plain strings: cannot fail
		panic(err)
	}
	return string(out)
}

// apiPermission lets API Gateway invoke the function, for calls through this API only
// (sourceArn <executionArn>/*/* : any stage, method and path of this API). It waits for the
// API's execution ARN (sourceArn has no reference in the provider).
func (b *builder) apiPermission(region, suffix string) (composed, bool) {
	source := b.o.kept(keyAPIPermission+suffix, "sourceArn")
	if exec := b.o.atProvider(keyAPI+suffix, "executionArn"); exec != "" {
		source = exec + "/*/*"
	}
	if source == "" {
		b.wait(keyAPIPermission+suffix, "the execution ARN of "+keyAPI+suffix)
		return composed{}, false
	}
	p := map[string]any{
		"action":      "lambda:InvokeFunction",
		"principal":   "apigateway.amazonaws.com",
		"sourceArn":   source,
		"statementId": permissionStatementID,
	}
	maps.Copy(p, b.invokeTarget(region).Permission)
	return b.managed(keyAPIPermission+suffix, "lambda", "Permission", mrOpts{region: region}, p), true
}

// apiEndpoint is the invoke URL of the primary region's API (the $default stage serves at its
// root) once observed; "" without an API.
func (b *builder) apiEndpoint() string {
	if !b.s.API.Enabled {
		return ""
	}
	return b.o.atProvider(keyAPI, "apiEndpoint")
}
