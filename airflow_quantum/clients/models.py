"""Building blocks of the vendors' models: lenient config, timestamp fields, listed jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pendulum
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from airflow_quantum.clients.errors import BadResponseError
from airflow_quantum.clients.timestamps import parse_timestamp

#: A timezone-aware pendulum timestamp from any of the vendors' string forms (or None).
Timestamp = Annotated[pendulum.DateTime | None, BeforeValidator(parse_timestamp)]


class WireModel(BaseModel):
    """A vendor payload: unknown fields are kept (``model_extra``), never fatal."""

    model_config = ConfigDict(
        extra="allow", populate_by_name=True, arbitrary_types_allowed=True, frozen=False
    )

    @classmethod
    def from_wire(cls, payload: Any, what: str | None = None) -> Any:
        """Validate a payload, raising ``BadResponseError`` (never a bare ValidationError)."""
        if not isinstance(payload, dict):
            raise BadResponseError(
                f"expected a JSON object for {what or cls.__name__}, got {type(payload).__name__}"
            )
        try:
            return cls.model_validate(payload)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
                for err in exc.errors()[:5]
            )
            # from None: pydantic's own text quotes the input values, which may be sensitive.
            raise BadResponseError(
                f"unexpected {what or cls.__name__} payload: {problems}"
            ) from None


@dataclass(frozen=True, slots=True)
class ListedJob:
    """A job as a listing shows it, not parsed into a model yet.

    ``status`` holds the wire's status words as they are (a cheap, comparable value): a waiter
    only parses ``raw`` into the vendor's model when ``status`` changed since the last listing.
    """

    id: str
    status: tuple[Any, ...]
    raw: dict[str, Any]
