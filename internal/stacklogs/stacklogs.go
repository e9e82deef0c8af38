// Package stacklogs reads a stack's CloudWatch logs as its team: with the stack's read-only logs
// role (assumed with the caller's own AWS credentials), FilterLogEvents over a time window, or
// StartLiveTail to follow, across every log group and region of the stack.
package stacklogs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/spec3/lambdastack/internal/outputs"
)

// SessionName names the role session in CloudTrail.
const SessionName = "lambdastack-logs"

// Event is one log line.
type Event struct {
	Time    time.Time
	Region  string
	Group   string
	Stream  string
	Message string
}

// Reader reads the log groups of one stack with its logs role.
type Reader struct {
	role   arn.ARN
	groups []outputs.LogGroup
	base   aws.Config
	creds  aws.CredentialsProvider
	// endpoint, when set, is used for STS and CloudWatch Logs (a local test server).
	endpoint string
}

// New loads the caller's AWS configuration (AWS_PROFILE, SSO, ...) and prepares to assume the
// logs role of o. endpoint is for tests ("" for AWS).
func New(ctx context.Context, o outputs.Outputs, endpoint string) (*Reader, error) {
	if err := o.ForLogs(); err != nil {
		return nil, err
	}
	role, err := arn.Parse(o.LogsRoleARN)
	if err != nil {
		return nil, fmt.Errorf("ConfigMap %s: key %s: %w", o.Source, outputs.KeyLogsRoleARN, err)
	}
	base, err := config.LoadDefaultConfig(ctx, config.WithRegion(o.LogGroups[0].Region))
	if err != nil {
		return nil, fmt.Errorf("loading your AWS configuration: %w", err)
	}
	r := &Reader{role: role, groups: o.LogGroups, base: base, endpoint: endpoint}
	stsClient := sts.NewFromConfig(base, func(so *sts.Options) { r.at(&so.BaseEndpoint) })
	r.creds = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsClient, o.LogsRoleARN, func(ao *stscreds.AssumeRoleOptions) {
		ao.RoleSessionName = SessionName
	}))
	if _, err := r.creds.Retrieve(ctx); err != nil {
		return nil, assumeError(o.LogsRoleARN, err)
	}
	return r, nil
}

func (r *Reader) at(endpoint **string) {
	if r.endpoint != "" {
		*endpoint = aws.String(r.endpoint)
	}
}

// client is a CloudWatch Logs client in region with the role's credentials.
func (r *Reader) client(region string) *cloudwatchlogs.Client {
	return cloudwatchlogs.NewFromConfig(r.base, func(o *cloudwatchlogs.Options) {
		o.Region = region
		o.Credentials = r.creds
		if r.endpoint != "" {
			o.BaseEndpoint = aws.String(r.endpoint)
			o.APIOptions = append(o.APIOptions, keepHost)
		}
	})
}

// keepHost keeps a local endpoint's host as it is: AWS serves StartLiveTail under the host
// prefix "streaming-", which a local test server's address does not have.
func keepHost(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("KeepLocalHost",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), middleware.Before)
}

// Recent returns the events of every log group since the given time, matching filter (a
// CloudWatch Logs filter pattern, "" for all), oldest first.
func (r *Reader) Recent(ctx context.Context, since time.Time, filter string) ([]Event, error) {
	var events []Event
	for _, g := range r.groups {
		in := &cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String(g.Name), StartTime: aws.Int64(since.UnixMilli())}
		if filter != "" {
			in.FilterPattern = aws.String(filter)
		}
		pages := cloudwatchlogs.NewFilterLogEventsPaginator(r.client(g.Region), in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, logsError(g, err)
			}
			for _, e := range page.Events {
				events = append(events, Event{Time: time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(), Region: g.Region, Group: g.Name, Stream: aws.ToString(e.LogStreamName), Message: aws.ToString(e.Message)})
			}
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
	return events, nil
}

// groupARN is the ARN StartLiveTail wants for a log group: in the role's partition and account.
func (r *Reader) groupARN(g outputs.LogGroup) string {
	return arn.ARN{Partition: r.role.Partition, Service: "logs", Region: g.Region, AccountID: r.role.AccountID, Resource: "log-group:" + g.Name}.String()
}

// byRegion groups the log groups per region (StartLiveTail takes the groups of one region).
func (r *Reader) byRegion() (regions []string, groups map[string][]outputs.LogGroup) {
	groups = map[string][]outputs.LogGroup{}
	for _, g := range r.groups {
		if len(groups[g.Region]) == 0 {
			regions = append(regions, g.Region)
		}
		groups[g.Region] = append(groups[g.Region], g)
	}
	return regions, groups
}

// assumeError says who decides about the role when AWS refuses it.
func assumeError(role string, err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (apiErr.ErrorCode() == "AccessDenied" || strings.Contains(apiErr.ErrorCode(), "AccessDenied")) {
		return fmt.Errorf("your AWS identity may not assume the stack's logs role %s: the stage's EnvironmentConfig names who may (docs/app-teams.md): %w", role, err)
	}
	return fmt.Errorf("assuming the stack's logs role %s with your AWS credentials (AWS_PROFILE, aws sso login): %w", role, err)
}

func logsError(g outputs.LogGroup, err error) error {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "ResourceNotFoundException" {
		return fmt.Errorf("log group %s (%s) does not exist yet: the function writes it on its first invocation: %w", g.Name, g.Region, err)
	}
	return fmt.Errorf("reading log group %s (%s): %w", g.Name, g.Region, err)
}
