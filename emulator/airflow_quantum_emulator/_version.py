"""The emulator distribution's version (read by hatchling and by the app's OpenAPI page)."""

__version__ = "0.1.0"
