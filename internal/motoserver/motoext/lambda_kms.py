"""A Lambda function's customer managed KMS key (KMSKeyArn).

AWS keeps the KMSKeyArn given to CreateFunction and UpdateFunctionConfiguration and returns it in
GetFunction and GetFunctionConfiguration. moto 5.2.1's Lambda function drops it (only its event
source mappings keep one), so provider-aws's Function (aws_lambda_function, kms_key_arn) sees a
difference on every poll, calls UpdateFunctionConfiguration and, with publish set, PublishVersion:
staging's function reached version 34 in a few minutes, and its alias and dashboard followed.

This module keeps the key on moto's function object (versions are copies, so they carry it) and
adds it to the configuration moto returns; an update with an empty KMSKeyArn removes it, as in
AWS.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction

_init = LambdaFunction.__init__
_get_configuration = LambdaFunction.get_configuration
_update_configuration = LambdaFunction.update_configuration


def _new_init(self: LambdaFunction, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
    _init(self, account_id, spec, *args, **kwargs)
    self.lambdastack_kms_key_arn = spec.get("KMSKeyArn") or ""


def _new_get_configuration(self: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
    config = _get_configuration(self, *args, **kwargs)
    key = getattr(self, "lambdastack_kms_key_arn", "")
    if key:
        config["KMSKeyArn"] = key
    return config


def _new_update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    if "KMSKeyArn" in config_updates:
        self.lambdastack_kms_key_arn = config_updates["KMSKeyArn"] or ""
    return _update_configuration(self, config_updates)


def register() -> None:
    LambdaFunction.__init__ = _new_init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = _new_get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = _new_update_configuration  # type: ignore[method-assign]
