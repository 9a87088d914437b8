"""The old names of the IBM primitive operators import for one release, with a warning."""

from __future__ import annotations

import importlib

import pytest

from airflow_quantum.operators import ibm_quantum


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("IBMQuantumSamplerOperator", "IBMQuantumRunSamplerOperator"),
        ("IBMQuantumEstimatorOperator", "IBMQuantumRunEstimatorOperator"),
    ],
)
def test_old_operator_names_warn_and_give_the_new_class(old, new):
    with pytest.warns(DeprecationWarning, match=new):
        cls = getattr(ibm_quantum, old)
    assert cls is getattr(ibm_quantum, new)
    with pytest.warns(DeprecationWarning, match=new):
        exec(f"from airflow_quantum.operators.ibm_quantum import {old}", {})


def test_unknown_names_still_fail_to_import():
    module = importlib.import_module("airflow_quantum.operators.ibm_quantum")
    with pytest.raises(AttributeError, match="IBMQuantumNoSuchOperator"):
        module.IBMQuantumNoSuchOperator  # noqa: B018


def test_get_results_and_cancel_operators_share_one_base_each():
    from airflow_quantum.operators import azure_quantum
    from airflow_quantum.operators.base import QuantumCancelJobOperator, QuantumGetResultsOperator

    for module in (azure_quantum, ibm_quantum):
        vendor = "AzureQuantum" if module is azure_quantum else "IBMQuantum"
        get_results = getattr(module, f"{vendor}GetResultsOperator")
        cancel = getattr(module, f"{vendor}CancelJobOperator")
        assert issubclass(get_results, QuantumGetResultsOperator)
        assert issubclass(cancel, QuantumCancelJobOperator)
        assert "execute" not in vars(get_results) and "execute" not in vars(cancel)
