"""API Gateway v2: updates of stages, domain names and API mappings, their tags, and what AWS
reports about a custom domain name.

provider-aws's Stage, DomainName and APIMapping update their AWS resource in place
(UpdateStage, UpdateDomainName, UpdateApiMapping: PATCH on the resource's path) and tag stages
and domain names by ARN (TagResource/UntagResource on /v2/tags/<arn>, the ARN holding slashes).
moto 5.2.1 implements none of the three updates, and its tag routes only match the ARNs of APIs
and VPC links, so a changed or tagged stage or domain name stays Synced=False. moto also returns
a domain name's configuration as it was sent, without what AWS adds to it: the API Gateway
domain name (the alias target a DNS record points at), its hosted zone and the status, so a
Route 53 alias record for the custom domain has no target.

This module adds the three updates to moto's API Gateway v2 handler (a subclass of moto's
ApiGatewayV2Response, on moto's own routes for those paths) and a tag route for any ARN; tags of
stages and domain names are the tags moto returns with the resource itself. A domain name's
configurations get, when created or changed, what AWS reports for a regional endpoint:
ApiGatewayDomainName d-<id>.execute-api.<region>.amazonaws.com, the region's API Gateway hosted
zone, DomainNameStatus AVAILABLE.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from urllib.parse import unquote

from moto.apigatewayv2 import urls as apigatewayv2_urls
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.core.responses import TYPE_RESPONSE

# the Route 53 hosted zone of API Gateway's regional endpoints, by region (AWS's published values)
REGIONAL_ZONES = {
    "us-east-1": "Z1UJRXOUMOOFQ8", "us-east-2": "ZOJJZC49E0EPZ", "us-west-1": "Z2MUQ32089INYE", "us-west-2": "Z2OJLYMUO9EFXC",
    "eu-west-1": "ZLY8HYME6SFDD", "eu-west-2": "ZJ5UAJN8Y3Z2Q", "eu-central-1": "Z1U9ULNL0V5AJ3",
}

ROUTES = (
    "{0}/v2/apis/(?P<api_id>[^/]+)/stages/(?P<stage_name>[^/]+)$",
    "{0}/v2/domainnames$",
    "{0}/v2/domainnames/(?P<domain_name>[^/]+)$",
    "{0}/v2/domainnames/(?P<domain_name>[^/]+)/apimappings/(?P<api_mapping_id>[^/]+)$",
)
TAGS_ROUTE = "{0}/v2/tags/(?P<resource_arn>.+)$"

_STAGE_ARN = re.compile(r"^arn:[^:]+:apigateway:[^:]*::/apis/([^/]+)/stages/([^/]+)$")
_DOMAIN_ARN = re.compile(r"^arn:[^:]+:apigateway:[^:]*::/domainnames/([^/]+)$")

# the members of each update's body moto keeps on its objects, by the attribute it keeps them in
_STAGE_FIELDS = {
    "accessLogSettings": "access_log_settings",
    "autoDeploy": "auto_deploy",
    "clientCertificateId": "client_certificate_id",
    "defaultRouteSettings": "default_route_settings",
    "description": "description",
    "routeSettings": "route_settings",
    "stageVariables": "stage_variables",
}


def _as_aws_reports(domain: Any, region: str) -> None:
    """Completes a domain name's configurations as AWS reports them (see the module docstring)."""
    digest = hashlib.sha256(domain.domain_name.encode()).hexdigest()[:10]
    for c in domain.domain_name_configurations:
        c.setdefault("apiGatewayDomainName", f"d-{digest}.execute-api.{region}.amazonaws.com")
        c.setdefault("hostedZoneId", REGIONAL_ZONES.get(region, "Z1UJRXOUMOOFQ8"))
        c.setdefault("domainNameStatus", "AVAILABLE")
        c.setdefault("endpointType", "REGIONAL")


class ApiGatewayV2ExtResponse(ApiGatewayV2Response):
    def create_domain_name(self) -> TYPE_RESPONSE:
        status, headers, _ = super().create_domain_name()
        domain = self.apigatewayv2_backend.get_domain_name(json.loads(self.body)["domainName"])
        _as_aws_reports(domain, self.region)
        return status, headers, json.dumps(domain.to_json())

    def update_stage(self) -> TYPE_RESPONSE:
        api_id = self.path.split("/")[-3]
        stage = self.apigatewayv2_backend.get_stage(api_id, unquote(self.path.split("/")[-1]))
        params = json.loads(self.body or "{}")
        for member, attr in _STAGE_FIELDS.items():
            if member in params:
                setattr(stage, attr, params[member])
        stage.updated = stage.created.__class__.now()
        return 200, {}, json.dumps(stage.to_json())

    def update_domain_name(self) -> TYPE_RESPONSE:
        domain = self.apigatewayv2_backend.get_domain_name(unquote(self.path.split("/")[-1]))
        params = json.loads(self.body or "{}")
        if "domainNameConfigurations" in params:
            domain.domain_name_configurations = params["domainNameConfigurations"]
        if "mutualTlsAuthentication" in params:
            domain.mutual_tls_authentication = params["mutualTlsAuthentication"]
        _as_aws_reports(domain, self.region)
        return 200, {}, json.dumps(domain.to_json())

    def update_api_mapping(self) -> TYPE_RESPONSE:
        parts = self.path.split("/")
        mapping = self.apigatewayv2_backend.get_api_mapping(api_mapping_id=parts[-1], domain_name=unquote(parts[-3]))
        params = json.loads(self.body or "{}")
        if "apiId" in params:
            mapping.api_id = params["apiId"]
        if "apiMappingKey" in params:
            mapping.api_mapping_key = params["apiMappingKey"]
        if "stage" in params:
            mapping.stage = params["stage"]
        return 200, {}, json.dumps(mapping.to_json())

    def _own_tags(self) -> dict[str, str] | None:
        """The tags a stage or domain name carries itself (None for other ARNs: moto's tagger)."""
        arn = unquote(self.path.split("/tags/", 1)[1])
        backend: Any = self.apigatewayv2_backend
        if m := _STAGE_ARN.match(arn):
            return backend.get_stage(m.group(1), m.group(2)).tags
        if m := _DOMAIN_ARN.match(arn):
            return backend.get_domain_name(m.group(1)).tags
        return None

    def get_tags(self) -> TYPE_RESPONSE:
        tags = self._own_tags()
        if tags is None:
            return super().get_tags()
        return 200, {}, json.dumps({"tags": tags})

    def tag_resource(self) -> TYPE_RESPONSE:
        tags = self._own_tags()
        if tags is None:
            return super().tag_resource()
        tags.update(json.loads(self.body or "{}").get("tags", {}))
        return 201, {}, "{}"

    def untag_resource(self) -> TYPE_RESPONSE:
        tags = self._own_tags()
        if tags is None:
            return super().untag_resource()
        for k in self.querystring.get("tagKeys") or []:
            tags.pop(k, None)
        return 204, {"status": 204}, ""


def register() -> None:
    for route in ROUTES + (TAGS_ROUTE,):
        apigatewayv2_urls.url_paths[route] = ApiGatewayV2ExtResponse.dispatch
