package fn

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/crossplane/function-sdk-go/logging"
	fnv1 "github.com/crossplane/function-sdk-go/proto/v1"
	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/testing/protocmp"
)

// FuzzRunFunction feeds generated specs and EnvironmentConfig data to RunFunction: it must never
// panic or return an error instead of a result, a Fatal result must leave the desired state
// untouched, and a success must give well-formed, uniquely named resources. The seed corpus is
// in testdata/fuzz/FuzzRunFunction (from the examples); `make fuzz` runs it for longer.
func FuzzRunFunction(f *testing.F) {
	f.Add([]byte(`{"stage":"dev","app":"mcp","function":{"code":{"s3":{"bucket":"b","key":"k"}}}}`), []byte(`null`), false)
	f.Add([]byte(`{"stage":"qa","app":"mcp","function":{"code":{"imageUri":"123456789012.dkr.ecr.eu-west-1.amazonaws.com/x:1"}},"api":{"auth":{"type":"jwt","jwt":{"issuer":"https://i","audiences":["a"]}}}}`), []byte(`{"baseProfile":"staging","region":"eu-west-2"}`), true)
	f.Fuzz(func(t *testing.T, spec, envData []byte, legacy bool) {
		var s, d any
		if json.Unmarshal(spec, &s) != nil || json.Unmarshal(envData, &d) != nil {
			return
		}
		sm, ok := s.(map[string]any)
		if !ok {
			return
		}
		xr := xrObject(nil)
		if legacy {
			xr = legacyXR(nil)
		}
		xr["spec"] = sm
		stage, _ := sm["stage"].(string)
		envs := []map[string]any{}
		if d != nil {
			env := envConfig("fuzz", stage, nil)
			env["data"] = d
			envs = append(envs, env)
		}
		req, err := tryRequest(xr, envs)
		if err != nil {
			return // not representable as protobuf (e.g. invalid UTF-8)
		}
		start := time.Now()
		rsp, err := (&Function{Log: logging.NewNopLogger()}).RunFunction(t.Context(), req)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("RunFunction took %s", d)
		}
		if err != nil {
			t.Fatalf("error instead of a result: %v", err)
		}
		for _, r := range rsp.GetResults() {
			if r.GetSeverity() == fnv1.Severity_SEVERITY_FATAL {
				if diff := cmp.Diff(req.GetDesired(), rsp.GetDesired(), protocmp.Transform()); diff != "" {
					t.Fatalf("Fatal result %q changed the desired state", r.GetMessage())
				}
				return
			}
		}
		names := map[string]bool{}
		for key, r := range rsp.GetDesired().GetResources() {
			o := r.GetResource().AsMap()
			meta, _ := o["metadata"].(map[string]any)
			name, _ := meta["name"].(string)
			if o["apiVersion"] == nil || o["kind"] == nil || name == "" || len(name) > 63 || names[name] {
				t.Fatalf("resource %s is malformed or its name %q is not unique", key, name)
			}
			if strings.ToLower(key) != key {
				t.Fatalf("resource key %q is not lower case", key)
			}
			names[name] = true
		}
	})
}

func tryRequest(xr map[string]any, envs []map[string]any) (req *fnv1.RunFunctionRequest, err error) {
	defer func() {
		if r := recover(); r != nil {
			req, err = nil, errFuzzUnrepresentable
		}
	}()
	return newRequest(fuzzTB{}, xr, envs, nil), nil
}

type fuzzError string

func (e fuzzError) Error() string { return string(e) }

const errFuzzUnrepresentable = fuzzError("input not representable as a protobuf Struct")

// fuzzTB turns newRequest's t.Fatal into a panic that tryRequest recovers.
type fuzzTB struct{ testing.TB }

func (fuzzTB) Helper()           {}
func (fuzzTB) Fatal(args ...any) { panic(args) }
