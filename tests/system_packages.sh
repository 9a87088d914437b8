#!/usr/bin/env bash
# The system packages the tests need that no wheel brings: Debian's chromium, which the UI
# tests drive through Playwright (tests/ui, executable_path /usr/bin/chromium; Playwright never
# downloads a browser here). Everything else the tests start comes from .venv (PostgreSQL and
# Valkey/Redis from wheels: see the dev extra in pyproject.toml).
#
#   tests/system_packages.sh --check   exit 0 if the packages are there or can be installed
#                                      here (root, or passwordless sudo, and apt-get); else
#                                      say which command to run, and exit 1
#   tests/system_packages.sh           install what is missing (nothing if nothing is)
#
# `make test` (through `make test-setup`) runs --check first, so that it fails at the start,
# then the install beside the venv's; .ci/run calls the same target.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
[ "${#missing[@]}" -gt 0 ] || exit 0

command_line="apt-get update && apt-get install -y ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "tests/system_packages.sh: $CHROMIUM is missing (the UI tests drive it) and this" \
        "machine has no apt-get: install Chromium so that $CHROMIUM runs it" \
        "(Debian, Ubuntu: $command_line), then run make test again" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    echo "tests/system_packages.sh: Debian's ${missing[*]} is missing (the UI tests drive" \
        "$CHROMIUM) and this user cannot install it without a password: run" \
        "\`sudo sh -c '$command_line'\`, then make test again" >&2
    exit 1
fi
[ "${1:-}" != "--check" ] || exit 0

echo "tests/system_packages.sh: installing ${missing[*]} (apt-get)"
"${sudo[@]}" apt-get update -qq
# Without the recommends (25 packages instead of 131: no GTK tools, Perl modules, fonts
# beyond those the machine has); headless Chromium needs none of them.
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
[ -x "$CHROMIUM" ] || { echo "tests/system_packages.sh: $CHROMIUM still missing" >&2; exit 1; }
