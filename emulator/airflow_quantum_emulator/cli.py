"""The airflow-quantum-emulator command line: serve the emulator, or run the demo."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from airflow_quantum_emulator._version import __version__
from airflow_quantum_emulator.config import BRAKET_ACCESS_KEY_ID, DEFAULT_SECRET, OPEN_PLAN_CRN

PROG = "airflow-quantum-emulator"
#: The distribution that brings each module a command needs (a broken or partial install says
#: which to install instead of a traceback). The demo runs the example DAGs: Airflow and the
#: provider too.
EMULATOR_MODULES = {"numpy": PROG, "fastapi": PROG, "uvicorn": PROG}
#: The provider before Airflow: importing Airflow loads the installed providers' metadata.
DEMO_MODULES = {
    **EMULATOR_MODULES,
    "airflow_quantum": "airflow-quantum",
    "airflow": "apache-airflow",
}
#: Distributions not on PyPI, and how to install them instead.
FROM_THE_CLONE = {
    "airflow-quantum": (
        "the airflow-quantum provider is not published yet: install it from a clone of its "
        "repository (git clone <repository> && cd airflow-quantum && make install, or "
        'pip install -e ".[qiskit]" there); make demo runs the demo from the clone'
    ),
}

EMULATOR_HELP = f"""\
Serve a local emulator of Azure Quantum, IBM Quantum (Qiskit Runtime) and Amazon Braket on
one port.

Credentials it accepts:
  Azure   workspace API key "{DEFAULT_SECRET}" (header x-ms-quantum-api-key), or an Entra
          token from POST {{url}}/{{tenant}}/oauth2/v2.0/token with any tenant and client id
          and client secret "{DEFAULT_SECRET}"; any subscription, resource group and
          workspace name.
  IBM     IBM Cloud API key "{DEFAULT_SECRET}" at POST {{url}}/identity/token; any instance
          CRN (Service-CRN header); runtime API at {{url}}/api/v1. The instance
          {OPEN_PLAN_CRN}
          is on the Open plan (no dedicated sessions); every other on pay-as-you-go.
  Braket  AWS access key id "{BRAKET_ACCESS_KEY_ID}", secret "{DEFAULT_SECRET}" (SigV4, any
          region: the credential scope names it); the Braket API at {{url}} and an S3 subset
          at {{url}}/s3 (path-style), where each task's results.json is written.

Control API (never on vendor paths): {{url}}/_emulator/stats, /reset, /faults, /config, /clock,
/jobs/{{id}}/finish|fail|cancel, /braket/tasks/{{id}}/hold|release, /braket/devices/{{arn}};
OpenAPI at {{url}}/_emulator/docs.

Fault specs for --fault (repeatable), KIND:key=value,...:
  status:status=429,retry_after=2,count=5      answer 429 with Retry-After to 5 requests
  status:status=503,duration=30,vendor=ibm     IBM answers 503 for 30 seconds
  latency:delay=1.5,path=/jobs                 slow answers
  late:delay=5,method=POST,vendor=ibm          handle the request, answer 5 s later
  drop:count=3                                 drop 3 connections mid-response
  job:outcome=fail,vendor=azure,count=1        the next Azure job fails
  job:outcome=cancel,vendor=ibm                the next IBM job is cancelled from outside
  status:status=429,vendor=braket,count=3      Braket throttles 3 requests
"""


#: The emulator's timing profiles (``config.PROFILES``, not imported here: the package pulls in
#: its web server) and the one ``airflow-quantum-emulator`` serves by default.
EMULATOR_PROFILES = ("demo", "fast", "realistic")
EMULATOR_DEFAULT_PROFILE = "demo"


def _serve_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the local Azure Quantum + IBM Quantum + Amazon Braket emulator (the default)",
        description=EMULATOR_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    parser.add_argument(
        "--profile",
        default=EMULATOR_DEFAULT_PROFILE,
        choices=EMULATOR_PROFILES,
        help=(
            "job timings (see docs/emulator.md): demo (the default: jobs take seconds, for a "
            "scheduler and triggerer), fast (sub-second, for tests), realistic (a minute of "
            "queue)"
        ),
    )
    parser.add_argument("--queue-seconds", type=float, help="time a job waits in the queue")
    parser.add_argument("--run-seconds", type=float, help="time a job runs")
    parser.add_argument("--azure-token-lifetime", type=float, help="Entra token lifetime (s)")
    parser.add_argument("--ibm-token-lifetime", type=float, help="IAM token lifetime (s)")
    parser.add_argument("--sas-lifetime", type=float, help="storage SAS URL lifetime (s)")
    parser.add_argument("--seed", type=int, help="seed for sampling and annealing")
    parser.add_argument(
        "--azure-status-words",
        choices=["legacy", "current"],
        help="Azure job status words at every api-version: legacy (Waiting ... Succeeded, what "
        "the real service answers; the default) or current (Queued ... Completed)",
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="SPEC", help="inject a fault (see above)"
    )
    parser.add_argument("--log-level", default="warning", help="uvicorn log level")


def _missing_module(command: str, modules: dict[str, str]) -> str | None:
    """Why ``command`` cannot run (the distribution to install), or None when it can."""
    for module, distribution in modules.items():
        try:
            importlib.import_module(module)
        except ImportError:
            how = FROM_THE_CLONE.get(distribution, f"pip install {distribution}")
            return f"{PROG} {command} needs the {module} package: {how}"
    return None


def _run_emulator(args: argparse.Namespace) -> int:
    missing = _missing_module("serve", EMULATOR_MODULES)
    if missing:
        print(missing, file=sys.stderr)
        return 1
    from airflow_quantum_emulator.config import EmulatorConfig
    from airflow_quantum_emulator.faults import FaultRule, parse_fault_spec
    from airflow_quantum_emulator.server import serve_forever
    from airflow_quantum_emulator.state import EmulatorState

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: binding {args.host}: the emulator accepts well-known credentials; "
            "expose it only on networks you trust.",
            file=sys.stderr,
        )
    try:
        config = EmulatorConfig.for_profile(
            args.profile,
            queue_seconds=args.queue_seconds,
            run_seconds=args.run_seconds,
            azure_token_lifetime=args.azure_token_lifetime,
            ibm_token_lifetime=args.ibm_token_lifetime,
            sas_lifetime=args.sas_lifetime,
            seed=args.seed,
            azure_status_words=args.azure_status_words,
        )
        faults = [parse_fault_spec(spec) for spec in args.fault]
    except (ValueError, ValidationError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2

    def on_ready(url: str) -> None:
        print(f"{PROG} {__version__} serving on {url}", flush=True)
        print(f"  Azure Quantum endpoint : {url}  (API key: {config.azure_api_key})", flush=True)
        print(f"  Entra authority host   : {url}", flush=True)
        identity = f"{url}/msi/token  (IDENTITY_HEADER: {config.azure_identity_header})"
        print(f"  managed identity       : {identity}", flush=True)
        print(f"  IBM runtime URL        : {url}/api/v1  (API key: {config.ibm_api_key})")
        print(f"  IBM IAM URL            : {url}", flush=True)
        braket = f"{url}  (access key id {config.braket_access_key_id}, region: any)"
        print(f"  Amazon Braket endpoint : {braket}", flush=True)
        print(f"  S3 endpoint (results)  : {url}/s3", flush=True)
        print(f"  control API            : {url}/_emulator/stats   (Ctrl-C stops)", flush=True)

    state = EmulatorState(config)
    for fault in faults:
        if isinstance(fault, FaultRule):
            state.faults.add(fault, state.now())
        else:
            state.faults.add_job_fault(fault)
    try:
        serve_forever(state, args.host, args.port, args.log_level, on_ready=on_ready)
    except OSError as exc:
        print(f"{PROG}: cannot serve on {args.host}:{args.port}: {exc}")
        return 1
    return 0


def _demo_parser(subparsers: argparse._SubParsersAction) -> None:
    from airflow_quantum_emulator.demo import DEMO_QUEUE_SECONDS, DEMO_RUN_SECONDS

    parser = subparsers.add_parser(
        "demo",
        help="run every example DAG against the local emulator and summarise the results",
        description="Start the emulator in-process, run each example DAG with 'airflow dags "
        "test' in an Airflow home of its own (.airflow-demo), and print what each produced.",
    )
    parser.add_argument("dag_ids", nargs="*", metavar="DAG_ID", help="only these DAGs")
    parser.add_argument("--home", type=Path, help="Airflow home (default: .airflow-demo)")
    parser.add_argument("--dags-folder", type=Path, help="DAGs to run (default: example_dags)")
    parser.add_argument(
        "--queue-seconds", type=float, default=DEMO_QUEUE_SECONDS, help="emulated queue time"
    )
    parser.add_argument(
        "--run-seconds", type=float, default=DEMO_RUN_SECONDS, help="emulated run time"
    )


def _run_demo(args: argparse.Namespace) -> int:
    missing = _missing_module("demo", DEMO_MODULES)
    if missing:
        print(missing, file=sys.stderr)
        return 1
    from airflow_quantum_emulator.demo import run_demo

    try:
        return run_demo(
            home=args.home,
            dags_folder=args.dags_folder,
            dag_ids=args.dag_ids,
            queue_seconds=args.queue_seconds,
            run_seconds=args.run_seconds,
        )
    except KeyboardInterrupt:
        print(f"\n{PROG} demo: interrupted", file=sys.stderr)
        return 130


#: What ``main`` runs when the first argument names no command: ``airflow-quantum-emulator
#: --port 0`` serves.
DEFAULT_COMMAND = "serve"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``airflow-quantum-emulator`` console script."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__,
        epilog=f"With no command, or options only, {PROG} serves: {PROG} --port 0.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="{serve,demo}")
    _serve_parser(subparsers)
    _demo_parser(subparsers)
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in (*subparsers.choices, "-h", "--help", "--version"):
        args_list.insert(0, DEFAULT_COMMAND)
    args = parser.parse_args(args_list)
    if args.command == "serve":
        return _run_emulator(args)
    if args.command == "demo":
        return _run_demo(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
