"""AWS Budgets: subscribers, tags and updates.

provider-aws's Budget (aws_budgets_budget) reads a budget back with
DescribeSubscribersForNotification (the subscribers of each notification) and
ListTagsForResource, creates it with ResourceTags, and changes it with UpdateBudget,
TagResource, UntagResource and the notification/subscriber calls. moto 5.2.1 implements
CreateBudget, DescribeBudget(s), DeleteBudget, Create/DeleteNotification and
DescribeNotificationsForBudget only, so the provider's read after create fails and the budget
never becomes Ready.

This module adds those calls to moto's Budgets handler (a subclass of moto's BudgetsResponse on
the same route), over moto's own budgets backend: subscribers come from the notifications moto
stored, tags are kept per budget ARN next to the backend.
"""

from __future__ import annotations

import json
from typing import Any

from moto.budgets import urls as budgets_urls
from moto.budgets.exceptions import NotFoundException
from moto.budgets.models import Budget, BudgetsBackend, Notification
from moto.budgets.responses import BudgetsResponse


def _tags(backend: BudgetsBackend) -> dict[str, dict[str, str]]:
    """Tags by budget ARN, kept on moto's backend object (per account and partition)."""
    if not hasattr(backend, "lambdastack_tags"):
        backend.lambdastack_tags = {}  # type: ignore[attr-defined]
    return backend.lambdastack_tags  # type: ignore[attr-defined]


def _same_notification(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("NotificationType", "ComparisonOperator", "ThresholdType")
    return all(a.get(k) == b.get(k) for k in keys) and float(a.get("Threshold", 0)) == float(b.get("Threshold", 0))


class BudgetsExtResponse(BudgetsResponse):
    def _budget(self, account_id: str, name: str) -> Budget:
        budget = self.backend.budgets[account_id].get(name)
        if budget is None:
            raise NotFoundException(f"Unable to get budget: {name} - the budget doesn't exist.")
        return budget

    def _notification(self, budget: Budget, details: dict[str, Any]) -> Notification:
        for n in budget.notifications:
            if _same_notification(n.details, details):
                return n
        raise NotFoundException("Unable to find the notification - the notification doesn't exist.")

    def _arn(self, account_id: str, name: str) -> str:
        return f"arn:{self.partition}:budgets::{account_id}:budget/{name}"

    def create_budget(self) -> str:
        out = super().create_budget()
        account_id = self._get_param("AccountId")
        name = self._get_param("Budget")["BudgetName"]
        tags = {t["Key"]: t["Value"] for t in self._get_param("ResourceTags", [])}
        _tags(self.backend)[self._arn(account_id, name)] = tags
        return out

    def delete_budget(self) -> str:
        out = super().delete_budget()
        _tags(self.backend).pop(self._arn(self._get_param("AccountId"), self._get_param("BudgetName")), None)
        return out

    def update_budget(self) -> str:
        account_id = self._get_param("AccountId")
        new = self._get_param("NewBudget")
        budget = self._budget(account_id, new["BudgetName"])
        kept = {k: v for k, v in budget.budget.items() if k in ("LastUpdatedTime", "TimePeriod") and k not in new}
        budget.budget = {**new, **kept}
        return json.dumps({})

    def describe_subscribers_for_notification(self) -> str:
        budget = self._budget(self._get_param("AccountId"), self._get_param("BudgetName"))
        n = self._notification(budget, self._get_param("Notification"))
        return json.dumps({"Subscribers": n.subscribers})

    def update_notification(self) -> str:
        budget = self._budget(self._get_param("AccountId"), self._get_param("BudgetName"))
        n = self._notification(budget, self._get_param("OldNotification"))
        n.details = self._get_param("NewNotification")
        return json.dumps({})

    def create_subscriber(self) -> str:
        budget = self._budget(self._get_param("AccountId"), self._get_param("BudgetName"))
        n = self._notification(budget, self._get_param("Notification"))
        n.subscribers.append(self._get_param("Subscriber"))
        return json.dumps({})

    def delete_subscriber(self) -> str:
        budget = self._budget(self._get_param("AccountId"), self._get_param("BudgetName"))
        n = self._notification(budget, self._get_param("Notification"))
        gone = self._get_param("Subscriber")
        n.subscribers = [s for s in n.subscribers if s != gone]
        return json.dumps({})

    def update_subscriber(self) -> str:
        budget = self._budget(self._get_param("AccountId"), self._get_param("BudgetName"))
        n = self._notification(budget, self._get_param("Notification"))
        old, new = self._get_param("OldSubscriber"), self._get_param("NewSubscriber")
        n.subscribers = [new if s == old else s for s in n.subscribers]
        return json.dumps({})

    def _tagged(self) -> dict[str, str]:
        arn = self._get_param("ResourceARN")  # arn:<partition>:budgets::<account>:budget/<name>
        self._budget(arn.split(":")[4], arn.rsplit("/", 1)[-1])
        return _tags(self.backend).setdefault(arn, {})

    def list_tags_for_resource(self) -> str:
        tags = self._tagged()
        return json.dumps({"ResourceTags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})

    def tag_resource(self) -> str:
        self._tagged().update({t["Key"]: t["Value"] for t in self._get_param("ResourceTags", [])})
        return json.dumps({})

    def untag_resource(self) -> str:
        tags = self._tagged()
        for k in self._get_param("ResourceTagKeys", []):
            tags.pop(k, None)
        return json.dumps({})


def register() -> None:
    for route in list(budgets_urls.url_paths):
        budgets_urls.url_paths[route] = BudgetsExtResponse.dispatch
