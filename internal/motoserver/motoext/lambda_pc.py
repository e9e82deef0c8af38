"""Lambda provisioned concurrency.

provider-aws's ProvisionedConcurrencyConfig (aws_lambda_provisioned_concurrency_config) calls
PutProvisionedConcurrencyConfig, waits on GetProvisionedConcurrencyConfig until the status is
READY, and removes it with DeleteProvisionedConcurrencyConfig. moto 5.2.1 has no route for
/2019-09-30/functions/<name>/provisioned-concurrency, so the kind never becomes Ready.

This module adds the three calls to moto's Lambda handler (a subclass of moto's LambdaResponse on
a new route). The function and the qualifier (a version or an alias) must exist, as in AWS; the
configuration is kept per function ARN and qualifier next to moto's Lambda backend. Nothing runs
in moto, so the requested executions are allocated at once (status READY).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from moto.awslambda import urls as lambda_urls
from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.responses import LambdaResponse
from moto.core.responses import TYPE_RESPONSE
from moto.core.utils import iso_8601_datetime_with_milliseconds, utcnow

ROUTE = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"


class ProvisionedConcurrencyConfigNotFound(LambdaClientError):
    code = 404

    def __init__(self, function_name: str, qualifier: str) -> None:
        super().__init__(
            "ProvisionedConcurrencyConfigNotFoundException",
            f"No Provisioned Concurrency Config found for this function: {function_name}:{qualifier}",
        )


class LambdaExtResponse(LambdaResponse):
    def _target(self) -> tuple[tuple[str, str], str, str]:
        """The key (unqualified function ARN, qualifier) of the configuration addressed."""
        name = unquote(self.path.rsplit("/", 2)[-2])
        qualifier = self.querystring.get("Qualifier", [""])[0]
        if not qualifier:
            raise LambdaClientError("InvalidParameterValueException", "Qualifier is required for provisioned concurrency")
        backend = self.backend
        try:
            fn = backend.get_function(name, qualifier)
        except LambdaClientError:
            backend.get_alias(qualifier, name)  # raises ResourceNotFoundException when neither exists
            fn = backend.get_function(name)
        arn = fn.function_arn.split(":function:")[0] + ":function:" + fn.function_name
        return (arn, qualifier), name, qualifier

    def _configs(self) -> dict[tuple[str, str], dict[str, Any]]:
        b = self.backend
        if not hasattr(b, "lambdastack_provisioned_concurrency"):
            b.lambdastack_provisioned_concurrency = {}  # type: ignore[attr-defined]
        return b.lambdastack_provisioned_concurrency  # type: ignore[attr-defined]

    def put_provisioned_concurrency_config(self) -> TYPE_RESPONSE:
        key, _, _ = self._target()
        n = int(json.loads(self.body or "{}").get("ProvisionedConcurrentExecutions", 0))
        if n < 1:
            raise LambdaClientError("InvalidParameterValueException", "ProvisionedConcurrentExecutions must be at least 1")
        cfg = {
            "RequestedProvisionedConcurrentExecutions": n,
            "AllocatedProvisionedConcurrentExecutions": n,
            "AvailableProvisionedConcurrentExecutions": n,
            "Status": "READY",
            "LastModified": iso_8601_datetime_with_milliseconds(utcnow()),
        }
        self._configs()[key] = cfg
        return 202, {}, json.dumps(cfg)

    def get_provisioned_concurrency_config(self) -> TYPE_RESPONSE:
        key, name, qualifier = self._target()
        cfg = self._configs().get(key)
        if cfg is None:
            raise ProvisionedConcurrencyConfigNotFound(name, qualifier)
        return 200, {}, json.dumps(cfg)

    def delete_provisioned_concurrency_config(self) -> TYPE_RESPONSE:
        key, name, qualifier = self._target()
        if self._configs().pop(key, None) is None:
            raise ProvisionedConcurrencyConfigNotFound(name, qualifier)
        return 204, {"status": 204}, ""


def register() -> None:
    lambda_urls.url_paths[ROUTE] = LambdaExtResponse.dispatch
