package fn

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const (
	sharedLayer = "arn:aws:lambda:us-east-1:" + testAccount + ":layer:shared-deps:4"
	vendorLayer = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3:7"
	envKey      = "arn:aws:kms:us-east-1:" + testAccount + ":key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

func functionXR(extra map[string]any, spec map[string]any) map[string]any {
	f := map[string]any{"code": map[string]any{"s3": map[string]any{"bucket": "artifacts-{region}", "key": "k.zip"}}}
	for k, v := range extra {
		f[k] = v
	}
	s := map[string]any{"function": f}
	for k, v := range spec {
		s[k] = v
	}
	return xrObject(s)
}

func TestRuntimeDetailsRefusals(t *testing.T) {
	image := map[string]any{"imageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/mcp:1"}
	twoRegions := map[string]any{"regions": []any{"us-east-1", "eu-west-1"}}
	java := func(extra map[string]any) map[string]any {
		f := map[string]any{"runtime": "java21", "handler": "example.Handler::handleRequest", "snapStart": true}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	cases := map[string]refusal{
		"layers with an image": {
			xr:   functionXR(map[string]any{"code": image, "layers": []any{sharedLayer}}, nil),
			want: []string{"spec.function.layers: a container image cannot use layers"},
		},
		"six layers": {
			xr: functionXR(map[string]any{"layers": []any{sharedLayer, sharedLayer[:len(sharedLayer)-1] + "5", sharedLayer[:len(sharedLayer)-1] + "6",
				sharedLayer[:len(sharedLayer)-1] + "7", sharedLayer[:len(sharedLayer)-1] + "8", sharedLayer[:len(sharedLayer)-1] + "9"}}, nil),
			want: []string{"spec.function.layers: 6 layers, Lambda allows 5"},
		},
		"not a layer version": {
			xr:   functionXR(map[string]any{"layers": []any{"arn:aws:lambda:us-east-1:" + testAccount + ":layer:shared-deps"}}, nil),
			want: []string{"spec.function.layers[0]", "is not a layer version ARN"},
		},
		"a layer twice": {
			xr:   functionXR(map[string]any{"layers": []any{sharedLayer, sharedLayer}}, nil),
			want: []string{"spec.function.layers[1]: " + sharedLayer + " is listed twice"},
		},
		"a layer of another region": {
			xr:   functionXR(map[string]any{"layers": []any{strings.Replace(sharedLayer, "us-east-1", "eu-west-1", 1)}}, nil),
			want: []string{"spec.function.layers[0]: the layer is in region eu-west-1, the stack in us-east-1"},
		},
		"one layer for two regions": {
			xr:   functionXR(map[string]any{"layers": []any{sharedLayer}}, twoRegions),
			want: []string{"spec.function.layers[0]", "is one layer, but the stack runs in 2 regions", "arn:aws:lambda:{region}:" + testAccount + ":layer:shared-deps:4"},
		},
		"a layer of another account": {
			xr:   functionXR(map[string]any{"layers": []any{vendorLayer}}, nil),
			envs: guardedDev(nil),
			want: []string{"spec.function.layers[0]: the layer is in account 017000801446, not in stage dev's account " + testAccount},
		},
		"a key of another region": {
			xr:   functionXR(map[string]any{"kmsKeyArn": strings.Replace(envKey, "us-east-1", "eu-west-1", 1)}, nil),
			want: []string{"spec.function.kmsKeyArn: the KMS key is in region eu-west-1"},
		},
		"a key of another account": {
			xr:   functionXR(map[string]any{"kmsKeyArn": strings.Replace(envKey, testAccount, "999999999999", 1)}, nil),
			envs: guardedDev(nil),
			want: []string{"spec.function.kmsKeyArn: the KMS key is in account 999999999999"},
		},
		"not a key": {
			xr:   functionXR(map[string]any{"kmsKeyArn": "alias/lambda"}, nil),
			want: []string{`spec.function.kmsKeyArn: "alias/lambda" is not a KMS key ARN`},
		},
		"too little ephemeral storage": {
			xr:   functionXR(map[string]any{"ephemeralStorageMB": 256}, nil),
			want: []string{"spec.function.ephemeralStorageMB: 256 is out of range 512-10240"},
		},
		"the stage's ephemeral storage too large": {
			xr:   xrObject(nil),
			envs: []map[string]any{envConfig("stage-dev", "dev", map[string]any{"function": map[string]any{"ephemeralStorageMB": 20480}})},
			want: []string{"EnvironmentConfig data.function.ephemeralStorageMB: 20480 is out of range 512-10240"},
		},
		"a level with Text logs": {
			xr:   functionXR(map[string]any{"logging": map[string]any{"format": "Text", "applicationLogLevel": "DEBUG"}}, nil),
			want: []string{"spec.function.logging.applicationLogLevel: applicationLogLevel applies to JSON logs only, and the log format is Text"},
		},
		"a level without a format": {
			xr:   functionXR(map[string]any{"logging": map[string]any{"systemLogLevel": "WARN"}}, nil),
			want: []string{"spec.function.logging.systemLogLevel", "the log format is Text (Lambda's default)"},
		},
		"the stage's level under the request's Text": {
			xr:   functionXR(map[string]any{"logging": map[string]any{"format": "Text"}}, nil),
			envs: []map[string]any{envConfig("stage-dev", "dev", map[string]any{"function": map[string]any{"logging": map[string]any{"format": "JSON", "applicationLogLevel": "INFO"}}})},
			want: []string{"EnvironmentConfig data.function.logging.applicationLogLevel: applicationLogLevel applies to JSON logs only"},
		},
		"a level that does not exist": {
			xr:   functionXR(map[string]any{"logging": map[string]any{"format": "JSON", "systemLogLevel": "ERROR"}}, nil),
			want: []string{`spec.function.logging.systemLogLevel: "ERROR" must be one of DEBUG, INFO, WARN`},
		},
		"SnapStart on python": {
			xr:   functionXR(map[string]any{"snapStart": true}, map[string]any{"stage": "staging"}),
			want: []string{"spec.function.snapStart: SnapStart is offered for the Java runtimes only (java17, java21), not for python3.11 (spec.function.runtime)"},
		},
		"SnapStart on an image": {
			xr:   functionXR(map[string]any{"code": image, "snapStart": true}, map[string]any{"stage": "staging"}),
			want: []string{"spec.function.snapStart: SnapStart is not available for container images"},
		},
		"SnapStart without published versions": {
			xr:   functionXR(java(nil), nil),
			want: []string{"spec.function.snapStart: SnapStart applies to published versions", "useAlias: true"},
		},
		"SnapStart with provisioned concurrency": {
			xr:   functionXR(java(nil), map[string]any{"stage": "staging", "release": map[string]any{"provisionedConcurrency": 2}}),
			want: []string{"spec.function.snapStart: SnapStart cannot be combined with provisioned concurrency"},
		},
		"SnapStart with a large /tmp": {
			xr:   functionXR(java(map[string]any{"ephemeralStorageMB": 1024}), map[string]any{"stage": "staging"}),
			want: []string{"spec.function.snapStart: SnapStart allows at most 512 MB of ephemeral storage"},
		},
	}
	wantRefusals(t, cases)
}

func TestRuntimeDetails(t *testing.T) {
	f := map[string]any{
		"layers":             []any{sharedLayer, vendorLayer},
		"kmsKeyArn":          envKey,
		"ephemeralStorageMB": 2048,
		"logging":            map[string]any{"format": "JSON", "applicationLogLevel": "DEBUG", "systemLogLevel": "WARN"},
	}
	envs := []map[string]any{envConfig("stage-dev", "dev", map[string]any{"accountId": testAccount, "allowedLayerAccountIds": []any{"017000801446"}})}
	for _, legacy := range []bool{false, true} {
		xr := functionXR(f, nil)
		block := func(m map[string]any) any { return m }
		if legacy {
			xr = legacyXR(xr["spec"].(map[string]any))
			block = func(m map[string]any) any { return []any{m} }
		}
		m := wantComposed(t, newRequest(t, xr, envs, nil))
		fn := m[KeyFunction]
		want := map[string]any{
			"layers":           []any{sharedLayer, vendorLayer}, // Lambda's order: as given
			"kmsKeyArn":        envKey,
			"ephemeralStorage": block(map[string]any{"size": float64(2048)}),
			"loggingConfig":    block(map[string]any{"logFormat": "JSON", "applicationLogLevel": "DEBUG", "systemLogLevel": "WARN"}),
		}
		wantFields(t, fmt.Sprintf("legacy=%v: function", legacy), fn, want)
		if fp(fn, "snapStart") != nil {
			t.Error("snapStart without asking")
		}
	}

	// nothing asked: nothing set (Lambda's defaults)
	fn := byKey(t, settingsFor(t, xrObject(nil), nil))[KeyFunction]
	for _, k := range []string{"layers", "kmsKeyArn", "ephemeralStorage", "loggingConfig", "snapStart"} {
		if fp(fn, k) != nil {
			t.Errorf("%s set without asking: %v", k, fp(fn, k))
		}
	}

	// a level of the request on the stage's JSON format
	lv := settingsFor(t, functionXR(map[string]any{"logging": map[string]any{"applicationLogLevel": "ERROR"}}, nil),
		envConfig("stage-dev", "dev", map[string]any{"function": map[string]any{"logging": map[string]any{"format": "JSON", "systemLogLevel": "WARN"}}}))
	if got := fp(byKey(t, lv)[KeyFunction], "loggingConfig"); !reflect.DeepEqual(got, map[string]any{"logFormat": "JSON", "applicationLogLevel": "ERROR", "systemLogLevel": "WARN"}) {
		t.Errorf("loggingConfig %v, want the stage's format and system level with the request's application level", got)
	}

	// the stage's log format, {region} per region, SnapStart on java with the alias
	xr := functionXR(map[string]any{"runtime": "java21", "handler": "example.Handler::handleRequest", "snapStart": true,
		"layers": []any{strings.Replace(sharedLayer, "us-east-1", "{region}", 1)}, "kmsKeyArn": strings.Replace(envKey, "us-east-1", "{region}", 1)},
		map[string]any{"stage": "staging", "regions": []any{"us-east-1", "eu-west-1"}})
	s := settingsFor(t, xr, envConfig("stage-staging", "staging", map[string]any{"accountId": testAccount, "function": map[string]any{"logging": map[string]any{"format": "JSON"}}}))
	m := byKey(t, s)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		key := KeyFunction
		if region != "us-east-1" {
			key += "-" + region
		}
		fn := m[key]
		if got := fp(fn, "layers"); !reflect.DeepEqual(got, []any{strings.Replace(sharedLayer, "us-east-1", region, 1)}) {
			t.Errorf("%s layers %v", region, got)
		}
		if got := fp(fn, "kmsKeyArn"); got != strings.Replace(envKey, "us-east-1", region, 1) {
			t.Errorf("%s kmsKeyArn %v", region, got)
		}
		if got := fp(fn, "snapStart"); !reflect.DeepEqual(got, map[string]any{"applyOn": "PublishedVersions"}) {
			t.Errorf("%s snapStart %v", region, got)
		}
		if got := fp(fn, "loggingConfig"); !reflect.DeepEqual(got, map[string]any{"logFormat": "JSON"}) {
			t.Errorf("%s loggingConfig %v, want the stage's JSON", region, got)
		}
	}
}
