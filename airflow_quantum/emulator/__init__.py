"""A local emulator of Azure Quantum and IBM Quantum (Qiskit Runtime), in the spirit of moto.

Start it with ``airflow-quantum emulator`` or, in tests::

    from airflow_quantum.emulator import EmulatorServer

    with EmulatorServer() as emulator:
        ...  # point connections at emulator.url

It needs the ``emulator`` extra (numpy); FastAPI and uvicorn come with Airflow.
"""

from airflow_quantum.emulator.config import DEFAULT_SECRET, EmulatorConfig
from airflow_quantum.emulator.server import EmulatorServer
from airflow_quantum.emulator.state import EmulatorState

__all__ = ["DEFAULT_SECRET", "EmulatorConfig", "EmulatorServer", "EmulatorState"]
