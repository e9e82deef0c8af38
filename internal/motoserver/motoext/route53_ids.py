"""Route 53 hosted zone IDs in AWS's shape.

AWS's hosted zone IDs start with "Z" followed by upper-case letters and digits (Z1D633PJN98FT9,
Z0415938AB12CDEF34GH5); LambdaStack checks an EnvironmentConfig's data.domains.hostedZoneId for
that shape. moto 5.2.1 draws 22 random characters (its own comment says "Z1RWWTK7Y8UDDQ"), so a
zone it creates fails that check about 35 times in 36.

This module wraps moto's generator: an ID it draws keeps its length and alphabet, and its first
character becomes "Z" (an ID that already starts with "Z" is kept).
"""

from __future__ import annotations

from typing import Any

from moto.route53 import models as route53_models

_ORIGINAL = route53_models.create_route53_zone_id


def _aws_zone_id(resource_identifier: Any, existing_ids: Any = None, tags: Any = None) -> str:
    zone_id = _ORIGINAL(resource_identifier, existing_ids=existing_ids, tags=tags)
    if zone_id.startswith("Z"):
        return zone_id
    return "Z" + zone_id[1:]


def register() -> None:
    route53_models.create_route53_zone_id = _aws_zone_id
