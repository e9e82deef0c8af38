"""A small MCP server for AWS Lambda behind an API Gateway HTTP API.

Speaks the MCP Streamable HTTP transport in its stateless, JSON-only form:
each POST /mcp carries one JSON-RPC 2.0 message and gets one JSON answer
(or 202 with no body for notifications). No sessions, no server-sent events.
Events use the HTTP API payload format 2.0. Standard library only.

Tools:
  echo        returns the text it is given
  stage_info  returns the STAGE environment variable and the names (never
              the values) of the SECRET_*_ARN variables the stack injects
"""

import base64
import json
import logging
import os
import re

LOG = logging.getLogger(__name__)
LOG.setLevel(logging.INFO)

SERVER_INFO = {"name": "lambdastack-example", "version": "0.1.0"}
# Newest first; a client asking for another version gets the newest.
PROTOCOL_VERSIONS = ("2025-06-18", "2025-03-26", "2024-11-05")
MCP_PATH = "/mcp"
HEALTH_PATH = "/health"

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603

SECRET_ENV = re.compile(r"^SECRET_[A-Z0-9_]+_ARN$")

TOOLS = [
    {
        "name": "echo",
        "title": "Echo",
        "description": "Returns the given text unchanged.",
        "inputSchema": {
            "type": "object",
            "properties": {"text": {"type": "string", "description": "Text to echo."}},
            "required": ["text"],
            "additionalProperties": False,
        },
    },
    {
        "name": "stage_info",
        "title": "Stage info",
        "description": "Names the stage this function serves and the secrets configured "
        "for it (names only, never values).",
        "inputSchema": {"type": "object", "properties": {}, "additionalProperties": False},
        "outputSchema": {
            "type": "object",
            "properties": {
                "stage": {"type": "string"},
                "secretEnvVars": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["stage", "secretEnvVars"],
        },
    },
]


class RpcError(Exception):
    """A JSON-RPC error to send back to the client."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- HTTP layer


def handler(event, context):
    """Lambda entry point (handler.handler)."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "")
    path = _route_path(event)
    if path == HEALTH_PATH and method == "GET":
        return _json_response(200, {"status": "ok"})
    if path != MCP_PATH:
        return _json_response(404, {"error": "not found: use POST " + MCP_PATH})
    if method != "POST":
        # No server-sent event stream and no sessions: only POST is served.
        resp = _json_response(405, {"error": "method not allowed: use POST"})
        resp["headers"]["Allow"] = "POST"
        return resp
    return _handle_post(event)


def _route_path(event):
    """The request path without the stage prefix API Gateway adds for named stages."""
    path = event.get("rawPath") or "/"
    stage = event.get("requestContext", {}).get("stage", "$default")
    prefix = "/" + stage
    if stage != "$default" and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix):] or "/"
    return path.rstrip("/") or "/"


def _handle_post(event):
    try:
        message = _parse_body(event)
        _check_envelope(message)
    except RpcError as err:
        return _json_response(400, _error(None, err))
    if "method" not in message or "id" not in message:
        # A notification, or a response to a request we never send: no body.
        if "method" in message:
            LOG.info("notification %s", message["method"])
        return {"statusCode": 202, "headers": {}, "body": ""}
    return _json_response(200, _answer(message))


def _json_response(status, payload):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(payload, separators=(",", ":")),
    }


# ------------------------------------------------------------ JSON-RPC layer


def _parse_body(event):
    body = event.get("body") or ""
    try:
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body, validate=True).decode("utf-8")
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise RpcError(PARSE_ERROR, "Parse error: " + str(err)) from None


def _check_envelope(message):
    if isinstance(message, list):
        raise RpcError(INVALID_REQUEST, "Invalid Request: batches are not supported")
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, 'Invalid Request: expected an object with "jsonrpc": "2.0"')
    if "method" in message and not isinstance(message["method"], str):
        raise RpcError(INVALID_REQUEST, "Invalid Request: method must be a string")
    if "id" in message and not _valid_id(message["id"]):
        raise RpcError(INVALID_REQUEST, "Invalid Request: id must be a string or an integer")
    if "method" not in message and not ("id" in message and ("result" in message or "error" in message)):
        raise RpcError(INVALID_REQUEST, "Invalid Request: no method")


def _valid_id(value):
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _answer(request):
    rid = request["id"]
    try:
        params = request.get("params", {})
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, "Invalid params: params must be an object")
        method = METHODS.get(request["method"])
        if method is None:
            raise RpcError(METHOD_NOT_FOUND, "Method not found: " + request["method"])
        LOG.info("request %s id=%s", request["method"], rid)
        return {"jsonrpc": "2.0", "id": rid, "result": method(params)}
    except RpcError as err:
        return _error(rid, err)
    except Exception:  # a bug: log it, tell the client no more than that
        LOG.exception("internal error handling %s", request.get("method"))
        return _error(rid, RpcError(INTERNAL_ERROR, "Internal error"))


def _error(rid, err):
    return {"jsonrpc": "2.0", "id": rid, "error": {"code": err.code, "message": err.message}}


# --------------------------------------------------------------- MCP methods


def _initialize(params):
    requested = params.get("protocolVersion")
    version = requested if requested in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[0]
    return {
        "protocolVersion": version,
        "capabilities": {"tools": {"listChanged": False}},
        "serverInfo": SERVER_INFO,
        "instructions": "Call stage_info to learn which stage answers.",
    }


def _ping(params):
    return {}


def _tools_list(params):
    return {"tools": TOOLS}


def _tools_call(params):
    name = params.get("name")
    arguments = params.get("arguments", {})
    if not isinstance(name, str):
        raise RpcError(INVALID_PARAMS, "Invalid params: name must be a string")
    if not isinstance(arguments, dict):
        raise RpcError(INVALID_PARAMS, "Invalid params: arguments must be an object")
    tool = TOOL_FUNCS.get(name)
    if tool is None:
        raise RpcError(INVALID_PARAMS, "Unknown tool: " + name)
    return tool(arguments)


def _echo(arguments):
    text = arguments.get("text")
    if not isinstance(text, str) or set(arguments) != {"text"}:
        raise RpcError(INVALID_PARAMS, 'Invalid params: echo takes exactly one string argument "text"')
    return {"content": [{"type": "text", "text": text}], "isError": False}


def _stage_info(arguments):
    if arguments:
        raise RpcError(INVALID_PARAMS, "Invalid params: stage_info takes no arguments")
    info = {
        "stage": os.environ.get("STAGE", ""),
        "secretEnvVars": sorted(k for k in os.environ if SECRET_ENV.match(k)),
    }
    return {
        "content": [{"type": "text", "text": json.dumps(info)}],
        "structuredContent": info,
        "isError": False,
    }


METHODS = {
    "initialize": _initialize,
    "ping": _ping,
    "tools/list": _tools_list,
    "tools/call": _tools_call,
}

TOOL_FUNCS = {"echo": _echo, "stage_info": _stage_info}
