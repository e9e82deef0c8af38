package stacklogs

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"golang.org/x/sync/errgroup"

	"github.com/spec3/lambdastack/internal/outputs"
)

// Follow streams new events of every log group with StartLiveTail (one session per region)
// until ctx ends, calling emit for each. emit is called from one goroutine at a time.
func (r *Reader) Follow(ctx context.Context, filter string, emit func(Event)) error {
	regions, groups := r.byRegion()
	events := make(chan Event)
	g, ctx := errgroup.WithContext(ctx)
	for _, region := range regions {
		g.Go(func() error { return r.tail(ctx, region, groups[region], filter, events) })
	}
	done := make(chan error, 1)
	go func() { done <- g.Wait(); close(events) }()
	for e := range events {
		emit(e)
	}
	err := <-done
	if ctx.Err() != nil && err == ctx.Err() {
		return nil
	}
	return err
}

// tail runs one live tail session for the log groups of one region.
func (r *Reader) tail(ctx context.Context, region string, groups []outputs.LogGroup, filter string, out chan<- Event) error {
	in := &cloudwatchlogs.StartLiveTailInput{}
	names := map[string]string{}
	for _, g := range groups {
		a := r.groupARN(g)
		in.LogGroupIdentifiers = append(in.LogGroupIdentifiers, a)
		names[a] = g.Name
	}
	if filter != "" {
		in.LogEventFilterPattern = aws.String(filter)
	}
	resp, err := r.client(region).StartLiveTail(ctx, in)
	if err != nil {
		return fmt.Errorf("following the logs in %s (StartLiveTail): %w", region, err)
	}
	stream := resp.GetStream()
	defer stream.Close()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-stream.Events():
			if !ok {
				if err := stream.Err(); err != nil {
					return fmt.Errorf("the live tail in %s ended: %w", region, err)
				}
				return nil
			}
			update, isUpdate := ev.(*types.StartLiveTailResponseStreamMemberSessionUpdate)
			if !isUpdate {
				continue // the session start
			}
			for _, e := range update.Value.SessionResults {
				group := names[aws.ToString(e.LogGroupIdentifier)]
				if group == "" {
					group = aws.ToString(e.LogGroupIdentifier)
				}
				select {
				case out <- Event{Time: time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(), Region: region, Group: group, Stream: aws.ToString(e.LogStreamName), Message: aws.ToString(e.Message)}:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
	}
}
