#!/usr/bin/env bash
# moto's server (a local imitation of AWS) with LambdaStack's extension (internal/motoserver/motoext:
# the calls and the CloudWatch protocol provider-aws uses that moto lacks), on 127.0.0.1:$MOTO_PORT,
# for make e2e-aws. Every call it answers is logged in $STATE/moto-calls.jsonl (service,
# operation, account, region: the extension's calllog), the evidence of the AWS calls each example
# made.
. "$(dirname "$0")/../lib.sh"
for v in $(env | sed -n 's/^\(AWS_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done # the server takes no client settings
export PYTHONPATH=$ROOT/internal/motoserver MOTO_CALL_LOG=$STATE/moto-calls.jsonl
# AWS managed policies exist in every account (the X-Ray write policy the function attaches; moto
# loads them only when asked)
export MOTO_IAM_LOAD_MANAGED_POLICIES=true
# ACM issues a DNS-validated certificate this many seconds after it was requested (moto: 60)
export MOTO_ACM_VALIDATION_WAIT=${MOTO_ACM_VALIDATION_WAIT:-10}
exec python3 -m motoext -H 127.0.0.1 -p "$MOTO_PORT"
