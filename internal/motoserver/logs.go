package motoserver

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// WriteLogs writes lines into the log group of moto at endpoint as Lambda would, one second
// apart from at, in one log stream of that day; the group is created first. It uses this
// process's AWS configuration (see UseTestCredentials).
func WriteLogs(t testing.TB, endpoint, region, group string, at time.Time, lines ...string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		t.Fatal(err)
	}
	c := cloudwatchlogs.NewFromConfig(cfg, func(o *cloudwatchlogs.Options) { o.BaseEndpoint = aws.String(endpoint) })
	stream := at.UTC().Format("2006/01/02") + "/[$LATEST]0123456789abcdef"
	if _, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream)}); err != nil {
		t.Fatal(err)
	}
	events := make([]types.InputLogEvent, 0, len(lines))
	for i, l := range lines {
		events = append(events, types.InputLogEvent{Message: aws.String(l), Timestamp: aws.Int64(at.Add(time.Duration(i) * time.Second).UnixMilli())})
	}
	if _, err := c.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(group), LogStreamName: aws.String(stream), LogEvents: events}); err != nil {
		t.Fatal(err)
	}
}
