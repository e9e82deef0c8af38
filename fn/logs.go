package fn

// KeyLogGroup is the key of the function's log group (per region: KeyLogGroup-<region>).
const KeyLogGroup = "log-group"

// logGroupName is the log group Lambda writes the function's logs to.
func (b *builder) logGroupName() string {
	return "/aws/lambda/" + b.functionName()
}

// logGroups composes the function's log group in every region, with the stage's retention, so
// Lambda does not create one with infinite retention on first invocation.
func (b *builder) logGroups() {
	b.regional(func(region, suffix string) {
		b.add(b.managed(KeyLogGroup+suffix, "cloudwatchlogs", "Group",
			mrOpts{externalName: b.logGroupName(), region: region, taggable: true, stateful: true},
			map[string]any{"retentionInDays": b.s.Function.LogRetentionDays}))
	})
}
