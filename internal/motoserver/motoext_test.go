package motoserver_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	apigatewayv2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"
	"github.com/aws/aws-sdk-go-v2/service/budgets"
	budgetstypes "github.com/aws/aws-sdk-go-v2/service/budgets/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/smithy-go"

	"github.com/spec3/lambdastack/internal/motoserver"
)

// The extension is exercised with the aws-sdk-go-v2 clients provider-aws v2.5.0 is built with
// (go.mod pins the same versions), each call as the provider makes it. Plain moto is asked the
// first call of each gap too: when moto learns it, that subtest fails and the extension's part
// can go.

func awsConfig(t *testing.T, endpoint string) aws.Config {
	t.Helper()
	motoserver.UseTestCredentials(t)
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithBaseEndpoint(endpoint))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestExtensionFillsGaps(t *testing.T) {
	ctx := context.Background()
	plain := awsConfig(t, motoserver.Start(t))
	ext := awsConfig(t, motoserver.StartExtended(t))

	t.Run("moto alone lacks them", func(t *testing.T) {
		alarm := &cloudwatch.PutMetricAlarmInput{AlarmName: aws.String("x"), MetricName: aws.String("Errors"), Namespace: aws.String("AWS/Lambda"),
			Statistic: cwtypes.StatisticSum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1), Threshold: aws.Float64(1),
			ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold}
		if _, err := cloudwatch.NewFromConfig(plain).PutMetricAlarm(ctx, alarm); err == nil {
			t.Error("moto answers CloudWatch over Smithy RPC v2 CBOR now: drop motoext/cloudwatch_cbor.py")
		}
		if _, err := budgets.NewFromConfig(plain).ListTagsForResource(ctx, &budgets.ListTagsForResourceInput{
			ResourceARN: aws.String("arn:aws:budgets::123456789012:budget/x")}); err == nil || isCode(err, "NotFoundException") {
			t.Errorf("moto answers Budgets ListTagsForResource now (%v): drop it from motoext/budgets.py", err)
		}
		if _, err := lambda.NewFromConfig(plain).GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{
			FunctionName: aws.String("x"), Qualifier: aws.String("live")}); err == nil || isCode(err, "ResourceNotFoundException", "ProvisionedConcurrencyConfigNotFoundException") {
			t.Errorf("moto routes provisioned concurrency now (%v): drop motoext/lambda_pc.py", err)
		}
	})

	t.Run("cloudwatch", func(t *testing.T) {
		cw := cloudwatch.NewFromConfig(ext)
		_, err := cw.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
			AlarmName: aws.String("team_dev-app-errors"), MetricName: aws.String("Errors"), Namespace: aws.String("AWS/Lambda"),
			Statistic: cwtypes.StatisticSum, Period: aws.Int32(300), EvaluationPeriods: aws.Int32(2), Threshold: aws.Float64(3),
			ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold,
			Dimensions:         []cwtypes.Dimension{{Name: aws.String("FunctionName"), Value: aws.String("team_dev-app")}},
			AlarmActions:       []string{"arn:aws:sns:us-east-1:123456789012:alarms"},
			Tags:               []cwtypes.Tag{{Key: aws.String("lambdastack:stage"), Value: aws.String("dev")}},
		})
		if err != nil {
			t.Fatalf("PutMetricAlarm: %v", err)
		}
		out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"team_dev-app-errors"}})
		if err != nil {
			t.Fatalf("DescribeAlarms: %v", err)
		}
		if len(out.MetricAlarms) != 1 {
			t.Fatalf("DescribeAlarms: %d alarms, want 1", len(out.MetricAlarms))
		}
		a := out.MetricAlarms[0]
		if aws.ToFloat64(a.Threshold) != 3 || aws.ToInt32(a.EvaluationPeriods) != 2 || a.ComparisonOperator != cwtypes.ComparisonOperatorGreaterThanOrEqualToThreshold ||
			len(a.AlarmActions) != 1 || a.AlarmActions[0] != "arn:aws:sns:us-east-1:123456789012:alarms" || len(a.Dimensions) != 1 ||
			a.AlarmConfigurationUpdatedTimestamp == nil || a.AlarmArn == nil {
			t.Errorf("alarm read back: %+v", a)
		}
		tags, err := cw.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: a.AlarmArn})
		if err != nil || len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Value) != "dev" {
			t.Errorf("ListTagsForResource: %v %+v", err, tags)
		}
		if _, err := cw.PutDashboard(ctx, &cloudwatch.PutDashboardInput{DashboardName: aws.String("team_dev-app"), DashboardBody: aws.String(`{"widgets":[]}`)}); err != nil {
			t.Fatalf("PutDashboard: %v", err)
		}
		d, err := cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String("team_dev-app")})
		if err != nil || aws.ToString(d.DashboardBody) != `{"widgets":[]}` {
			t.Errorf("GetDashboard: %v %+v", err, d)
		}
		// provider-aws tells a missing dashboard by the error code (the query-compatible one)
		if _, err := cw.GetDashboard(ctx, &cloudwatch.GetDashboardInput{DashboardName: aws.String("none")}); !isCode(err, "ResourceNotFound") {
			t.Errorf("GetDashboard of a missing dashboard: %v, want error code ResourceNotFound", err)
		}
		if _, err := cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"team_dev-app-errors"}}); err != nil {
			t.Fatalf("DeleteAlarms: %v", err)
		}
		if out, err := cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"team_dev-app-errors"}}); err != nil || len(out.MetricAlarms) != 0 {
			t.Errorf("after DeleteAlarms: %v %d alarms", err, len(out.MetricAlarms))
		}
	})

	t.Run("budgets", func(t *testing.T) {
		b := budgets.NewFromConfig(ext)
		account, name := "123456789012", "team_prod-app"
		n := &budgetstypes.Notification{NotificationType: budgetstypes.NotificationTypeActual, ComparisonOperator: budgetstypes.ComparisonOperatorGreaterThan,
			Threshold: 80, ThresholdType: budgetstypes.ThresholdTypePercentage}
		sub := budgetstypes.Subscriber{SubscriptionType: budgetstypes.SubscriptionTypeSns, Address: aws.String("arn:aws:sns:us-east-1:123456789012:alarms")}
		_, err := b.CreateBudget(ctx, &budgets.CreateBudgetInput{AccountId: aws.String(account),
			Budget: &budgetstypes.Budget{BudgetName: aws.String(name), BudgetType: budgetstypes.BudgetTypeCost, TimeUnit: budgetstypes.TimeUnitMonthly,
				BudgetLimit: &budgetstypes.Spend{Amount: aws.String("300"), Unit: aws.String("USD")}},
			NotificationsWithSubscribers: []budgetstypes.NotificationWithSubscribers{{Notification: n, Subscribers: []budgetstypes.Subscriber{sub}}},
			ResourceTags:                 []budgetstypes.ResourceTag{{Key: aws.String("lambdastack:stage"), Value: aws.String("prod")}},
		})
		if err != nil {
			t.Fatalf("CreateBudget: %v", err)
		}
		subs, err := b.DescribeSubscribersForNotification(ctx, &budgets.DescribeSubscribersForNotificationInput{AccountId: aws.String(account), BudgetName: aws.String(name), Notification: n})
		if err != nil || len(subs.Subscribers) != 1 || aws.ToString(subs.Subscribers[0].Address) != aws.ToString(sub.Address) {
			t.Errorf("DescribeSubscribersForNotification: %v %+v", err, subs)
		}
		arn := aws.String("arn:aws:budgets::" + account + ":budget/" + name)
		if _, err := b.TagResource(ctx, &budgets.TagResourceInput{ResourceARN: arn, ResourceTags: []budgetstypes.ResourceTag{{Key: aws.String("team"), Value: aws.String("mcp")}}}); err != nil {
			t.Fatalf("TagResource: %v", err)
		}
		if _, err := b.UntagResource(ctx, &budgets.UntagResourceInput{ResourceARN: arn, ResourceTagKeys: []string{"lambdastack:stage"}}); err != nil {
			t.Fatalf("UntagResource: %v", err)
		}
		tags, err := b.ListTagsForResource(ctx, &budgets.ListTagsForResourceInput{ResourceARN: arn})
		if err != nil || len(tags.ResourceTags) != 1 || aws.ToString(tags.ResourceTags[0].Key) != "team" {
			t.Errorf("ListTagsForResource: %v %+v", err, tags)
		}
		_, err = b.UpdateBudget(ctx, &budgets.UpdateBudgetInput{AccountId: aws.String(account), NewBudget: &budgetstypes.Budget{BudgetName: aws.String(name),
			BudgetType: budgetstypes.BudgetTypeCost, TimeUnit: budgetstypes.TimeUnitMonthly, BudgetLimit: &budgetstypes.Spend{Amount: aws.String("500"), Unit: aws.String("USD")}}})
		if err != nil {
			t.Fatalf("UpdateBudget: %v", err)
		}
		got, err := b.DescribeBudget(ctx, &budgets.DescribeBudgetInput{AccountId: aws.String(account), BudgetName: aws.String(name)})
		if err != nil || aws.ToString(got.Budget.BudgetLimit.Amount) != "500" {
			t.Errorf("DescribeBudget after UpdateBudget: %v %+v", err, got)
		}
		var nf *budgetstypes.NotFoundException
		if _, err := b.DescribeSubscribersForNotification(ctx, &budgets.DescribeSubscribersForNotificationInput{AccountId: aws.String(account), BudgetName: aws.String("none"), Notification: n}); !errors.As(err, &nf) {
			t.Errorf("subscribers of a missing budget: %v, want NotFoundException", err)
		}
	})

	t.Run("lambda provisioned concurrency", func(t *testing.T) {
		// moto's Lambda requires a role Lambda may assume (createFunction makes one)
		l := createFunction(ctx, t, ext, &lambda.CreateFunctionInput{FunctionName: aws.String("team_prod-app"), Publish: true})
		if _, err := l.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("team_prod-app"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
			t.Fatalf("CreateAlias: %v", err)
		}
		put, err := l.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("team_prod-app"),
			Qualifier: aws.String("live"), ProvisionedConcurrentExecutions: aws.Int32(5)})
		if err != nil || put.Status != lambdatypes.ProvisionedConcurrencyStatusEnumReady || aws.ToInt32(put.RequestedProvisionedConcurrentExecutions) != 5 {
			t.Fatalf("PutProvisionedConcurrencyConfig: %v %+v", err, put)
		}
		got, err := l.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("team_prod-app"), Qualifier: aws.String("live")})
		if err != nil || got.Status != lambdatypes.ProvisionedConcurrencyStatusEnumReady || aws.ToInt32(got.AllocatedProvisionedConcurrentExecutions) != 5 {
			t.Errorf("GetProvisionedConcurrencyConfig: %v %+v", err, got)
		}
		var notFound *lambdatypes.ResourceNotFoundException
		if _, err := l.PutProvisionedConcurrencyConfig(ctx, &lambda.PutProvisionedConcurrencyConfigInput{FunctionName: aws.String("team_prod-app"),
			Qualifier: aws.String("nope"), ProvisionedConcurrentExecutions: aws.Int32(1)}); !errors.As(err, &notFound) {
			t.Errorf("a missing alias: %v, want ResourceNotFoundException", err)
		}
		if _, err := l.DeleteProvisionedConcurrencyConfig(ctx, &lambda.DeleteProvisionedConcurrencyConfigInput{FunctionName: aws.String("team_prod-app"), Qualifier: aws.String("live")}); err != nil {
			t.Fatalf("DeleteProvisionedConcurrencyConfig: %v", err)
		}
		var gone *lambdatypes.ProvisionedConcurrencyConfigNotFoundException
		if _, err := l.GetProvisionedConcurrencyConfig(ctx, &lambda.GetProvisionedConcurrencyConfigInput{FunctionName: aws.String("team_prod-app"), Qualifier: aws.String("live")}); !errors.As(err, &gone) {
			t.Errorf("after delete: %v, want ProvisionedConcurrencyConfigNotFoundException", err)
		}
	})

	t.Run("apigatewayv2 updates and tags", func(t *testing.T) {
		g := apigatewayv2.NewFromConfig(ext)
		api, err := g.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("team_dev-app"), ProtocolType: "HTTP"})
		if err != nil {
			t.Fatalf("CreateApi: %v", err)
		}
		if _, err := g.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), AutoDeploy: aws.Bool(true)}); err != nil {
			t.Fatalf("CreateStage: %v", err)
		}
		if _, err := g.UpdateStage(ctx, &apigatewayv2.UpdateStageInput{ApiId: api.ApiId, StageName: aws.String("$default"), Description: aws.String("changed"),
			StageVariables: map[string]string{"v": "2"}}); err != nil {
			t.Fatalf("UpdateStage: %v", err)
		}
		stageARN := "arn:aws:apigateway:us-east-1::/apis/" + aws.ToString(api.ApiId) + "/stages/$default"
		if _, err := g.TagResource(ctx, &apigatewayv2.TagResourceInput{ResourceArn: aws.String(stageARN), Tags: map[string]string{"team": "mcp"}}); err != nil {
			t.Fatalf("TagResource (stage): %v", err)
		}
		st, err := g.GetStage(ctx, &apigatewayv2.GetStageInput{ApiId: api.ApiId, StageName: aws.String("$default")})
		if err != nil || aws.ToString(st.Description) != "changed" || st.StageVariables["v"] != "2" || st.Tags["team"] != "mcp" || !aws.ToBool(st.AutoDeploy) {
			t.Errorf("GetStage after UpdateStage and TagResource: %v %+v", err, st)
		}
		cert := func(n string) []apigatewayv2types.DomainNameConfiguration {
			return []apigatewayv2types.DomainNameConfiguration{{CertificateArn: aws.String("arn:aws:acm:us-east-1:123456789012:certificate/" + n),
				EndpointType: apigatewayv2types.EndpointTypeRegional, SecurityPolicy: apigatewayv2types.SecurityPolicyTls12}}
		}
		if _, err := g.CreateDomainName(ctx, &apigatewayv2.CreateDomainNameInput{DomainName: aws.String("app.example.com"), DomainNameConfigurations: cert("a")}); err != nil {
			t.Fatalf("CreateDomainName: %v", err)
		}
		if _, err := g.UpdateDomainName(ctx, &apigatewayv2.UpdateDomainNameInput{DomainName: aws.String("app.example.com"), DomainNameConfigurations: cert("b")}); err != nil {
			t.Fatalf("UpdateDomainName: %v", err)
		}
		dn, err := g.GetDomainName(ctx, &apigatewayv2.GetDomainNameInput{DomainName: aws.String("app.example.com")})
		if err != nil || len(dn.DomainNameConfigurations) != 1 || aws.ToString(dn.DomainNameConfigurations[0].CertificateArn) != "arn:aws:acm:us-east-1:123456789012:certificate/b" {
			t.Fatalf("GetDomainName after UpdateDomainName: %v %+v", err, dn)
		}
		// what AWS reports for a regional custom domain: the alias target and its zone
		c := dn.DomainNameConfigurations[0]
		if !strings.HasSuffix(aws.ToString(c.ApiGatewayDomainName), ".execute-api.us-east-1.amazonaws.com") || aws.ToString(c.HostedZoneId) != "Z1UJRXOUMOOFQ8" ||
			c.DomainNameStatus != apigatewayv2types.DomainNameStatusAvailable {
			t.Errorf("domain name configuration %+v: want the regional endpoint's target, zone and AVAILABLE", c)
		}
		m, err := g.CreateApiMapping(ctx, &apigatewayv2.CreateApiMappingInput{DomainName: aws.String("app.example.com"), ApiId: api.ApiId, Stage: aws.String("$default")})
		if err != nil {
			t.Fatalf("CreateApiMapping: %v", err)
		}
		if _, err := g.UpdateApiMapping(ctx, &apigatewayv2.UpdateApiMappingInput{DomainName: aws.String("app.example.com"), ApiMappingId: m.ApiMappingId,
			ApiId: api.ApiId, ApiMappingKey: aws.String("v2")}); err != nil {
			t.Fatalf("UpdateApiMapping: %v", err)
		}
		gm, err := g.GetApiMapping(ctx, &apigatewayv2.GetApiMappingInput{DomainName: aws.String("app.example.com"), ApiMappingId: m.ApiMappingId})
		if err != nil || aws.ToString(gm.ApiMappingKey) != "v2" || aws.ToString(gm.Stage) != "$default" {
			t.Errorf("GetApiMapping after UpdateApiMapping: %v %+v", err, gm)
		}
	})
}

func TestExtensionLogsDestination(t *testing.T) {
	ctx := context.Background()
	cfg := awsConfig(t, motoserver.StartExtended(t))
	logs := cloudwatchlogs.NewFromConfig(cfg)
	dest, err := logs.PutDestination(ctx, &cloudwatchlogs.PutDestinationInput{DestinationName: aws.String("central-logs"),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/delivery"), TargetArn: aws.String("arn:aws:kinesis:us-east-1:123456789012:stream/central")})
	if err != nil {
		t.Fatalf("PutDestination: %v", err)
	}
	if _, err := logs.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("/aws/lambda/team_prod-app")}); err != nil {
		t.Fatal(err)
	}
	if _, err := logs.PutSubscriptionFilter(ctx, &cloudwatchlogs.PutSubscriptionFilterInput{LogGroupName: aws.String("/aws/lambda/team_prod-app"),
		FilterName: aws.String("central-logs"), FilterPattern: aws.String(""), DestinationArn: dest.Destination.Arn}); err != nil {
		t.Fatalf("PutSubscriptionFilter to a Logs destination: %v", err)
	}
	out, err := logs.DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String("/aws/lambda/team_prod-app")})
	if err != nil || len(out.SubscriptionFilters) != 1 || aws.ToString(out.SubscriptionFilters[0].DestinationArn) != aws.ToString(dest.Destination.Arn) {
		t.Errorf("DescribeSubscriptionFilters: %v %+v", err, out)
	}
	var nf *cwltypes.ResourceNotFoundException
	if _, err := logs.PutSubscriptionFilter(ctx, &cloudwatchlogs.PutSubscriptionFilterInput{LogGroupName: aws.String("/aws/lambda/team_prod-app"),
		FilterName: aws.String("x"), FilterPattern: aws.String(""), DestinationArn: aws.String("arn:aws:logs:us-east-1:123456789012:destination:none")}); !errors.As(err, &nf) {
		t.Errorf("a destination that does not exist: %v, want ResourceNotFoundException", err)
	}
}

// TestExtensionHostedZoneIDs: a zone's ID has AWS's shape (Z, then upper-case letters and digits),
// which LambdaStack checks in an EnvironmentConfig; plain moto's rarely has.
func TestExtensionHostedZoneIDs(t *testing.T) {
	ctx := context.Background()
	zones := func(endpoint string) []string {
		r53 := route53.NewFromConfig(awsConfig(t, endpoint))
		var ids []string
		for i := 0; i < 8; i++ {
			out, err := r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(fmt.Sprintf("z%d.example", i)), CallerReference: aws.String(fmt.Sprint(i))})
			if err != nil {
				t.Fatalf("CreateHostedZone: %v", err)
			}
			ids = append(ids, strings.TrimPrefix(aws.ToString(out.HostedZone.Id), "/hostedzone/"))
		}
		return ids
	}
	awsShape := regexp.MustCompile(`^Z[A-Z0-9]+$`)
	plainShaped := 0
	for _, id := range zones(motoserver.Start(t)) {
		if awsShape.MatchString(id) {
			plainShaped++
		}
	}
	if plainShaped == 8 {
		t.Error("moto's hosted zone IDs have AWS's shape now: drop motoext/route53_ids.py")
	}
	for _, id := range zones(motoserver.StartExtended(t)) {
		if !awsShape.MatchString(id) {
			t.Errorf("hosted zone ID %q, want Z followed by upper-case letters and digits", id)
		}
	}
}

// TestExtensionLambdaKMSKey: a function's KMSKeyArn is kept and returned, as AWS does; plain moto
// drops it, so provider-aws updated and republished staging's function on every poll.
func TestExtensionLambdaKMSKey(t *testing.T) {
	ctx := context.Background()
	const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	kmsKey := func(endpoint string) (created, updated string) {
		cfg := awsConfig(t, endpoint)
		l := createFunction(ctx, t, cfg, &lambda.CreateFunctionInput{FunctionName: aws.String("team_staging-app"), KMSKeyArn: aws.String(key), Publish: true})
		got, err := l.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("team_staging-app")})
		if err != nil {
			t.Fatalf("GetFunction: %v", err)
		}
		created = aws.ToString(got.Configuration.KMSKeyArn)
		if _, err := l.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("team_staging-app"), KMSKeyArn: aws.String("")}); err != nil {
			t.Fatalf("UpdateFunctionConfiguration: %v", err)
		}
		cfgOut, err := l.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("team_staging-app")})
		if err != nil {
			t.Fatalf("GetFunctionConfiguration: %v", err)
		}
		return created, aws.ToString(cfgOut.KMSKeyArn)
	}
	if created, _ := kmsKey(motoserver.Start(t)); created == key {
		t.Error("moto keeps a function's KMSKeyArn now: drop motoext/lambda_config.py")
	}
	created, updated := kmsKey(motoserver.StartExtended(t))
	if created != key || updated != "" {
		t.Errorf("KMSKeyArn after create %q (want %q), after an update removing it %q (want none)", created, key, updated)
	}
}

// TestExtensionLambdaLoggingConfig: a function's LoggingConfig is kept and returned with AWS's
// defaults; plain moto drops it, so provider-aws updated dev's function (JSON logs at DEBUG) on
// every poll.
func TestExtensionLambdaLoggingConfig(t *testing.T) {
	ctx := context.Background()
	logging := func(endpoint string) (created, updated *lambdatypes.LoggingConfig) {
		cfg := awsConfig(t, endpoint)
		l := createFunction(ctx, t, cfg, &lambda.CreateFunctionInput{FunctionName: aws.String("team_dev-app"),
			LoggingConfig: &lambdatypes.LoggingConfig{LogFormat: lambdatypes.LogFormatJson, ApplicationLogLevel: lambdatypes.ApplicationLogLevelDebug}})
		got, err := l.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("team_dev-app")})
		if err != nil {
			t.Fatalf("GetFunction: %v", err)
		}
		if _, err := l.UpdateFunctionConfiguration(ctx, &lambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("team_dev-app"),
			LoggingConfig: &lambdatypes.LoggingConfig{LogFormat: lambdatypes.LogFormatText}}); err != nil {
			t.Fatalf("UpdateFunctionConfiguration: %v", err)
		}
		cfgOut, err := l.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String("team_dev-app")})
		if err != nil {
			t.Fatalf("GetFunctionConfiguration: %v", err)
		}
		return got.Configuration.LoggingConfig, cfgOut.LoggingConfig
	}
	if created, _ := logging(motoserver.Start(t)); created != nil {
		t.Error("moto keeps a function's LoggingConfig now: drop it from motoext/lambda_config.py")
	}
	created, updated := logging(motoserver.StartExtended(t))
	if created == nil || created.LogFormat != lambdatypes.LogFormatJson || created.ApplicationLogLevel != lambdatypes.ApplicationLogLevelDebug ||
		created.SystemLogLevel != lambdatypes.SystemLogLevelInfo || aws.ToString(created.LogGroup) != "/aws/lambda/team_dev-app" {
		t.Errorf("LoggingConfig after create: %+v, want JSON, DEBUG, system INFO, /aws/lambda/team_dev-app", created)
	}
	if updated == nil || updated.LogFormat != lambdatypes.LogFormatText || updated.ApplicationLogLevel != "" || aws.ToString(updated.LogGroup) != "/aws/lambda/team_dev-app" {
		t.Errorf("LoggingConfig after an update to Text: %+v", updated)
	}
}

// createFunction creates in's function (a Python handler) with a role of the same name, as a
// stack would; in names the function and sets what the test is about.
func createFunction(ctx context.Context, t *testing.T, cfg aws.Config, in *lambda.CreateFunctionInput) *lambda.Client {
	t.Helper()
	name := aws.ToString(in.FunctionName)
	if _, err := iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatalf("CreateRole: %v", err)
	}
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("index.py")
	_, _ = w.Write([]byte("def handler(e, c):\n    return e\n"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	in.Runtime, in.Handler = lambdatypes.RuntimePython312, aws.String("index.handler")
	in.Role = aws.String("arn:aws:iam::123456789012:role/" + name)
	in.Code = &lambdatypes.FunctionCode{ZipFile: zipped.Bytes()}
	l := lambda.NewFromConfig(cfg)
	if _, err := l.CreateFunction(ctx, in); err != nil {
		t.Fatalf("CreateFunction: %v", err)
	}
	return l
}

// isCode reports whether err is an API error with one of the codes.
func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}
