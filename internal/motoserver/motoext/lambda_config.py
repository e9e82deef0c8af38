"""What a Lambda function's configuration keeps in AWS and moto 5.2.1 drops: KMSKeyArn and
LoggingConfig.

AWS keeps the KMSKeyArn and the LoggingConfig given to CreateFunction and
UpdateFunctionConfiguration and returns them in GetFunction and GetFunctionConfiguration. moto's
Lambda function drops both (only its event source mappings keep a key), so provider-aws's Function
(aws_lambda_function: kms_key_arn, logging_config) sees a difference on every poll and calls
UpdateFunctionConfiguration (and, with publish set, PublishVersion): staging's function reached
version 34 in a few minutes, and dev's function (JSON logs at DEBUG) was updated 148 times in 27
minutes.

This module keeps both on moto's function object (versions are copies, so they carry them) and
adds them to the configuration moto returns:
  - KMSKeyArn as given; an update with an empty one removes it, as in AWS;
  - LoggingConfig as AWS reports it: the given fields, LogGroup defaulting to /aws/lambda/<name>,
    and with LogFormat JSON the log levels defaulting to INFO (AWS's defaults); an update
    replaces it. A function created without one reports LogFormat Text, as AWS does.
"""

from __future__ import annotations

from typing import Any

from moto.awslambda.models import LambdaFunction

_init = LambdaFunction.__init__
_get_configuration = LambdaFunction.get_configuration
_update_configuration = LambdaFunction.update_configuration


def _logging_config(name: str, given: dict[str, Any] | None) -> dict[str, Any]:
    config = {k: v for k, v in (given or {}).items() if v}
    config.setdefault("LogFormat", "Text")
    config.setdefault("LogGroup", "/aws/lambda/" + name)
    if config["LogFormat"] == "JSON":
        config.setdefault("ApplicationLogLevel", "INFO")
        config.setdefault("SystemLogLevel", "INFO")
    return config


def _new_init(self: LambdaFunction, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
    _init(self, account_id, spec, *args, **kwargs)
    self.lambdastack_kms_key_arn = spec.get("KMSKeyArn") or ""
    self.lambdastack_logging_config = _logging_config(self.function_name, spec.get("LoggingConfig"))


def _new_get_configuration(self: LambdaFunction, *args: Any, **kwargs: Any) -> dict[str, Any]:
    config = _get_configuration(self, *args, **kwargs)
    key = getattr(self, "lambdastack_kms_key_arn", "")
    if key:
        config["KMSKeyArn"] = key
    logging = getattr(self, "lambdastack_logging_config", None)
    if logging:
        config["LoggingConfig"] = dict(logging)
    return config


def _new_update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    if "KMSKeyArn" in config_updates:
        self.lambdastack_kms_key_arn = config_updates["KMSKeyArn"] or ""
    if "LoggingConfig" in config_updates:
        self.lambdastack_logging_config = _logging_config(self.function_name, config_updates["LoggingConfig"])
    return _update_configuration(self, config_updates)


def register() -> None:
    LambdaFunction.__init__ = _new_init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = _new_get_configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = _new_update_configuration  # type: ignore[method-assign]
