"""The client's ISA check: non-ISA circuits are refused before any job exists (no qiskit needed).

The OpenQASM reader and the target are checked alone, then both faces of the client against
the emulator: a refused job never reaches ``POST /jobs``, and each backend's configuration is
fetched once per client.
"""

from __future__ import annotations

import pytest
from ibm_circuits import ISA_BELL, ISA_RY_SWEEP, TEXTBOOK_BELL
from ibm_client_support import FAST, settings, stats

from airflow_quantum.clients.errors import InvalidInputError
from airflow_quantum.clients.ibm import IBMPreparedJob, IBMQuantumClient
from airflow_quantum.clients.ibm import circuits as pubs
from airflow_quantum.clients.ibm.backend_models import IBMBackendConfiguration
from airflow_quantum.clients.ibm.isa import (
    BackendTarget,
    NonISACircuitError,
    QasmInstruction,
    check_pubs,
    scan,
)

#: A small Heron-like target: 4 qubits in a line 0-1-2-3, with if_else but no for_loop.
LINE = IBMBackendConfiguration.from_wire(
    {
        "backend_name": "ibm_line",
        "n_qubits": 4,
        "basis_gates": ["cz", "id", "rz", "sx", "x", "rx", "rzz"],
        "supported_instructions": ["measure", "reset", "delay", "if_else"],
        "coupling_map": [[0, 1], [1, 0], [1, 2], [2, 1], [2, 3], [3, 2]],
        "simulator": False,
    },
    "configuration",
)


def _head(body: str) -> str:
    return f'OPENQASM 3.0;\ninclude "stdgates.inc";\nbit[4] c;\n{body}'


def test_scan_lists_instructions_with_global_qubits_and_broadcasts_registers():
    program, qubits = scan(
        "OPENQASM 3.0;\nqubit[2] a;\nqreg b[2];\nbit[2] c;\n// h a[0];\n"
        "/* cx a[0], a[1]; */\nx a;\nrz(pi / 2) b[1];\ncz a[1], b[0];\n"
        "measure b[1] -> c[0];\nc[1] = measure a[0];\nreset b;\nbarrier a, b;\n"
        "delay[50ns] a[0];\n"
    )
    assert qubits == 4
    assert program == [
        QasmInstruction("x", (0,)),
        QasmInstruction("x", (1,)),
        QasmInstruction("rz", (3,), ("pi / 2",)),
        QasmInstruction("cz", (1, 2)),
        QasmInstruction("measure", (3,)),
        QasmInstruction("measure", (0,)),
        QasmInstruction("reset", (2,)),
        QasmInstruction("reset", (3,)),
        QasmInstruction("delay", (0,)),
    ]


def test_scan_reads_physical_qubits_definitions_modifiers_and_control_flow():
    program, qubits = scan(
        _head(
            "gate bell a, b { h a; cx a, b; }\n#pragma anything\nbell $0, $1;\n"
            "ctrl @ x $1, $2;\nif (c[0]) { x $7; } else { sx $7; }\n"
        )
    )
    assert qubits == 8
    assert [item.name for item in program] == [
        "bell",
        "ctrl @ x",
        "if_else",
        "x",
        "if_else",
        "sx",
    ]
    assert program[0].qubits == (0, 1) and program[3].qubits == (7,)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("h $0;", r"instruction h on qubits \(0,\) is not supported by ibm_line"),
        ("cz $0, $2;", r"cz on qubits \(0, 2\) is not supported by ibm_line: .*not coupled"),
        ("x $4;", "the circuit has 5 qubits but ibm_line has 4"),
        ("ctrl @ x $0, $1;", r"ctrl @ x on qubits \(0, 1\)"),
        ("if (c[0]) { h $1; }", r"h on qubits \(1,\)"),
        ("for int i in [0:1] { x $0; }", "for_loop on qubits .* is not supported by ibm_line"),
        ("int k = 1;\nswitch (k) { case 1 { x $0; } }", "switch_case on qubits"),
        ("rzz(-pi/4) $0, $1;", r"rzz on qubits \(0, 1\) has the angle -0.785398: .*\[0, pi/2\]"),
        ("rzz(2*pi/3) $1, $2;", "has the angle 2.0944"),
    ],
)
def test_the_first_offending_instruction_is_named(body, message):
    target = BackendTarget.from_configuration(LINE)
    params = pubs.primitive_params([[_head("x $0;\n")], [_head(body)]])
    with pytest.raises(NonISACircuitError, match=message) as raised:
        check_pubs(params, target)
    assert str(raised.value).startswith("pub 1: the circuit is not an ISA circuit of ibm_line")
    assert "optimization_level" in str(raised.value)
    assert isinstance(raised.value, InvalidInputError)


def test_rzz_angles_in_range_or_still_unbound_pass():
    target = BackendTarget.from_configuration(LINE)
    for angle in ("0", "pi/4", "pi / 2", "theta"):
        check_pubs(pubs.primitive_params([[_head(f"rzz({angle}) $0, $1;")]]), target)


def test_isa_circuits_pass_and_unreadable_or_qpy_circuits_are_left_to_the_service():
    target = BackendTarget.from_configuration(LINE)
    check_pubs(pubs.primitive_params([[ISA_BELL], [ISA_RY_SWEEP, [[0.1]]]]), target)
    check_pubs(pubs.primitive_params([[{"__type__": "QuantumCircuit", "__value__": "x"}]]), target)
    check_pubs(pubs.primitive_params([[_head("h q[1:3];")]]), target)  # slices: not read here


def test_a_simulator_target_checks_nothing():
    simulator = LINE.model_copy(update={"simulator": True})
    check_pubs(
        pubs.primitive_params([[TEXTBOOK_BELL]]), BackendTarget.from_configuration(simulator)
    )


# ---------------------------------------------------------------------- against the emulator


def _sampler(circuit: str) -> dict:
    return pubs.primitive_params(pubs.sampler_pubs([circuit], 10))


def test_the_client_refuses_a_textbook_circuit_before_any_job_exists(emulator):
    with IBMQuantumClient(settings(emulator.url), retry_policy=FAST) as client:
        with pytest.raises(NonISACircuitError, match=r"h on qubits \(0,\).*ibm_fez"):
            client.run_job(IBMPreparedJob.program("sampler", "ibm_fez", _sampler(TEXTBOOK_BELL)))
        with pytest.raises(NonISACircuitError, match=r"cz on qubits \(0, 16\)"):
            client.run_job(
                IBMPreparedJob.program("sampler", "ibm_fez", _sampler(_head("cz $0, $16;")))
            )
        assert emulator.state.stats.vendors["ibm"].jobs_submitted == 0
        for _ in range(2):
            assert client.run_job(
                IBMPreparedJob.program("sampler", "ibm_fez", _sampler(ISA_BELL))
            ).id
    routes = stats(emulator.url)["routes"]
    assert routes["GET /api/v1/backends/{name}/configuration"] == 1
    assert routes["POST /api/v1/jobs"] == 2


def test_an_unknown_backend_is_named_with_the_instances_backends(emulator):
    with (
        IBMQuantumClient(settings(emulator.url), retry_policy=FAST) as client,
        pytest.raises(InvalidInputError, match=r"'ibm_torino' does not exist.*ibm_fez"),
    ):
        client.run_job(IBMPreparedJob.program("sampler", "ibm_torino", _sampler(ISA_BELL)))
    assert emulator.state.stats.vendors["ibm"].jobs_submitted == 0


def test_a_job_in_a_session_is_checked_against_the_session_backend(emulator):
    with IBMQuantumClient(settings(emulator.url), retry_policy=FAST) as client:
        session = client.open_session("ibm_kingston", mode="batch")
        with pytest.raises(NonISACircuitError, match="ibm_kingston"):
            params = pubs.primitive_params([[TEXTBOOK_BELL, "ZZ"]])
            client.run_job(IBMPreparedJob.program("estimator", None, params, session_id=session.id))
        assert client.run_job(
            IBMPreparedJob.program("sampler", None, _sampler(ISA_BELL), session_id=session.id)
        ).id


def test_other_programs_are_not_checked(emulator):
    with IBMQuantumClient(settings(emulator.url), retry_policy=FAST) as client:
        with pytest.raises(Exception, match="not found") as raised:
            client.run_job(
                IBMPreparedJob.program("noise-learner", "ibm_fez", {"circuits": [TEXTBOOK_BELL]})
            )
        assert not isinstance(raised.value, NonISACircuitError)


def test_other_backends_refuse_the_same_circuits(emulator):
    # Was the async face's test; submission is the sync client's only (issue 16).
    with IBMQuantumClient(settings(emulator.url), retry_policy=FAST) as client:
        with pytest.raises(NonISACircuitError, match=r"cx on qubits \(0, 1\)|h on qubits"):
            client.run_job(
                IBMPreparedJob.program("sampler", "ibm_marrakesh", _sampler(TEXTBOOK_BELL))
            )
        with pytest.raises(InvalidInputError, match="does not exist"):
            client.run_job(IBMPreparedJob.program("sampler", "ibm_nowhere", _sampler(ISA_BELL)))
        assert client.run_job(
            IBMPreparedJob.program("sampler", "ibm_marrakesh", _sampler(ISA_BELL))
        ).id
    assert emulator.state.stats.vendors["ibm"].jobs_submitted == 1
