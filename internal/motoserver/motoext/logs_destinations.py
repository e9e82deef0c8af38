"""CloudWatch Logs: subscription filters to a (cross-account) Logs destination.

LambdaStack's prod stage sends every log group to the log archive account's CloudWatch Logs
destination (arn:aws:logs:<region>:<account>:destination:<name>); provider-aws's
SubscriptionFilter calls PutSubscriptionFilter with that ARN. moto 5.2.1 takes every logs ARN
for a log group ARN and fails with ResourceNotFoundException.

This module lets moto's Logs handler (a subclass of moto's LogsResponse on the same route) accept
a destination ARN when the destination exists in its account and region (PutDestination there,
as the archive account does); every other destination goes through moto as before.
"""

from __future__ import annotations

from moto.logs import urls as logs_urls
from moto.logs.exceptions import ResourceNotFoundException
from moto.logs.models import logs_backends
from moto.logs.responses import LogsResponse
from moto.utilities.arns import parse_arn


class LogsExtResponse(LogsResponse):
    def put_subscription_filter(self) -> str:
        destination_arn = self._get_param("destinationArn") or ""
        if not destination_arn.startswith("arn:") or ":destination:" not in destination_arn:
            return super().put_subscription_filter()
        arn = parse_arn(destination_arn)
        destinations = logs_backends[arn.account][arn.region].destinations
        if destination_arn not in destinations:
            raise ResourceNotFoundException("The specified destination does not exist.")
        group = self.logs_backend.groups.get(self._get_param("logGroupName"))
        if group is None:
            raise ResourceNotFoundException()
        group.put_subscription_filter(self._get_param("filterName"), self._get_param("filterPattern"),
                                      destination_arn, self._get_param("roleArn"))
        return ""


def register() -> None:
    for route in list(logs_urls.url_paths):
        logs_urls.url_paths[route] = LogsExtResponse.dispatch
