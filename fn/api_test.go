package fn

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestAPIParts(t *testing.T) {
	jwt := map[string]any{"type": "jwt", "jwt": map[string]any{"issuer": "https://issuer.example.com", "audiences": []any{"web", "cli"}}}
	cases := map[string]struct {
		xr         map[string]any
		wantKeys   []string // API keys composed on the first reconcile
		absentKeys []string
		check      func(t *testing.T, m map[string]map[string]any)
	}{
		"dev default: iam on the default routes": {
			xr:         xrObject(nil),
			wantKeys:   []string{keyAPI, keyAPIIntegration, keyAPILogGroup, "api-route-any-proxy", "api-route-default"},
			absentKeys: []string{keyAPIAuthorizer, keyAPIStage, keyAPIPermission},
			check: func(t *testing.T, m map[string]map[string]any) {
				want := map[string]any{
					"name": "team_dev_mcp_api", "protocolType": "HTTP", "region": "us-east-1",
					"description": "HTTP API of the dev mcp Lambda function (LambdaStack)",
				}
				wantFields(t, "api", m[keyAPI], want)
				if fp(m[keyAPI], "corsConfiguration") != nil {
					t.Error("corsConfiguration without spec.api.cors")
				}
				for _, k := range []string{"api-route-any-proxy", "api-route-default"} {
					if got := fp(m[k], "authorizationType"); got != "AWS_IAM" {
						t.Errorf("%s authorizationType = %v, want AWS_IAM", k, got)
					}
					if fp(m[k], "authorizerIdRef") != nil {
						t.Errorf("%s has an authorizer with iam auth", k)
					}
					if got := fp(m[k], "targetRef", "name"); got != "mcp--api-integration" {
						t.Errorf("%s targetRef = %v", k, got)
					}
				}
				if got := fp(m["api-route-any-proxy"], "routeKey"); got != "ANY /{proxy+}" {
					t.Errorf("routeKey = %v", got)
				}
				i := m[keyAPIIntegration]
				wantFields(t, "integration", i, map[string]any{"integrationType": "AWS_PROXY", "payloadFormatVersion": "2.0", "integrationMethod": "POST"})
				if got := fp(i, "integrationUriRef", "name"); got != "mcp--function" {
					t.Errorf("integrationUriRef = %v, want the function", got)
				}
				if got := fp(i, "apiIdRef", "name"); got != "mcp--api" {
					t.Errorf("apiIdRef = %v", got)
				}
				lg := m[keyAPILogGroup]
				if got := lookup(lg, "metadata", "annotations", annotationExternalName); got != "/aws/apigateway/team_dev_mcp" {
					t.Errorf("api log group name = %v", got)
				}
				if got := fp(lg, "retentionInDays"); got != int64(7) {
					t.Errorf("api log group retention = %v, want dev's 7", got)
				}
				if lookup(lg, "spec", "managementPolicies") != nil {
					t.Error("dev retains its API log group")
				}
			},
		},
		"jwt on listed routes": {
			xr:         xrObject(map[string]any{"stage": "prod", "api": map[string]any{"auth": jwt, "routes": []any{"POST /mcp", "GET /health"}}}),
			wantKeys:   []string{keyAPIAuthorizer, "api-route-post-mcp", "api-route-get-health"},
			absentKeys: []string{"api-route-any-proxy", "api-route-default"},
			check: func(t *testing.T, m map[string]map[string]any) {
				a := m[keyAPIAuthorizer]
				want := map[string]any{
					"authorizerType":   "JWT",
					"name":             "team_prod_mcp_jwt",
					"identitySources":  []any{"$request.header.Authorization"},
					"jwtConfiguration": map[string]any{"issuer": "https://issuer.example.com", "audience": []any{"cli", "web"}},
					"apiIdRef":         map[string]any{"name": "mcp--api"},
				}
				wantFields(t, "authorizer", a, want)
				r := m["api-route-post-mcp"]
				if fp(r, "authorizationType") != "JWT" || fp(r, "authorizerIdRef", "name") != "mcp--api-authorizer" {
					t.Errorf("route auth = %v %v", fp(r, "authorizationType"), fp(r, "authorizerIdRef"))
				}
				if got := lookup(m[keyAPILogGroup], "spec", "managementPolicies"); !reflect.DeepEqual(got, []any{"Observe", "Create", "Update", "LateInitialize"}) {
					t.Errorf("prod's API log group managementPolicies = %v, want no Delete", got)
				}
			},
		},
		"none, public on prod": {
			xr:       xrObject(map[string]any{"stage": "prod", "api": map[string]any{"auth": map[string]any{"type": "none"}, "public": true}}),
			wantKeys: []string{"api-route-default"},
			check: func(t *testing.T, m map[string]map[string]any) {
				if got := fp(m["api-route-default"], "authorizationType"); got != "NONE" {
					t.Errorf("authorizationType = %v, want NONE", got)
				}
			},
		},
		"cors": {
			xr: xrObject(map[string]any{"api": map[string]any{"cors": map[string]any{
				"allowOrigins": []any{"https://b.example.com", "https://a.example.com"}, "allowHeaders": []any{"content-type", "authorization"},
				"allowCredentials": true, "maxAgeSeconds": 600,
			}}}),
			check: func(t *testing.T, m map[string]map[string]any) {
				want := map[string]any{
					"allowOrigins":     []any{"https://a.example.com", "https://b.example.com"},
					"allowMethods":     []any{"GET", "OPTIONS", "POST"},
					"allowHeaders":     []any{"authorization", "content-type"},
					"allowCredentials": true,
					"maxAge":           int64(600),
				}
				if got := fp(m[keyAPI], "corsConfiguration"); !reflect.DeepEqual(got, want) {
					t.Errorf("corsConfiguration = %v, want %v", got, want)
				}
			},
		},
		"legacy blocks are lists": {
			xr: legacyXR(map[string]any{"api": map[string]any{"auth": jwt, "cors": map[string]any{"allowOrigins": []any{"https://a.example.com"}}}}),
			check: func(t *testing.T, m map[string]map[string]any) {
				if l, ok := fp(m[keyAPI], "corsConfiguration").([]any); !ok || len(l) != 1 {
					t.Errorf("legacy corsConfiguration = %v, want a one-element list", fp(m[keyAPI], "corsConfiguration"))
				}
				if l, ok := fp(m[keyAPIAuthorizer], "jwtConfiguration").([]any); !ok || len(l) != 1 {
					t.Errorf("legacy jwtConfiguration = %v, want a one-element list", fp(m[keyAPIAuthorizer], "jwtConfiguration"))
				}
				if got := lookup(m[keyAPI], "apiVersion"); got != "apigatewayv2.aws.upbound.io/v1beta1" {
					t.Errorf("legacy apiVersion = %v", got)
				}
			},
		},
		"disabled": {
			xr:         xrObject(map[string]any{"api": map[string]any{"enabled": false}}),
			absentKeys: []string{keyAPI, keyAPIIntegration, keyAPILogGroup, keyAPIAuthorizer, "api-route-default", "api-route-any-proxy"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := byKey(t, settingsFor(t, tc.xr, nil))
			wantKeys(t, m, tc.wantKeys, tc.absentKeys)
			if tc.check != nil {
				tc.check(t, m)
			}
		})
	}
}

func TestAPIDisabledComposesNothingEvenOnceObserved(t *testing.T) {
	s := settingsFor(t, xrObject(map[string]any{"stage": "staging", "api": map[string]any{"enabled": false}, "monitoring": map[string]any{"alarmTopicArn": "arn:aws:sns:us-east-1:" + testAccount + ":ops"}}), nil)
	m, _ := converged(t, s)
	for k := range m {
		if strings.HasPrefix(k, "api") || k == keyAlarmAPI5xx || k == keyAlarmAPILatency {
			t.Errorf("%s composed with the API off", k)
		}
	}
	if strings.Contains(fp(m[keyDashboard], "dashboardBody").(string), "AWS/ApiGateway") {
		t.Error("dashboard shows API widgets with the API off")
	}
}

func TestAPIStageAndPermissionOnceObserved(t *testing.T) {
	for _, flavour := range []string{"namespaced", "legacy"} {
		t.Run(flavour, func(t *testing.T) {
			xr := xrObject(map[string]any{"stage": "staging", "region": "eu-west-1", "api": map[string]any{"throttlingBurstLimit": 7}})
			if flavour == "legacy" {
				xr = legacyXR(map[string]any{"stage": "staging", "region": "eu-west-1", "api": map[string]any{"throttlingBurstLimit": 7}})
			}
			s := settingsFor(t, xr, nil)
			m, _ := converged(t, s)
			block := func(v any) map[string]any {
				if l, ok := v.([]any); ok {
					if flavour != "legacy" || len(l) != 1 {
						t.Fatalf("block %v: want an object (namespaced) or a one-element list (legacy)", v)
					}
					v = l[0]
				} else if flavour == "legacy" {
					t.Fatalf("legacy block %v is not a list", v)
				}
				return v.(map[string]any)
			}
			st := m[keyAPIStage]
			if got := lookup(st, "metadata", "annotations", annotationExternalName); got != "$default" {
				t.Errorf("stage name = %v", got)
			}
			if fp(st, "autoDeploy") != true {
				t.Error("stage autoDeploy is not true")
			}
			logs := block(fp(st, "accessLogSettings"))
			if got := logs["destinationArn"]; got != "arn:aws:logs:eu-west-1:"+testAccount+":log-group:/aws/apigateway/team_staging_mcp" {
				t.Errorf("destinationArn = %v", got)
			}
			if logs["format"] != accessLogFormat() {
				t.Errorf("format = %v", logs["format"])
			}
			thr := block(fp(st, "defaultRouteSettings"))
			if thr["throttlingBurstLimit"] != int64(7) || thr["throttlingRateLimit"] != int64(50) {
				t.Errorf("throttling = %v, want burst 7 (request) and rate 50 (staging)", thr)
			}
			p := m[keyAPIPermission]
			want := map[string]any{
				"action":      "lambda:InvokeFunction",
				"principal":   "apigateway.amazonaws.com",
				"sourceArn":   "arn:aws:execute-api:eu-west-1:" + testAccount + ":" + simAPIID + "/*/*",
				"statementId": permissionStatementID,
				"region":      "eu-west-1",
			}
			wantFields(t, "permission", p, want)
			if got := fp(p, "functionNameRef", "name"); got != "mcp--function" {
				t.Errorf("permission functionNameRef = %v", got)
			}
			if got := fp(p, "qualifierRef", "name"); got != "mcp--alias" {
				t.Errorf("permission qualifierRef = %v, want the live alias (staging uses it)", got)
			}
		})
	}
}

func TestAPIEndpointStatus(t *testing.T) {
	s := settingsFor(t, xrObject(nil), nil)
	_, o := converged(t, s)
	st := mustPlan(t, s, o).Status
	if want := "https://" + simAPIID + ".execute-api.us-east-1.amazonaws.com"; st.APIEndpoint != want {
		t.Errorf("apiEndpoint = %q, want %q", st.APIEndpoint, want)
	}
	if st := mustPlan(t, s, nil).Status; st.APIEndpoint != "" {
		t.Errorf("apiEndpoint before the API is observed = %q", st.APIEndpoint)
	}
	off := settingsFor(t, xrObject(map[string]any{"api": map[string]any{"enabled": false}}), nil)
	if st := mustPlan(t, off, o).Status; st.APIEndpoint != "" {
		t.Errorf("apiEndpoint with the API off = %q", st.APIEndpoint)
	}
}

func TestSlugsOf(t *testing.T) {
	got := slugsOf([]string{"POST /mcp", "GET /a-b", "GET /a/b", "$default", "ANY /{proxy+}"})
	want := []string{"post-mcp", "get-a-b-", "get-a-b-", "default", "any-proxy"}
	seen := map[string]bool{}
	for i, g := range got {
		if !strings.HasPrefix(g.Slug, want[i]) || (want[i][len(want[i])-1] != '-' && g.Slug != want[i]) {
			t.Errorf("slug of %q = %q, want %q...", g.Value, g.Slug, want[i])
		}
		if seen[g.Slug] {
			t.Errorf("slug %q used twice", g.Slug)
		}
		seen[g.Slug] = true
	}
	// The same route keys in another order get the same slugs.
	again := slugsOf([]string{"GET /a/b", "GET /a-b"})
	if again[0].Slug != got[2].Slug || again[1].Slug != got[1].Slug {
		t.Errorf("slugs depend on order: %v vs %v", again, got)
	}
	long := slugsOf([]string{"GET /" + strings.Repeat("very-long-path/", 10)})
	if len(long[0].Slug) > maxSlug {
		t.Errorf("slug %q is longer than %d", long[0].Slug, maxSlug)
	}
}

func TestAccessLogFormat(t *testing.T) {
	f := accessLogFormat()
	var m map[string]string
	if err := json.Unmarshal([]byte(f), &m); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	for _, k := range []string{"requestId", "sourceIp", "routeKey", "status", "integrationError"} {
		if !strings.HasPrefix(m[k], "$context.") {
			t.Errorf("%s = %q, want a $context variable", k, m[k])
		}
	}
	if !strings.HasPrefix(f, `{"requestId":"$context.requestId",`) || f != accessLogFormat() {
		t.Errorf("format is not stable: %s", f)
	}
}
