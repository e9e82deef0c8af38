"""LambdaStack's extension of moto (moto 5.2.1), for the e2e run of the real provider-aws.

moto lacks a few AWS API calls and one wire protocol that provider-aws v2.5.0 uses for the kinds
LambdaStack composes. Each module below adds them to moto's own request handling at start-up:
it registers URL routes, request parsers, response serializers and handler classes that subclass
moto's, and keeps its state next to moto's backends. Nothing here answers a call moto already
answers. What each module adds, and why, is in its docstring; docs/e2e.md lists them per kind.
calllog writes down every call moto answered (MOTO_CALL_LOG), for make e2e-aws's evidence.

    python3 -m motoext -H 127.0.0.1 -p PORT     (PYTHONPATH=internal/motoserver)
"""

from . import apigatewayv2, budgets, calllog, cloudwatch_cbor, lambda_config, lambda_pc, logs_destinations, route53_ids

MODULES = (cloudwatch_cbor, budgets, lambda_pc, lambda_config, apigatewayv2, logs_destinations, route53_ids, calllog)


def register() -> None:
    """Registers every extension with moto; call it before the server handles a request."""
    for m in MODULES:
        m.register()
