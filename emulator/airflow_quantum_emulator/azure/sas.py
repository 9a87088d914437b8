"""Shared access signatures (SAS) for the emulated blob storage.

A SAS URL carries ``sv`` (version), ``st``/``se`` (validity), ``sr`` (``c`` container or ``b``
blob), ``sp`` (permissions: r read, a add, c create, w write, l list) and ``sig``, an HMAC of
those fields and the resource with a key known only to this emulator. Storage requests are
authorised by nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
from collections.abc import Mapping
from datetime import datetime, timezone
from urllib.parse import quote, urlencode

from airflow_quantum_emulator.errors import VendorError

SAS_VERSION = "2023-11-03"
#: Start times are backdated so that a client whose clock runs a little behind can use a SAS.
START_SKEW = 300.0

CONTAINER_PERMISSIONS = "rcwl"
#: The job's ``containerUri`` in JobDetails: read and list only (as recorded: ``sr=c&sp=rl``).
CONTAINER_READ_LIST = "rl"
BLOB_PERMISSIONS = "rcw"
READ = "r"


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_stamp(value: str) -> float:
    try:
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise ValueError(f"{value!r} is not a time of the form YYYY-MM-DDThh:mm:ssZ") from None
    return moment.replace(tzinfo=timezone.utc).timestamp()


def _http_date(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")


class SasSigner:
    """Issues and checks SAS query strings with one secret key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def _signature(self, sp: str, st: str, se: str, resource: str, sr: str, sv: str) -> str:
        message = "\n".join((sp, st, se, resource, sr, sv)).encode()
        return base64.b64encode(hmac.new(self._key, message, hashlib.sha256).digest()).decode()

    def query(
        self, container: str, blob: str | None, permissions: str, now: float, lifetime: float
    ) -> str:
        """The SAS query string (without ``?``) for a container (``blob=None``) or one blob."""
        sr = "c" if blob is None else "b"
        st = _stamp(now - START_SKEW)
        se = _stamp(math.ceil(now + lifetime))
        sig = self._signature(permissions, st, se, _resource(container, blob, sr), sr, SAS_VERSION)
        fields = {"sv": SAS_VERSION, "st": st, "se": se, "sr": sr, "sp": permissions, "sig": sig}
        return urlencode(fields, quote_via=quote, safe="")

    def check(
        self,
        params: Mapping[str, str],
        container: str,
        blob: str | None,
        permission: str,
        now: float,
        alternatives: str = "",
    ) -> None:
        """Raise the Storage error a real account answers unless ``params`` grant the access.

        ``permission`` is the letter needed (``r``, ``w``, ...); any letter of ``alternatives``
        also does.
        """
        if "sig" not in params:
            raise VendorError(
                401,
                "Server failed to authenticate the request. This emulated account accepts "
                "only shared access signatures (ask POST /storage/sasUri for one).",
                "NoAuthenticationInformation",
            )
        missing = [name for name in ("sv", "se", "sr", "sp") if not params.get(name)]
        if missing:
            raise _auth_failed(f"The signature is missing the field(s) {', '.join(missing)}.")
        sr = params["sr"]
        if sr not in ("b", "c"):
            raise _auth_failed(f"Signed resource sr={sr!r} is not valid here (use b or c).")
        if sr == "b" and blob is None:
            raise _auth_failed("A blob SAS (sr=b) does not grant access to its container.")
        signed_blob = blob if sr == "b" else None
        expected = self._signature(
            params["sp"],
            params.get("st", ""),
            params["se"],
            _resource(container, signed_blob, sr),
            sr,
            params["sv"],
        )
        if not hmac.compare_digest(expected, params["sig"]):
            raise _auth_failed(
                "Signature did not match. The SAS was not issued by this emulator for "
                f"{_resource(container, signed_blob, sr)} with these fields."
            )
        try:
            start = _parse_stamp(params["st"]) if params.get("st") else None
            expiry = _parse_stamp(params["se"])
        except ValueError as exc:
            raise _auth_failed(f"Invalid SAS time: {exc}") from None
        if expiry <= now or (start is not None and start > now):
            raise _auth_failed(
                "Signature not valid in the specified time frame: "
                f"Start [{_http_date(start) if start is not None else 'none'}] - "
                f"Expiry [{_http_date(expiry)}] - Current [{_http_date(now)}]"
            )
        granted = params["sp"]
        if permission not in granted and not any(letter in granted for letter in alternatives):
            raise VendorError(
                403,
                "This request is not authorized to perform this operation using this "
                f"permission: it needs sp to contain {permission!r}, the SAS grants {granted!r}.",
                "AuthorizationPermissionMismatch",
            )


def _resource(container: str, blob: str | None, sr: str) -> str:
    return f"/blob/{container}" if sr == "c" or blob is None else f"/blob/{container}/{blob}"


def _auth_failed(detail: str) -> VendorError:
    return VendorError(
        403,
        "Server failed to authenticate the request. Make sure the value of Authorization header "
        f"is formed correctly including the signature.\n{detail}",
        "AuthenticationFailed",
    )
