"""A log of the AWS calls moto answered, one JSON object per line.

make e2e-aws counts and checks the calls the real provider made (per example, and against the
IAM policy LambdaStack ships). moto's own recorder keeps whole requests, but not the operation
each one was: moto works that out per protocol while it handles the request. This module writes
it down then, when MOTO_CALL_LOG names a file: {"service", "operation", "account", "region",
"method", "status", "caller"} for every call moto's request handling answered; "caller" is the
X-Lambdastack-Caller header a test client may send to tell its own calls from the provider's.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from moto.core.responses import BaseResponse

_lock = threading.Lock()


def register() -> None:
    path = os.environ.get("MOTO_CALL_LOG")
    if not path:
        return
    handle = BaseResponse.call_action

    def call_action(self: BaseResponse) -> Any:
        result = handle(self)
        entry = {
            "service": self.service_name,
            "operation": self._get_action(),
            "account": self.current_account,
            "region": self.region,
            "method": self.method,
            "status": result[0] if isinstance(result, tuple) else None,
            "caller": self.headers.get("X-Lambdastack-Caller", ""),
        }
        with _lock, open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")
        return result

    BaseResponse.call_action = call_action  # type: ignore[method-assign]
