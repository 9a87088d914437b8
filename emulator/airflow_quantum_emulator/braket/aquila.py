"""QuEra Aquila's AHS paradigm properties, as ``deviceCapabilities.paradigm`` carries them.

The figures are Aquila's published limits (a 75 x 76 um field, 4 um minimum spacing, 256 sites,
a Rabi frequency up to 15.8 Mrad/s, detuning within +-125 Mrad/s, 4 us programs); the
performance block (error rates, coherence times) holds typical orders of magnitude, marked
UNVERIFIED: no client decides anything from them, and the emulator's simulation is noiseless.
"""

from __future__ import annotations

from typing import Any


def paradigm(qubits: int) -> dict[str, Any]:
    """The ``paradigm`` member of Aquila's capabilities."""
    return {
        "braketSchemaHeader": {
            "name": "braket.device_schema.quera.quera_ahs_paradigm_properties",
            "version": "1",
        },
        "qubitCount": qubits,
        "lattice": {
            "area": {"width": "0.000075", "height": "0.000076"},
            "geometry": {
                "spacingRadialMin": "0.000004",
                "spacingVerticalMin": "0.000004",
                "positionResolution": "0.0000001",
                "numberSitesMax": qubits,
            },
        },
        "rydberg": {
            "c6Coefficient": "5.42e-24",
            "rydbergGlobal": {
                "rabiFrequencyRange": ["0", "15800000.0"],
                "rabiFrequencyResolution": "400",
                "rabiFrequencySlewRateMax": "250000000000000",
                "detuningRange": ["-125000000.0", "125000000.0"],
                "detuningResolution": "0.2",
                "detuningSlewRateMax": "2500000000000000",
                "phaseRange": ["-99", "99"],
                "phaseResolution": "0.0000005",
                "timeResolution": "1e-9",
                "timeDeltaMin": "5e-8",
                "timeMin": "0",
                "timeMax": "0.000004",
            },
        },
        # UNVERIFIED: typical magnitudes, see the module's docstring.
        "performance": {
            "lattice": {
                "positionErrorAbs": "1e-7",
                "sitePositionError": "1e-7",
                "atomPositionError": "1e-7",
                "fillingErrorTypical": "0.008",
                "fillingErrorWorst": "0.05",
                "vacancyErrorTypical": "0.001",
                "vacancyErrorWorst": "0.005",
                "atomLossProbabilityTypical": "0.005",
                "atomLossProbabilityWorst": "0.01",
                "atomCaptureProbabilityTypical": "0.001",
                "atomCaptureProbabilityWorst": "0.005",
                "atomDetectionErrorFalsePositiveTypical": "0.001",
                "atomDetectionErrorFalsePositiveWorst": "0.005",
                "atomDetectionErrorFalseNegativeTypical": "0.008",
                "atomDetectionErrorFalseNegativeWorst": "0.05",
            },
            "rydberg": {
                "rydbergGlobal": {
                    "rabiFrequencyErrorRel": "0.03",
                    "rabiFrequencyGlobalErrorRel": "0.02",
                    "rabiFrequencyInhomogeneityRel": "0.02",
                    "groundDetectionError": "0.05",
                    "rydbergDetectionError": "0.1",
                    "groundPrepError": "0.01",
                    "rydbergPrepErrorBest": "0.05",
                    "rydbergPrepErrorWorst": "0.07",
                    "T1Single": "0.000075",
                    "T1Ensemble": "0.000075",
                    "T2StarSingle": "0.000005",
                    "T2StarEnsemble": "0.000004",
                    "T2EchoSingle": "0.000005",
                    "T2EchoEnsemble": "0.000004",
                    "T2RabiSingle": "0.000005",
                    "T2RabiEnsemble": "0.000004",
                    "T2BlockadedRabiSingle": "0.000002",
                    "T2BlockadedRabiEnsemble": "0.000002",
                    "detuningError": "1000000.0",
                    "detuningInhomogeneity": "1000000.0",
                    "rabiAmplitudeRampCorrection": [
                        {"rampTime": "5e-8", "rabiCorrection": "0.92"},
                        {"rampTime": "7.5e-8", "rabiCorrection": "0.97"},
                        {"rampTime": "1e-7", "rabiCorrection": "1.0"},
                    ],
                },
            },
        },
    }
