"""
### Azure Quantum: a Bell pair on Quantinuum H2, in OpenQASM and in QIR, and its resource estimate

Runs the same two-qubit Bell program `(|00⟩ + |11⟩)/√2` on Quantinuum's H2-1 emulator in both
forms the target reads, and asks Microsoft's resource estimator what a fault-tolerant version
of a small Toffoli program would need:

* `bell_openqasm` submits OpenQASM 2 (`honeywell.openqasm.v1`) to `quantinuum.sim.h2-1e`; the
  result (`honeywell.quantum-results.v1`) has the `counts` of each classical register;
* `bell_qir` submits the program as base-profile QIR (`qir.v1`, here in its LLVM text form;
  bitcode works the same); the result (`microsoft.quantum-results.v2`) has `counts` by outcome;
* `estimate` submits a Toffoli program as QIR to `microsoft.estimator`; the result
  (`microsoft.resource-estimates.v1`) has the physical qubits, runtime and code distance (and
  the whole estimate) for the default qubit model and an error budget of 0.1 %;
* `report` checks that both Bell runs gave only `00` and `11`, and prints the estimate.

All three jobs **defer**: the waits happen in the triggerer. Runs unchanged against the local
emulator or a real workspace: only the `azure_quantum_default` connection differs.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import dag, task

from airflow_quantum.operators.azure_quantum import AzureQuantumSubmitJobOperator

BELL_OPENQASM = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
"""

_ONE = "ptr inttoptr (i64 1 to ptr)"
_TWO = "ptr inttoptr (i64 2 to ptr)"
_QIR_DECLARATIONS = """
declare void @__quantum__qis__h__body(ptr)
declare void @__quantum__qis__cnot__body(ptr, ptr)
declare void @__quantum__qis__ccx__body(ptr, ptr, ptr)
declare void @__quantum__qis__mz__body(ptr, ptr writeonly) #1
declare void @__quantum__rt__array_record_output(i64, ptr)
declare void @__quantum__rt__result_record_output(ptr, ptr)
attributes #1 = { "irreversible" }
"""


def _qir(name: str, qubits: int, body: list[str]) -> str:
    """A base-profile QIR module (LLVM text) whose entry point runs ``body``, then returns."""
    calls = "\n".join(f"  call void {line}" for line in body)
    return (
        f"; ModuleID = '{name}'\n"
        f"define void @{name}() #0 {{\nentry:\n{calls}\n  ret void\n}}\n"
        + _QIR_DECLARATIONS
        + f'attributes #0 = {{ "entry_point" "qir_profiles"="base_profile" '
        f'"required_num_qubits"="{qubits}" "required_num_results"="{qubits}" }}\n'
    )


#: The Bell program as QIR: H, CNOT, measure both qubits, report both results as one array.
BELL_QIR = _qir(
    "bell",
    2,
    [
        "@__quantum__qis__h__body(ptr null)",
        f"@__quantum__qis__cnot__body(ptr null, {_ONE})",
        "@__quantum__qis__mz__body(ptr null, ptr null)",
        f"@__quantum__qis__mz__body({_ONE}, {_ONE})",
        "@__quantum__rt__array_record_output(i64 2, ptr null)",
        "@__quantum__rt__result_record_output(ptr null, ptr null)",
        f"@__quantum__rt__result_record_output({_ONE}, ptr null)",
    ],
)
#: A Toffoli on three qubits in superposition, all measured: what the estimator sizes.
TOFFOLI_QIR = _qir(
    "toffoli",
    3,
    [
        "@__quantum__qis__h__body(ptr null)",
        f"@__quantum__qis__h__body({_ONE})",
        f"@__quantum__qis__ccx__body(ptr null, {_ONE}, {_TWO})",
        "@__quantum__qis__mz__body(ptr null, ptr null)",
        f"@__quantum__qis__mz__body({_ONE}, {_ONE})",
        f"@__quantum__qis__mz__body({_TWO}, {_TWO})",
    ],
)

_WAIT = {"deferrable": True, "poll_interval": 1, "timeout": 3600}


@dag(
    dag_id="example_azure_quantum_quantinuum",
    schedule=None,
    catchup=False,
    doc_md=__doc__,
    tags=["example", "quantum", "azure-quantum", "quantinuum", "qir"],
)
def example_azure_quantum_quantinuum():
    # --8<-- [start:submit]
    bell_openqasm = AzureQuantumSubmitJobOperator(
        task_id="bell_openqasm",
        target="quantinuum.sim.h2-1e",
        quantinuum_program=BELL_OPENQASM,
        shots=200,
        tags=["example", "bell"],
        **_WAIT,
    )
    bell_qir = AzureQuantumSubmitJobOperator(
        task_id="bell_qir",
        target="quantinuum.sim.h2-1e",
        qir=BELL_QIR,  # LLVM text or bitcode (bytes)
        shots=200,
        tags=["example", "bell", "qir"],
        **_WAIT,
    )
    estimate = AzureQuantumSubmitJobOperator(
        task_id="estimate",
        target="microsoft.estimator",
        qir=TOFFOLI_QIR,
        input_params={"errorBudget": 0.001},
        tags=["example", "estimate"],
        **_WAIT,
    )
    # --8<-- [end:submit]

    @task(multiple_outputs=False)  # one XCom holding the whole dict
    def report(
        openqasm: dict[str, Any], qir: dict[str, Any], resources: dict[str, Any]
    ) -> dict[str, Any]:
        openqasm_counts = openqasm["counts"]["c"]
        qir_counts = {label.strip("[]").replace(", ", ""): n for label, n in qir["counts"].items()}
        for name, counts in (("OpenQASM", openqasm_counts), ("QIR", qir_counts)):
            if not set(counts) <= {"00", "11"}:
                raise ValueError(f"the {name} Bell run gave {counts}: not a Bell pair")
        print(f"H2-1 emulator, OpenQASM 2: {openqasm_counts}")
        print(f"H2-1 emulator, QIR:        {qir_counts}")
        print(
            f"Toffoli, fault tolerant: {resources['physical_qubits']:,} physical qubits, "
            f"{resources['runtime_ns'] / 1000:g} µs, code distance {resources['code_distance']}"
        )
        return {
            "openqasm_counts": openqasm_counts,
            "qir_counts": qir_counts,
            "physical_qubits": resources["physical_qubits"],
            "runtime_ns": resources["runtime_ns"],
            "code_distance": resources["code_distance"],
            "logical_qubits": resources["logical_qubits"],
        }

    report(bell_openqasm.output, bell_qir.output, estimate.output)


example_azure_quantum_quantinuum()
