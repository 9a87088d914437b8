"""The hook methods that only forwarded to the client still work for one release, with a warning.

One mechanism serves them all (``QuantumBaseHook.__getattr__`` and each hook's
``deprecated_forwards``): the warning names the client call that replaces the method, and the
old signature and return value are kept where they differed from the client's.
"""

from __future__ import annotations

import asyncio
import warnings

import pytest
from airflow_face_support import BELL_IONQ, BELL_QASM, hold

from airflow_quantum.clients.azure.models import JobDetails
from airflow_quantum.hooks.azure_quantum import AzureQuantumHook
from airflow_quantum.hooks.ibm_quantum import IBMQuantumHook


def deprecated(replacement: str):
    return pytest.warns(DeprecationWarning, match=rf"use .*\.{replacement}\(")


def test_azure_forwards_warn_and_reach_the_client(azure_connection, emulator):
    hook = AzureQuantumHook()
    with deprecated("submit_ionq_circuit"):
        job = hook.submit_ionq_circuit(BELL_IONQ, shots=10, name="old-style")
    assert isinstance(job, JobDetails) and job.name == "old-style"
    with deprecated("get_job"):
        assert hook.get_job(job.id).id == job.id
    with deprecated("list_jobs"):
        assert [j.id for j in hook.list_jobs(name_prefix="old-")] == [job.id]
    with deprecated("open_session"):  # positional, as the hook took them
        session = hook.open_session("ionq", "ionq.simulator", name="old-session")
    assert session.name == "old-session"
    with deprecated("update_tags"):
        assert hook.update_tags(job.id, ["a"]).tags == ["a"]


def test_azure_async_forwards_warn_and_use_the_async_client(azure_connection, emulator):
    hook = AzureQuantumHook()
    job = hook.get_conn().submit_ionq_circuit(BELL_IONQ, shots=10)

    async def old_style() -> str:
        try:
            with pytest.warns(DeprecationWarning, match=r"\(await hook\.aclient\(\)\)\.get_job"):
                return (await hook.aget_job(job.id)).id
        finally:
            await hook.aclose()

    assert asyncio.run(old_style()) == job.id


def test_ibm_forwards_keep_their_old_signatures(ibm_connection, emulator):
    hold(emulator)  # no log yet when read, however slow
    hook = IBMQuantumHook()
    params = {"pubs": [[BELL_QASM, None, 10]], "version": 2}
    with deprecated("run_job"):  # program, backend, params: the hook's old order
        job_id = hook.run_job("sampler", "ibm_fez", params, None, ["old"])
    assert isinstance(job_id, str)
    with deprecated("get_job"):
        assert hook.get_job(job_id, include_params=True).inputs["pubs"][0][2] == 10
    with deprecated("list_jobs"):
        listed = hook.list_jobs(tags=["old"])
    assert isinstance(listed, list) and [job.id for job in listed] == [job_id]
    with deprecated("create_session"):
        session_id = hook.open_session("ibm_fez", mode="batch")
    assert hook.get_conn().get_session(session_id).mode == "batch"
    with deprecated("get_logs"):
        assert hook.logs(job_id) == ""
    with deprecated("get_backend_configuration"):
        assert hook.backend("ibm_fez").backend_name == "ibm_fez"
    with deprecated("get_metrics"):

        async def metrics() -> dict:
            try:
                return await hook.ametrics(job_id)
            finally:
                await hook.aclose()

        assert "timestamps" in asyncio.run(metrics())


def test_unknown_names_are_plain_attribute_errors(azure_connection):
    hook = AzureQuantumHook()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError, match="no_such_method"):
            hook.no_such_method  # noqa: B018
        with pytest.raises(AttributeError):
            hook._private  # noqa: B018
        assert not hasattr(IBMQuantumHook(), "submit_ionq_circuit")  # Azure's, not IBM's


def test_what_the_hook_adds_stays_without_warning():
    """The kept methods are real methods, not served by the deprecation table."""
    for hook_class in (AzureQuantumHook, IBMQuantumHook):
        for name in ("get_job_status", "get_job_result", "cancel_job", "acancel_job"):
            assert callable(getattr(hook_class, name)), name
            assert name not in hook_class.deprecated_forwards
        assert "queue_position" in vars(hook_class) and "aqueue_position" in vars(hook_class)
    for name in ("refresh", "has_completed", "wait_until_completed", "get_results"):
        assert name in vars(AzureQuantumHook), name
    for name in ("status", "wait_for_final_state", "result", "error_message", "update_tags"):
        assert name in vars(IBMQuantumHook), name
