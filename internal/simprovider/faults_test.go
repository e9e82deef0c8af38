package simprovider

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestFaultSelectedShare(t *testing.T) {
	for _, percent := range []int{0, 20, 30, 100} {
		n := 0
		for i := range 2000 {
			h := Hash(fmt.Sprintf("uid-%d", i))
			if FaultSelected(h, percent) != FaultSelected(h, percent) {
				t.Fatalf("FaultSelected(%s, %d) is not stable", h, percent)
			}
			if FaultSelected(h, percent) {
				n++
			}
		}
		if got := float64(n) / 2000 * 100; got < float64(percent)-5 || got > float64(percent)+5 {
			t.Errorf("percent %d picked %.1f%% of 2000 resources", percent, got)
		}
	}
}

func TestDropComputed(t *testing.T) {
	at := AtProvider(schema.GroupKind{Group: "lambda.aws.m.upbound.io", Kind: "Function"}, map[string]any{"region": "eu-west-1", "memorySize": 512.0},
		Attributes{ExternalName: "team_dev-app", Hash: Hash("x"), Generation: 1})
	if !HasComputed(at) || !DropComputed(at) {
		t.Fatalf("a Function's observation has no ARN to drop: %v", at)
	}
	for _, k := range []string{"arn", "invokeArn", "qualifiedArn", "id", "version"} {
		if _, ok := at[k]; ok {
			t.Errorf("%s still observed after DropComputed", k)
		}
	}
	if at["memorySize"] != 512.0 || at["region"] != "eu-west-1" {
		t.Errorf("the parameters AWS echoes were dropped too: %v", at)
	}
	if HasComputed(at) || DropComputed(at) {
		t.Error("DropComputed reports a change the second time")
	}
}

func TestUnavailableAndThrottled(t *testing.T) {
	conds := Unavailable(3, Time)
	ready, synced := conds[0].(map[string]any), conds[1].(map[string]any)
	if ready["type"] != "Ready" || ready["status"] != "False" || ready["reason"] != "Unavailable" || ready["observedGeneration"] != int64(3) {
		t.Errorf("Ready = %v", ready)
	}
	if synced["type"] != "Synced" || synced["status"] != "True" {
		t.Errorf("Synced = %v", synced)
	}
	msg := ThrottledError("lambda", "Function", "team_dev-app", Hash("x"))
	for _, want := range []string{"reading Lambda Function (team_dev-app)", "GetFunction", "api error ThrottlingException: Rate exceeded", "RequestID: "} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
}
