package fn

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const authorizerFn = "arn:aws:lambda:us-east-1:" + testAccount + ":function:platform-authorizer"

func lambdaAuth(l map[string]any) map[string]any {
	return map[string]any{"auth": map[string]any{"type": "lambda", "lambda": l}}
}

func TestLambdaAuthorizerRefusals(t *testing.T) {
	jwt := map[string]any{"issuer": "https://issuer.example.com", "audiences": []any{"a"}}
	twoRegions := func(api map[string]any) map[string]any {
		return xrObject(map[string]any{"api": api, "regions": []any{"us-east-1", "eu-west-1"},
			"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "a-{region}", "key": "k.zip"}}}})
	}
	cases := map[string]refusal{
		"type lambda without the function": {
			xr:   xrObject(map[string]any{"api": map[string]any{"auth": map[string]any{"type": "lambda"}}}),
			want: []string{"spec.api.auth.lambda: type lambda needs the authorizer's functionArn"},
		},
		"not a function ARN": {
			xr:   xrObject(map[string]any{"api": lambdaAuth(map[string]any{"functionArn": "platform-authorizer"})}),
			want: []string{"spec.api.auth.lambda.functionArn", `"platform-authorizer" is not a Lambda function ARN`},
		},
		"another region": {
			xr:   xrObject(map[string]any{"api": lambdaAuth(map[string]any{"functionArn": strings.Replace(authorizerFn, "us-east-1", "eu-west-1", 1)})}),
			want: []string{"spec.api.auth.lambda.functionArn", "the authorizer function is in region eu-west-1, the stack in us-east-1"},
		},
		"one function for two regions": {
			xr:   twoRegions(lambdaAuth(map[string]any{"functionArn": authorizerFn})),
			want: []string{"spec.api.auth.lambda.functionArn", "is one authorizer function, but the stack runs in 2 regions", "{region}"},
		},
		"another account": {
			xr:   xrObject(map[string]any{"api": lambdaAuth(map[string]any{"functionArn": strings.Replace(authorizerFn, testAccount, "999999999999", 1)})}),
			envs: guardedDev(nil),
			want: []string{"spec.api.auth.lambda.functionArn", "the authorizer function is in account 999999999999, not in stage dev's account " + testAccount},
		},
		"a bad identity source": {
			xr:   xrObject(map[string]any{"api": lambdaAuth(map[string]any{"functionArn": authorizerFn, "identitySources": []any{"Authorization"}})}),
			want: []string{"spec.api.auth.lambda.identitySources", `"Authorization" is not an identity source`},
		},
		"a TTL over an hour": {
			xr:   xrObject(map[string]any{"api": lambdaAuth(map[string]any{"functionArn": authorizerFn, "resultTTLSeconds": 7200})}),
			want: []string{"spec.api.auth.lambda.resultTTLSeconds: 7200 is out of range 0-3600"},
		},
		"a lambda block with type jwt": {
			xr:   xrObject(map[string]any{"api": map[string]any{"auth": map[string]any{"type": "jwt", "jwt": jwt, "lambda": map[string]any{"functionArn": authorizerFn}}}}),
			want: []string{"spec.api.auth.lambda: applies only to auth type lambda (type is jwt)"},
		},
		"scopes on a route the API does not have": {
			xr: xrObject(map[string]any{"api": map[string]any{"routes": []any{"POST /mcp"}, "auth": map[string]any{"type": "jwt", "jwt": map[string]any{
				"issuer": "https://issuer.example.com", "audiences": []any{"a"}, "routeScopes": []any{map[string]any{"route": "GET /admin", "scopes": []any{"admin"}}}}}}}),
			want: []string{"spec.api.auth.jwt.routeScopes[0].route", `"GET /admin" is not a route of the API (POST /mcp)`},
		},
		"scopes without jwt auth": {
			xr: xrObject(map[string]any{"api": map[string]any{"auth": map[string]any{"type": "iam", "jwt": map[string]any{
				"issuer": "https://issuer.example.com", "audiences": []any{"a"}, "routeScopes": []any{map[string]any{"route": "$default", "scopes": []any{"x"}}}}}}}),
			want: []string{"spec.api.auth.jwt.routeScopes: apply only to auth type jwt (type is iam)"},
		},
		"an empty scope list": {
			xr: xrObject(map[string]any{"api": map[string]any{"auth": map[string]any{"type": "jwt", "jwt": map[string]any{
				"issuer": "https://issuer.example.com", "audiences": []any{"a"}, "routeScopes": []any{map[string]any{"route": "$default", "scopes": []any{}}}}}}}),
			want: []string{"spec.api.auth.jwt.routeScopes[0].scopes: needs at least one scope"},
		},
	}
	wantRefusals(t, cases)
}

func TestLambdaAuthorizer(t *testing.T) {
	auth := lambdaAuth(map[string]any{"functionArn": authorizerFn + ":live", "identitySources": []any{"$request.header.X-Api-Key", "$context.routeKey"}, "resultTTLSeconds": 0})
	auth["routes"] = []any{"POST /mcp"}
	for _, legacy := range []bool{false, true} {
		xr := xrObject(map[string]any{"api": auth})
		if legacy {
			xr = legacyXR(map[string]any{"api": auth})
		}
		s := settingsFor(t, xr, nil)
		first, _, pending := planByKey(t, s, nil)
		if _, ok := first[keyAPIAuthorizerPermission]; ok {
			t.Error("the authorizer permission is composed before the API's execution ARN is known")
		}
		if !strings.Contains(strings.Join(pending, "\n"), keyAPIAuthorizerPermission) {
			t.Errorf("pending %v does not name %s", pending, keyAPIAuthorizerPermission)
		}
		m, _ := converged(t, s)
		a := m[keyAPIAuthorizer]
		want := map[string]any{
			"authorizerType":                 "REQUEST",
			"name":                           "team_dev_mcp_lambda",
			"authorizerUri":                  "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + authorizerFn + ":live/invocations",
			"authorizerPayloadFormatVersion": "2.0",
			"enableSimpleResponses":          true,
			"authorizerResultTtlInSeconds":   int64(0),
			"identitySources":                []any{"$context.routeKey", "$request.header.X-Api-Key"},
			"apiIdRef":                       map[string]any{"name": objectName(s, keyAPI)},
		}
		wantFields(t, fmt.Sprintf("legacy=%v: authorizer", legacy), a, want)
		if fp(a, "jwtConfiguration") != nil {
			t.Error("a Lambda authorizer with a JWT configuration")
		}
		r := m["api-route-post-mcp"]
		if fp(r, "authorizationType") != "CUSTOM" || fp(r, "authorizerIdRef", "name") != objectName(s, keyAPIAuthorizer) {
			t.Errorf("route auth %v %v", fp(r, "authorizationType"), fp(r, "authorizerIdRef"))
		}
		p := m[keyAPIAuthorizerPermission]
		exec, _ := fp(m[keyAPIPermission], "sourceArn").(string)
		wantP := map[string]any{
			"action":       "lambda:InvokeFunction",
			"functionName": authorizerFn,
			"qualifier":    "live",
			"principal":    "apigateway.amazonaws.com",
			"sourceArn":    strings.TrimSuffix(exec, "/*/*") + "/authorizers/*",
			"statementId":  "team_dev_mcp_authorizer",
			"region":       "us-east-1",
		}
		wantFields(t, fmt.Sprintf("legacy=%v: authorizer permission", legacy), p, wantP)
		if !strings.HasPrefix(exec, "arn:aws:execute-api:us-east-1:") {
			t.Errorf("api permission sourceArn %q", exec)
		}
	}

	// defaults, and one authorizer per region with {region}
	xr := xrObject(map[string]any{"api": lambdaAuth(map[string]any{"functionArn": strings.Replace(authorizerFn, "us-east-1", "{region}", 1)}),
		"regions":  []any{"us-east-1", "eu-west-1"},
		"function": map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "a-{region}", "key": "k.zip"}}}})
	s := settingsFor(t, xr, nil)
	m, _ := converged(t, s)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		suffix := ""
		if region != "us-east-1" {
			suffix = "-" + region
		}
		fn := strings.Replace(authorizerFn, "us-east-1", region, 1)
		a := m[keyAPIAuthorizer+suffix]
		if got := fp(a, "authorizerUri"); got != "arn:aws:apigateway:"+region+":lambda:path/2015-03-31/functions/"+fn+"/invocations" {
			t.Errorf("%s authorizerUri %v", region, got)
		}
		if fp(a, "authorizerResultTtlInSeconds") != int64(defaultAuthorizerTTL) || fp(a, "enableSimpleResponses") != true ||
			!reflect.DeepEqual(fp(a, "identitySources"), []any{"$request.header.Authorization"}) {
			t.Errorf("%s defaults: ttl %v simple %v sources %v", region, fp(a, "authorizerResultTtlInSeconds"), fp(a, "enableSimpleResponses"), fp(a, "identitySources"))
		}
		p := m[keyAPIAuthorizerPermission+suffix]
		if fp(p, "functionName") != fn || fp(p, "region") != region || fp(p, "qualifier") != nil {
			t.Errorf("%s permission %v in %v (qualifier %v)", region, fp(p, "functionName"), fp(p, "region"), fp(p, "qualifier"))
		}
	}
}

func TestJWTRouteScopes(t *testing.T) {
	xr := xrObject(map[string]any{"api": map[string]any{"routes": []any{"POST /mcp", "GET /health"}, "auth": map[string]any{"type": "jwt", "jwt": map[string]any{
		"issuer": "https://issuer.example.com", "audiences": []any{"a"},
		"routeScopes": []any{map[string]any{"route": "POST /mcp", "scopes": []any{"mcp/write", "mcp/admin"}}}}}}})
	for _, x := range []map[string]any{xr, legacyXR(xr["spec"].(map[string]any))} {
		m := byKey(t, settingsFor(t, x, nil))
		if got := fp(m["api-route-post-mcp"], "authorizationScopes"); !reflect.DeepEqual(got, []any{"mcp/admin", "mcp/write"}) {
			t.Errorf("POST /mcp scopes %v", got)
		}
		if got := fp(m["api-route-get-health"], "authorizationScopes"); got != nil {
			t.Errorf("GET /health has scopes %v without routeScopes naming it", got)
		}
	}
}
