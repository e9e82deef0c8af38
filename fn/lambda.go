package fn

// KeyFunction is the key of the Lambda function (per region: KeyFunction-<region>).
const KeyFunction = "function"

// functionName is the AWS name of the function (the same in every region: Lambda names are
// regional).
func (b *builder) functionName() string {
	return b.name(maxFunctionName)
}

// lambda composes the function in every region of the stack.
func (b *builder) lambda() {
	b.regional(func(region, suffix string) {
		b.add(b.managed(KeyFunction+suffix, "lambda", "Function",
			mrOpts{externalName: b.functionName(), region: region, taggable: true},
			b.functionParameters(region)))
	})
}

func (b *builder) functionParameters(region string) map[string]any {
	f := b.s.Function
	p := map[string]any{
		"description":   "LambdaStack " + b.s.Stage + " " + b.s.App,
		"architectures": []any{f.Architecture},
		"memorySize":    f.MemoryMB,
		"timeout":       f.TimeoutSeconds,
		"roleRef":       b.ref(KeyRole),
		"environment":   b.block(map[string]any{"variables": b.functionEnvironment(b.suffix(region))}),
		"tracingConfig": b.block(map[string]any{"mode": tracingMode(f.Tracing)}),
		"publish":       b.s.Release.UseAlias,
	}
	if c := f.Code; c.ImageURI != "" {
		p["packageType"] = "Image"
		p["imageUri"] = b.codeImage(region)
	} else {
		p["packageType"] = "Zip"
		p["runtime"] = f.Runtime
		p["handler"] = f.Handler
		p["s3Bucket"] = codeBucket(c.S3.Bucket, region)
		p["s3Key"] = c.S3.Key
		if c.S3.ObjectVersion != "" {
			p["s3ObjectVersion"] = c.S3.ObjectVersion
		}
	}
	if f.ReservedConcurrency != nil {
		p["reservedConcurrentExecutions"] = *f.ReservedConcurrency
	}
	if vpc := b.vpcConfig(); vpc != nil {
		p["vpcConfig"] = vpc
	}
	b.runtimeParameters(p, region)
	return p
}

// functionEnvironment is the request's variables plus STAGE (always) and the secret ARNs
// (secrets.go) of the function in the region of suffix.
func (b *builder) functionEnvironment(suffix string) map[string]any {
	env := strMap(b.s.Function.Environment)
	env["STAGE"] = b.s.Stage
	b.secretEnvironment(env, suffix)
	return env
}

func tracingMode(on bool) string {
	if on {
		return "Active"
	}
	return "PassThrough"
}
