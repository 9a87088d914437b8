"""The emulator's simulation core: pure Python + numpy, no web or Airflow code.

- :mod:`.qasm` parses OpenQASM 2/3 into a :class:`~.circuit.Circuit`;
  :mod:`.ionq` does the same for IonQ's JSON circuits.
- :mod:`.statevector` simulates bound circuits with amazon-braket-default-simulator's
  kernel and gate matrices (:mod:`.library` loads it); :mod:`.primitives` computes what Qiskit
  Runtime's Sampler V2 / Estimator V2 return for a pub.
- :mod:`.qir` reads base-profile QIR with pyqir, :mod:`.quil` translates Rigetti's Quil, both
  into circuits; :mod:`.estimator` sizes a QIR program for a fault-tolerant machine.

Invalid input raises :class:`~.errors.SimulationError` (:class:`~.errors.QasmError` for QASM).
"""

from airflow_quantum_emulator.sim.errors import QasmError, SimulationError

__all__ = ["QasmError", "SimulationError"]
