"""Reading and validating request bodies into the caller's vendor error shape."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from airflow_quantum_emulator.errors import VendorError

ModelT = TypeVar("ModelT", bound=BaseModel)


async def read_json(request: Request, *, required: bool = True) -> Any:
    """The JSON body, or a 400 ``VendorError`` that says what is wrong with it."""
    body = await request.body()
    if not body:
        if required:
            raise VendorError(400, "The request body is empty; a JSON document was expected.")
        return {}
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise VendorError(400, f"The request body is not valid JSON: {exc}") from exc


def _reject_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; accepting them would poison later JSON answers.
    raise ValueError(f"{name} is not a valid JSON value")


def validate(model: type[ModelT], data: Any, what: str | None = None) -> ModelT:
    """Validate ``data`` as ``model``; a 400 ``VendorError`` names each offending field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise VendorError(400, describe_validation_error(exc, what or model.__name__)) from exc


def describe_validation_error(exc: ValidationError, what: str) -> str:
    """``Invalid JobDetails: target: Field required; tags.0: Input should be a valid string``."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in err['loc']) or 'body'}: {err['msg']}"
        for err in exc.errors()
    )
    return f"Invalid {what}: {problems}"
