# Runs one Lambda handler the way the Python runtime calls it, for lambdastack invoke --local.
# argv: <module.function> <event file> <result file>. The handler's own output goes to stderr;
# the JSON of what it returned goes to the result file.
import importlib
import json
import os
import sys
import time
import uuid


class Context:
    """The attributes and method of the Lambda context object handlers use."""

    def __init__(self, deadline):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.invoked_function_arn = os.environ.get("LAMBDASTACK_LOCAL_FUNCTION_ARN", "")
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = "local"
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def main():
    handler, event_file, result_file = sys.argv[1:4]
    module_name, _, function_name = handler.rpartition(".")
    sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
    sys.stdout = sys.stderr  # print() in the handler is log output, as in Lambda
    with open(event_file) as f:
        event = json.load(f)
    timeout = float(os.environ.get("LAMBDASTACK_LOCAL_TIMEOUT", "3"))
    fn = getattr(importlib.import_module(module_name), function_name)
    result = fn(event, Context(time.time() + timeout))
    with open(result_file, "w") as f:
        json.dump(result, f)


main()
