"""An AWS ``credential_process`` for the reliability deployment: temporary Braket credentials
from the emulator (``POST /_emulator/braket/credentials``), as STS would hand them out.

    python braket_temporary_credentials.py EMULATOR_URL LIFETIME_SECONDS

botocore runs it from a profile's ``credential_process`` and renews what it printed before the
``Expiration`` it printed, starting 15 minutes ahead (its advisory refresh window). Credentials
that live a few seconds, so that a short wait outlives several of them, would then be renewed at
every signature: the script moves the ``Expiration`` it prints that window later, less
``AHEAD`` seconds, so botocore renews each key pair ``AHEAD`` seconds before the emulator
refuses it (403 ExpiredTokenException), once per lifetime, as it would for hour-long keys.
"""

from __future__ import annotations

import datetime
import json
import sys

import httpx

#: botocore's advisory refresh window (``RefreshableCredentials._advisory_refresh_timeout``).
BOTOCORE_ADVISORY_SECONDS = 15 * 60
#: Seconds before the emulator's expiry at which botocore renews the keys.
AHEAD = 2.0


def main(url: str, lifetime: float) -> None:
    issued = httpx.post(
        f"{url.rstrip('/')}/_emulator/braket/credentials",
        json={"lifetime_seconds": lifetime},
        timeout=30,
    )
    issued.raise_for_status()
    body = issued.json()
    expires = datetime.datetime.fromisoformat(body["Expiration"].replace("Z", "+00:00"))
    shown = expires + datetime.timedelta(seconds=BOTOCORE_ADVISORY_SECONDS - AHEAD)
    print(
        json.dumps(
            {
                "Version": 1,
                "AccessKeyId": body["AccessKeyId"],
                "SecretAccessKey": body["SecretAccessKey"],
                "SessionToken": body["SessionToken"],
                "Expiration": shown.isoformat(),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
