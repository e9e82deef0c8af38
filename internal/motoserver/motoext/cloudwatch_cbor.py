"""CloudWatch over the Smithy RPC v2 CBOR protocol.

aws-sdk-go-v2's CloudWatch client (v1.55.0, the one provider-aws v2.5.0 is built with) sends
every call as `POST /service/GraniteServiceVersion20100801/operation/<Operation>` with a CBOR
body (Content-Type application/cbor, header smithy-protocol: rpc-v2-cbor) and accepts only CBOR
answers carrying the same header. moto 5.2.1 serves CloudWatch over the query and JSON protocols
only, and answers that path with 404, so MetricAlarm and Dashboard can never be created.

This module teaches moto the protocol, for any operation its CloudWatch backend implements:
  - a route for the operation path, handled by moto's own CloudWatchResponse (the operation name
    is taken from the path);
  - a request parser for the protocol: moto's JSON parser walking the operation's input shape
    over the CBOR-decoded body (botocore's CBOR decoder);
  - a response serializer: moto's JSON serializer's shape walk, encoded as CBOR (botocore's CBOR
    encoder), timestamps as CBOR tag 1, errors as {"__type", "message"} with the query-compatible
    x-amzn-query-error header, every answer with smithy-protocol: rpc-v2-cbor.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any

from botocore.parsers import BaseCBORParser
from botocore.serialize import RpcV2CBORSerializer
from botocore.utils import parse_to_aware_datetime
from moto.cloudwatch import urls as cloudwatch_urls
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core import parse, serialize

PROTOCOL = "smithy-rpc-v2-cbor"
OPERATION_PATH = re.compile(r"^/service/[^/]+/operation/([A-Za-z0-9]+)$")
ROUTE = "{0}/service/(?P<service>[^/]+)/operation/(?P<operation>[A-Za-z0-9]+)$"


class _Decoder(BaseCBORParser):
    """botocore's CBOR decoder, used on a request body instead of a response."""

    def decode(self, body: bytes) -> Any:
        if not body:
            return {}
        return self.parse_data_item(self.get_peekable_stream_from_bytes(body))


class _Encoder(RpcV2CBORSerializer):
    """botocore's CBOR encoder for the values moto's serializer produced (no shapes needed)."""

    def encode(self, value: Any) -> bytes:
        out = bytearray()
        self._item(out, value)
        return bytes(out)

    def _header(self, out: bytearray, major_type: int, length: int) -> None:
        info, size = self._get_additional_info_and_num_bytes(length)
        out.extend(self._get_initial_byte(major_type, info))
        if size:
            out.extend(length.to_bytes(size, "big"))

    def _item(self, out: bytearray, v: Any) -> None:
        if isinstance(v, bool):
            self._serialize_type_boolean(out, v, None, None)
        elif isinstance(v, int):
            self._serialize_type_integer(out, v, None, None)
        elif isinstance(v, float):
            self._serialize_type_double(out, v, None, None)
        elif isinstance(v, str):
            self._serialize_type_string(out, v, None, None)
        elif isinstance(v, (bytes, bytearray)):
            self._serialize_type_blob(out, v, None, None)
        elif isinstance(v, datetime.datetime):
            self._serialize_type_timestamp(out, v, None, None)
        elif isinstance(v, Mapping):
            items = [(k, x) for k, x in v.items() if x is not None]
            self._header(out, self.MAP_MAJOR_TYPE, len(items))
            for k, x in items:
                self._item(out, k)
                self._item(out, x)
        elif isinstance(v, (list, tuple)):
            self._header(out, self.LIST_MAJOR_TYPE, len(v))
            for x in v:
                self._item(out, x)
        else:
            raise TypeError(f"cannot encode {type(v).__name__} as CBOR")


_DECODER = _Decoder()
_ENCODER = _Encoder()


class RpcV2CBORRequestParser(parse.JSONParser):
    """moto's JSON request parser over a CBOR body."""

    def _parse_body_as_json(self, body_contents: bytes) -> Any:
        return _DECODER.decode(body_contents)

    def _parse_timestamp(self, shape: Any, value: Any) -> Any:
        if isinstance(value, datetime.datetime):  # CBOR tag 1, decoded by botocore
            return value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return super()._parse_timestamp(shape, value)

    def _parse_blob(self, shape: Any, value: Any) -> Any:
        if isinstance(value, (bytes, bytearray)):  # CBOR byte strings are not base64
            return bytes(value)
        return super()._parse_blob(shape, value)


class RpcV2CBORResponseSerializer(serialize.BaseJSONSerializer):
    """moto's JSON response serializer, encoded as CBOR."""

    CONTENT_TYPE = "application/cbor"

    def serialize(self, result: Any) -> serialize.ResponseDict:
        resp = super().serialize(result)
        resp["headers"]["smithy-protocol"] = "rpc-v2-cbor"
        return resp

    def _get_protocol_specific_content_type(self) -> str:
        return self.CONTENT_TYPE

    def _serialize_body(self, body: Mapping[str, Any]) -> bytes:  # type: ignore[override]
        return _ENCODER.encode(body)

    def _serialize_type_timestamp(self, serialized: Any, value: Any, shape: Any, key: str) -> None:
        self._default_serialize(serialized, parse_to_aware_datetime(value), shape, key)

    def _serialize_type_blob(self, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if isinstance(value, str):
            value = value.encode(self.DEFAULT_ENCODING)
        self._default_serialize(serialized, bytes(value), shape, key)

    def _serialize_error_metadata(self, serialized: Any, error: Exception, shape: Any) -> None:
        super()._serialize_error_metadata(serialized, error, shape)
        if "Message" in serialized:  # the protocol's member is "message"
            serialized["message"] = serialized.pop("Message")


class CloudWatchRpcV2Response(CloudWatchResponse):
    """moto's CloudWatch handler, the operation named by the request path, the body kept as
    bytes (moto decodes bodies as UTF-8 text unless told otherwise; CBOR is binary)."""

    def setup_class(self, request: Any, full_url: str, headers: Any, use_raw_body: bool = False) -> None:
        super().setup_class(request, full_url, headers, use_raw_body=True)

    def _get_action(self) -> str:
        m = OPERATION_PATH.match(self.raw_path)
        if m:
            return m.group(1)
        return super()._get_action()


def register() -> None:
    parse.PROTOCOL_PARSERS[PROTOCOL] = RpcV2CBORRequestParser
    serialize.SERIALIZERS[PROTOCOL] = RpcV2CBORResponseSerializer
    cloudwatch_urls.url_paths[ROUTE] = CloudWatchRpcV2Response.dispatch
