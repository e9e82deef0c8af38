package stacklogs

// Runs against moto's AWS stand-in (STS and CloudWatch Logs) on 127.0.0.1; skipped only where
// moto is not installed. moto accepts any role to assume (it checks no trust policy) and has no
// StartLiveTail: what passes shows the calls are right, not that AWS would allow them.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spec3/lambdastack/internal/motoserver"
	"github.com/spec3/lambdastack/internal/outputs"
)

const role = "arn:aws:iam::123456789012:role/team-mcp-dev_dev-mcp-server-logs-reader"

func stackOutputs() outputs.Outputs {
	return outputs.Outputs{Source: "team-mcp-dev/mcp-server-outputs", LogsRoleARN: role, LogGroups: []outputs.LogGroup{
		{Region: "us-east-1", Name: "/aws/lambda/team-mcp-dev_dev-mcp-server"},
		{Region: "eu-west-1", Name: "/aws/lambda/team-mcp-dev_dev-mcp-server"},
	}}
}

func TestRecentReadsEveryGroupAndRegionInOrder(t *testing.T) {
	endpoint := motoserver.Start(t)
	motoserver.UseTestCredentials(t)
	now := time.Now().Truncate(time.Second)
	motoserver.WriteLogs(t, endpoint, "us-east-1", "/aws/lambda/team-mcp-dev_dev-mcp-server", now.Add(-2*time.Minute), "START east", "ERROR east failed")
	motoserver.WriteLogs(t, endpoint, "eu-west-1", "/aws/lambda/team-mcp-dev_dev-mcp-server", now.Add(-90*time.Second), "START west")
	motoserver.WriteLogs(t, endpoint, "us-east-1", "/aws/lambda/another-stack", now.Add(-time.Minute), "not ours")

	r, err := New(context.Background(), stackOutputs(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	events, err := r.Recent(context.Background(), now.Add(-10*time.Minute), "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Region+" "+e.Message)
	}
	want := "us-east-1 START east|us-east-1 ERROR east failed|eu-west-1 START west"
	if strings.Join(got, "|") != want {
		t.Fatalf("events %q, want %q", got, want)
	}
	filtered, err := r.Recent(context.Background(), now.Add(-10*time.Minute), "ERROR")
	if err != nil || len(filtered) != 1 || filtered[0].Message != "ERROR east failed" {
		t.Fatalf("filter ERROR: %v %+v", err, filtered)
	}
	old, err := r.Recent(context.Background(), now.Add(-100*time.Second), "")
	if err != nil || len(old) != 1 || old[0].Region != "eu-west-1" {
		t.Fatalf("since 100s: %v %+v", err, old)
	}
}

func TestErrors(t *testing.T) {
	endpoint := motoserver.Start(t)
	motoserver.UseTestCredentials(t)
	o := stackOutputs()
	o.LogsRoleARN = ""
	if _, err := New(context.Background(), o, endpoint); err == nil || !strings.Contains(err.Error(), "lacks logsRoleArn") {
		t.Errorf("no role: %v", err)
	}
	r, err := New(context.Background(), stackOutputs(), endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Recent(context.Background(), time.Now().Add(-time.Minute), ""); err == nil || !strings.Contains(err.Error(), "does not exist yet") {
		t.Errorf("missing log group: %v", err)
	}
	// moto has no StartLiveTail: --follow is shown to make the call, not that it streams
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = r.Follow(ctx, "", func(Event) {})
	if err == nil || !strings.Contains(err.Error(), "StartLiveTail") {
		t.Errorf("follow against moto: %v", err)
	}
	t.Logf("moto and StartLiveTail: %v", err)
}

func TestGroupARN(t *testing.T) {
	r := &Reader{}
	r.role.Partition, r.role.AccountID = "aws", "123456789012"
	got := r.groupARN(outputs.LogGroup{Region: "eu-west-1", Name: "/aws/lambda/f"})
	if got != "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/f" {
		t.Fatal(got)
	}
}
