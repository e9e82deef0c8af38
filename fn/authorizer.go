package fn

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/spec3/lambdastack/apis/v1alpha1"
)

// Lambda REQUEST authorizer (spec.api.auth.type lambda): the API's routes are authorized by
// another function, in the stage's account and in each region of the stack ({region} in its
// ARN stands for each region). Per region the stack composes the Authorizer (payload format
// 2.0, simple responses unless asked otherwise, the answer cached by the identity sources) and
// api-authorizer-permission, the lambda Permission on the authorizer function that lets API
// Gateway invoke it for this API's authorizers only (sourceArn <execution ARN>/authorizers/*);
// like api-permission it waits for the API's execution ARN (observed.go).
//
// JWT route scopes (spec.api.auth.jwt.routeScopes) set authorizationScopes on the routes they
// name.

// Keys and defaults of the Lambda authorizer.
const (
	keyAPIAuthorizerPermission = "api-authorizer-permission"
	// defaultAuthorizerTTL is API Gateway's own default for caching an authorizer's answer.
	defaultAuthorizerTTL = 300
	maxStatementID       = 100
)

var reAuthorizerARN = regexp.MustCompile(`^arn:aws[a-z-]*:lambda:([a-z0-9-]+|\{region\}):[0-9]{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$`)

var reIdentitySource = regexp.MustCompile(`^\$(request\.(header|querystring)|context|stageVariables)\.[^\s,]+$`)

func validateLambdaAuthorizer(errs *fieldErrors, s *settings) {
	l := s.API.Lambda
	if l == nil {
		errs.add("spec.api.auth.lambda", "type lambda needs the authorizer's functionArn")
		return
	}
	const f = "spec.api.auth.lambda"
	if !reAuthorizerARN.MatchString(l.FunctionARN) {
		errs.add(f+".functionArn", "%q is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])", l.FunctionARN)
	} else {
		validateRegionalARN(errs, s, f+".functionArn", "authorizer function", l.FunctionARN)
	}
	for _, src := range l.IdentitySources {
		if !reIdentitySource.MatchString(src) {
			errs.add(f+".identitySources", "%q is not an identity source like $request.header.Authorization", src)
		}
	}
}

// validateRouteScopes checks spec.api.auth.jwt.routeScopes: routes of the API, with jwt auth.
func validateRouteScopes(errs *fieldErrors, s *settings) {
	a := &s.API
	if a.JWT == nil || len(a.JWT.RouteScopes) == 0 {
		return
	}
	if a.AuthType != "jwt" {
		errs.add("spec.api.auth.jwt.routeScopes", "apply only to auth type jwt (type is %s)", a.AuthType)
		return
	}
	seen := map[string]bool{}
	for i, rs := range a.JWT.RouteScopes {
		f := fmt.Sprintf("spec.api.auth.jwt.routeScopes[%d]", i)
		if !slices.Contains(a.Routes, rs.Route) {
			errs.add(f+".route", "%q is not a route of the API (%s)", rs.Route, strings.Join(a.Routes, ", "))
		}
		if seen[rs.Route] {
			errs.add(f+".route", "%q is listed twice", rs.Route)
		}
		seen[rs.Route] = true
		if len(rs.Scopes) == 0 {
			errs.add(f+".scopes", "needs at least one scope")
		}
		for _, sc := range rs.Scopes {
			if sc == "" || len(sc) > 128 || strings.ContainsAny(sc, " \t\n") {
				errs.add(f+".scopes", "%q is not a scope (1-128 characters, no spaces)", sc)
			}
		}
	}
}

func (b *builder) apiAuthorizer(region, suffix string) composed {
	jwt := b.s.API.JWT
	return b.managed(keyAPIAuthorizer+suffix, "apigatewayv2", "Authorizer", mrOpts{region: region}, map[string]any{
		"apiIdRef":        b.ref(keyAPI + suffix),
		"name":            b.name(maxAuthorizer, "jwt"),
		"authorizerType":  "JWT",
		"identitySources": []any{jwtIdentitySource},
		"jwtConfiguration": b.block(map[string]any{
			"issuer":   jwt.Issuer,
			"audience": sortedStrList(jwt.Audiences),
		}),
	})
}

// routeScopes are the JWT scopes of route key r; nil when it has none.
func (b *builder) routeScopes(r string) []string {
	if b.s.API.AuthType != "jwt" || b.s.API.JWT == nil {
		return nil
	}
	for _, rs := range b.s.API.JWT.RouteScopes {
		if rs.Route == r {
			return rs.Scopes
		}
	}
	return nil
}

// authorizerIdentitySources are the identity sources, sorted; the default when none are given.
func authorizerIdentitySources(l *v1alpha1.LambdaAuthorizerSpec) []any {
	if len(l.IdentitySources) == 0 {
		return []any{jwtIdentitySource}
	}
	return sortedStrList(l.IdentitySources)
}

// lambdaAuthorizer is the REQUEST authorizer of the region.
func (b *builder) lambdaAuthorizer(region, suffix string) composed {
	l := b.s.API.Lambda
	ttl := int64(defaultAuthorizerTTL)
	if l.ResultTTLSeconds != nil {
		ttl = *l.ResultTTLSeconds
	}
	simple := l.SimpleResponses == nil || *l.SimpleResponses
	return b.managed(keyAPIAuthorizer+suffix, "apigatewayv2", "Authorizer", mrOpts{region: region}, map[string]any{
		"apiIdRef":                       b.ref(keyAPI + suffix),
		"name":                           b.name(maxAuthorizer, "lambda"),
		"authorizerType":                 "REQUEST",
		"authorizerUri":                  newARN(partition(region), "apigateway", region, "lambda", "path/2015-03-31/functions/"+inRegion(l.FunctionARN, region)+"/invocations"),
		"authorizerPayloadFormatVersion": "2.0",
		"enableSimpleResponses":          simple,
		"authorizerResultTtlInSeconds":   ttl,
		"identitySources":                authorizerIdentitySources(l),
	})
}

// authorizerPermission lets API Gateway invoke the authorizer function for this API's
// authorizers only. It waits for the API's execution ARN, like apiPermission.
func (b *builder) authorizerPermission(region, suffix string) (composed, bool) {
	key := keyAPIAuthorizerPermission + suffix
	source := b.o.kept(key, "sourceArn")
	if exec := b.o.atProvider(keyAPI+suffix, "executionArn"); exec != "" {
		source = exec + "/authorizers/*"
	}
	if source == "" {
		b.wait(key, "the execution ARN of "+keyAPI+suffix)
		return composed{}, false
	}
	fn, qualifier := splitQualifier(inRegion(b.s.API.Lambda.FunctionARN, region))
	p := map[string]any{
		"action":       "lambda:InvokeFunction",
		"functionName": fn,
		"principal":    "apigateway.amazonaws.com",
		"sourceArn":    source,
		// unique in the authorizer's policy, which other stacks' APIs share
		"statementId": b.name(maxStatementID, "authorizer"),
	}
	if qualifier != "" {
		p["qualifier"] = qualifier
	}
	return b.managed(key, "lambda", "Permission", mrOpts{region: region}, p), true
}
