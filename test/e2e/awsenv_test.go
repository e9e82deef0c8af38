//go:build e2e

package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/spec3/lambdastack/internal/bundle"
	"github.com/spec3/lambdastack/internal/providerconfigs"
)

// The local AWS of make e2e-aws: moto (with LambdaStack's extension) on E2E_MOTO_URL, reached
// by the real provider through the ProviderConfigs below and by this suite with the same
// identities. Accounts work as in AWS: each stage's ProviderConfig assumes the deployment role
// of the stage's account (examples/providerconfigs.yaml), and moto keeps every account apart.

// Services the ProviderConfigs send to moto: every service provider-aws calls for the composed
// kinds (and STS, which it calls to assume the role and learn the account).
var motoServices = []string{"acm", "apigatewayv2", "budgets", "cloudwatch", "ec2", "iam", "kms", "lambda", "logs",
	"route53", "s3", "scheduler", "secretsmanager", "sns", "sqs", "sts"}

const (
	localCredentialsSecret = "aws-local-credentials"
	// the key the suite and the ProviderConfigs use: moto accepts any
	localAccessKey = "AKIALAMBDASTACKLOCAL"
	localSecretKey = "lambdastack-local-aws"
)

// awsEnv is the suite's view of the local AWS.
type awsEnv struct {
	endpoint string
	base     aws.Config
	mu       sync.Mutex
	roles    map[string]string // account -> role ARN the suite assumes there
	// pcAccount: the account of each ProviderConfig, by "<namespace>/<name>" ("/<name>": cluster)
	pcAccount map[string]string
	// subst replaces the examples' made-up IDs by the local AWS's (EnvironmentConfigs, requests,
	// expectations): old, new, old, new, …
	subst []string
}

func newAWSEnv(ctx context.Context, t *testing.T, endpoint string) *awsEnv {
	t.Helper()
	base, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"), config.WithBaseEndpoint(endpoint),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(localAccessKey, localSecretKey, "")),
		config.WithSharedConfigFiles(nil), config.WithSharedCredentialsFiles(nil))
	if err != nil {
		t.Fatal(err)
	}
	// every call of the suite says so, for moto's call log (the provider's calls do not)
	base.APIOptions = append(base.APIOptions, smithyhttp.AddHeaderValue("X-Lambdastack-Caller", suiteCaller))
	return &awsEnv{endpoint: endpoint, base: base, roles: map[string]string{}, pcAccount: map[string]string{}}
}

// cfg is the configuration for account and region: the account's role assumed through STS.
func (e *awsEnv) cfg(account, region string) aws.Config {
	c := e.base.Copy()
	c.Region = region
	role := e.roles[account]
	if role == "" {
		role = "arn:aws:iam::" + account + ":role/lambdastack-e2e-platform"
	}
	c.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(e.base), role,
		func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "lambdastack-e2e" }))
	return c
}

// providerConfigs turns examples/providerconfigs.yaml into the platform's ProviderConfigs for the
// local AWS (internal/providerconfigs): the same names, namespaces and roles to assume;
// credentials from a Secret (the local key) instead of IRSA, and moto as the endpoint of every
// service. It records the account of each for the suite's own calls and returns the manifests
// (with the Secrets).
func (e *awsEnv) providerConfigs(t *testing.T, root string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "examples", "providerconfigs.yaml"))
	must(t, "examples/providerconfigs.yaml", err)
	creds := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", localAccessKey, localSecretKey)
	out, configs, err := providerconfigs.Rewrite(raw, providerconfigs.Options{SecretName: localCredentialsSecret, SecretKey: "credentials",
		Credentials: func(string) (string, error) { return creds, nil }, Endpoint: e.endpoint, Services: motoServices})
	must(t, "the ProviderConfigs for the local AWS", err)
	for _, c := range configs {
		e.pcAccount[c.Key] = c.Account
		if _, ok := e.roles[c.Account]; !ok {
			e.roles[c.Account] = c.Role
		}
	}
	return out
}

// replace applies the substitutions to s.
func (e *awsEnv) replace(s string) string {
	if len(e.subst) == 0 {
		return s
	}
	return strings.NewReplacer(e.subst...).Replace(s)
}

func (e *awsEnv) substitute(old, new string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.subst = append(e.subst, old, new)
}

// platformAWS creates what the platform and the teams own in their accounts before any request
// (the examples name them): the code bucket with the examples' bundle in every stage account;
// staging's layer, KMS key and upstream secret; prod's VPC, security group, KMS key, upstream
// secret, managed policies, alarm topic, hosted zone and the log archive account's destinations;
// qa's VPC and authorizer function. Where AWS makes up the ID (VPCs, subnets, security groups,
// KMS keys, secret suffixes, hosted zones) the examples' IDs are substituted by the local ones.
func (e *awsEnv) platformAWS(ctx context.Context, t *testing.T, root string) {
	t.Helper()
	b, err := bundle.Build(bundle.Options{Dir: filepath.Join(root, "examples", "lambda")})
	if err != nil {
		t.Fatalf("bundle of examples/lambda: %v", err)
	}
	const bucket, prefix = "spec3-lambdastack-artifacts", "mcp-server"
	stages := []struct{ account, region string }{
		{"111111111111", "us-east-1"}, {"222222222222", "eu-west-1"}, {"333333333333", "eu-central-1"}, {"444444444444", "eu-west-2"},
	}
	// Bucket names are global (in AWS and in moto), and every example names the same bucket: it is
	// made once, in dev's account. moto's Lambda reads code from a bucket of any account and region
	// (AWS needs one in the function's region, readable by the account: make uptest's
	// example-region.sh); that is a shortcut of the local AWS, not something the read-back proves.
	{
		s := stages[0]
		cli := s3.NewFromConfig(e.cfg(s.account, s.region), func(o *s3.Options) { o.UsePathStyle = true })
		must(t, "s3 CreateBucket in "+s.account, err2(cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)})))
		pub, err := bundle.Publish(ctx, cli, b, bucket, prefix)
		must(t, "publishing the bundle in "+s.account, err)
		t.Logf("platform AWS %s/%s: s3://%s/%s", s.account, s.region, bucket, pub.Code.Key)
	}

	// the accounts teams share (dev, prod): the owner boundary every execution role gets
	// (docs/iam/owner-boundary.json, which the platform creates once per account)
	boundary, err := os.ReadFile(filepath.Join(root, "docs", "iam", "owner-boundary.json"))
	must(t, "docs/iam/owner-boundary.json", err)
	for _, s := range []struct{ account, region string }{{"111111111111", "us-east-1"}, {"333333333333", "eu-central-1"}} {
		must(t, "CreatePolicy lambdastack-owner-boundary in "+s.account, err2(iam.NewFromConfig(e.cfg(s.account, s.region)).CreatePolicy(ctx, &iam.CreatePolicyInput{
			PolicyName: aws.String("lambdastack-owner-boundary"), Path: aws.String("/platform/"), PolicyDocument: aws.String(string(boundary))})))
	}

	// staging (222222222222, eu-west-1)
	stg := e.cfg("222222222222", "eu-west-1")
	zipped := tinyZip(t)
	lm := lambda.NewFromConfig(stg)
	for i := 0; i < 4; i++ { // the examples use version 4 of the team's layer
		must(t, "PublishLayerVersion", err2(lm.PublishLayerVersion(ctx, &lambda.PublishLayerVersionInput{LayerName: aws.String("mcp-shared-deps"),
			Content: &lambdatypes.LayerVersionContentInput{ZipFile: zipped}, CompatibleRuntimes: []lambdatypes.Runtime{lambdatypes.RuntimePython312}})))
	}
	e.kmsKey(ctx, t, stg, "arn:aws:kms:eu-west-1:222222222222:key/5678abcd-56ab-78cd-90ef-5678901234ab")
	e.secret(ctx, t, stg, "staging/mcp/upstream-token", "arn:aws:secretsmanager:eu-west-1:222222222222:secret:staging/mcp/upstream-token-AbCdEf")

	// prod (333333333333, eu-central-1)
	prod := e.cfg("333333333333", "eu-central-1")
	e.vpc(ctx, t, prod, "10.30.0.0/16", "", map[string]string{"10.30.1.0/24": "subnet-0a1b2c3d4e5f60718", "10.30.2.0/24": "subnet-0b1c2d3e4f5a60719"}, "sg-0c1d2e3f4a5b60710")
	e.kmsKey(ctx, t, prod, "arn:aws:kms:eu-central-1:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
	e.secret(ctx, t, prod, "team-mcp-prod/upstream-token", "arn:aws:secretsmanager:eu-central-1:333333333333:secret:team-mcp-prod/upstream-token-XyZ123")
	im := iam.NewFromConfig(prod)
	for _, p := range []string{"mcp-upstream-read", "lambda-workload-boundary"} {
		must(t, "CreatePolicy "+p, err2(im.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(p), Path: aws.String("/platform/"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)})))
	}
	must(t, "CreateTopic platform-alarms", err2(sns.NewFromConfig(prod).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("platform-alarms")})))
	zone, err := route53.NewFromConfig(prod).CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("api.spec3.example"), CallerReference: aws.String("lambdastack-e2e")})
	must(t, "CreateHostedZone api.spec3.example", err)
	e.substitute("Z0415938AB12CDEF34GH5", strings.TrimPrefix(aws.ToString(zone.HostedZone.Id), "/hostedzone/"))

	// qa (444444444444, eu-west-2): its VPC and the platform's authorizer function
	qa := e.cfg("444444444444", "eu-west-2")
	e.vpc(ctx, t, qa, "10.40.0.0/16", "vpc-0e1f2a3b4c5d60712", map[string]string{"10.40.1.0/24": "subnet-0d1e2f3a4b5c60711"}, "")
	qaIAM := iam.NewFromConfig(qa)
	role, err := qaIAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("platform-qa-authorizer"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	must(t, "CreateRole platform-qa-authorizer", err)
	ql := lambda.NewFromConfig(qa)
	_, err = ql.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("platform-qa-authorizer"), Runtime: lambdatypes.RuntimePython312,
		Handler: aws.String("index.handler"), Role: role.Role.Arn, Code: &lambdatypes.FunctionCode{ZipFile: zipped}, Publish: true})
	must(t, "CreateFunction platform-qa-authorizer", err)
	must(t, "CreateAlias live", err2(ql.CreateAlias(ctx, &lambda.CreateAliasInput{FunctionName: aws.String("platform-qa-authorizer"), Name: aws.String("live"), FunctionVersion: aws.String("1")})))

	// the log archive account's destination in each region prod sends logs to (its centralLogs)
	for _, region := range []string{"eu-central-1", "eu-west-1"} {
		arc := e.cfg("555555555555", region)
		must(t, "PutDestination central-logs in "+region, err2(cloudwatchlogs.NewFromConfig(arc).PutDestination(ctx, &cloudwatchlogs.PutDestinationInput{
			DestinationName: aws.String("central-logs"), RoleArn: aws.String("arn:aws:iam::555555555555:role/central-logs-delivery"),
			TargetArn: aws.String("arn:aws:kinesis:" + region + ":555555555555:stream/central-logs")})))
	}
	t.Logf("platform AWS: %d IDs of the examples substituted by the local AWS's", len(e.subst)/2)
}

func (e *awsEnv) kmsKey(ctx context.Context, t *testing.T, cfg aws.Config, exampleARN string) {
	t.Helper()
	k, err := kms.NewFromConfig(cfg).CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("lambdastack e2e: " + exampleARN)})
	must(t, "kms CreateKey", err)
	// the key ID, so that the grants of the EnvironmentConfigs (arn:…:{account}:key/<id>) follow
	_, exampleID, _ := strings.Cut(exampleARN, ":key/")
	e.substitute(exampleID, aws.ToString(k.KeyMetadata.KeyId))
}

func (e *awsEnv) secret(ctx context.Context, t *testing.T, cfg aws.Config, name, exampleARN string) {
	t.Helper()
	s, err := secretsmanager.NewFromConfig(cfg).CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String("e2e-not-a-real-token")})
	must(t, "CreateSecret "+name, err)
	e.substitute(exampleARN, aws.ToString(s.ARN))
}

// vpc creates a VPC (its example ID exampleVPC, if any), a subnet per CIDR (example IDs as
// values) and a security group (exampleSG, if any) and substitutes the IDs.
func (e *awsEnv) vpc(ctx context.Context, t *testing.T, cfg aws.Config, cidr, exampleVPC string, subnets map[string]string, exampleSG string) {
	t.Helper()
	c := ec2.NewFromConfig(cfg)
	v, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	must(t, "CreateVpc", err)
	vpcID := aws.ToString(v.Vpc.VpcId)
	if exampleVPC != "" {
		e.substitute(exampleVPC, vpcID)
	}
	zones := []string{"a", "b"}
	i := 0
	for sc, example := range subnets {
		s, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(sc), AvailabilityZone: aws.String(cfg.Region + zones[i%2])})
		must(t, "CreateSubnet", err)
		e.substitute(example, aws.ToString(s.Subnet.SubnetId))
		i++
	}
	if exampleSG != "" {
		sg, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("platform-lambda"), Description: aws.String("the platform's group for functions"),
			VpcId: aws.String(vpcID), TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup,
				Tags: []ec2types.Tag{{Key: aws.String("owner"), Value: aws.String("platform-team")}}}}})
		must(t, "CreateSecurityGroup", err)
		e.substitute(exampleSG, aws.ToString(sg.GroupId))
	}
}

// tinyZip is a one-file Lambda package for the platform's own functions and layers.
func tinyZip(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("index.py")
	must(t, "zip", err)
	_, _ = w.Write([]byte("def handler(event, context):\n    return {\"isAuthorized\": False}\n"))
	must(t, "zip", zw.Close())
	return b.Bytes()
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func err2[T any](_ T, err error) error { return err }

// writeSubstituted writes the files (relative to root) into dir with the substitutions applied
// and returns the paths written.
func (e *awsEnv) writeSubstituted(t *testing.T, root, dir string, files ...string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(root, f))
		must(t, "reading "+f, err)
		p := filepath.Join(dir, filepath.Base(f))
		must(t, "writing "+p, os.WriteFile(p, []byte(e.replace(string(raw))), 0o600))
		out = append(out, p)
	}
	return out
}
