"""``python -m airflow_quantum_emulator``: the ``airflow-quantum-emulator`` command."""

import sys

from airflow_quantum_emulator.cli import main

sys.exit(main())
