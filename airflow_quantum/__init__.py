"""Apache Airflow provider for Azure Quantum and IBM Quantum (Qiskit Runtime)."""

__version__ = "0.1.0"
