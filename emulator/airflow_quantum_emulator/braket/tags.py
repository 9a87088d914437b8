"""Tags of quantum tasks and spending limits: ListTagsForResource, TagResource, UntagResource."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, StrictStr
from starlette.responses import JSONResponse, Response

from airflow_quantum_emulator.bodies import read_json, validate
from airflow_quantum_emulator.braket.sigv4 import Caller
from airflow_quantum_emulator.braket.store import BraketStore
from airflow_quantum_emulator.errors import VendorError
from airflow_quantum_emulator.state import EmulatorState


class TagResourceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tags: dict[StrictStr, StrictStr]


def build_tags_router(
    state: EmulatorState, store: BraketStore, limits: Any, authenticate: Any
) -> APIRouter:
    router = APIRouter(tags=["Amazon Braket"])

    def tags_of(arn: str, caller: Caller) -> dict[str, str]:
        task = store.task(arn, caller.region)
        if task is not None:
            return task.tags
        limit = limits.limits.get(arn)
        if limit is not None and limit.region == caller.region:
            return limit.tags
        raise VendorError(404, f"Resource {arn} not found.")

    @router.get("/tags/{arn:path}")
    async def list_tags(arn: str, caller: Caller = Depends(authenticate)) -> Response:
        return JSONResponse({"tags": dict(tags_of(arn, caller))})

    @router.post("/tags/{arn:path}")
    async def tag(arn: str, request: Request, caller: Caller = Depends(authenticate)) -> Response:
        spec = validate(TagResourceRequest, await read_json(request), "TagResource request")
        tags_of(arn, caller).update(spec.tags)
        return JSONResponse({})

    @router.delete("/tags/{arn:path}")
    async def untag(arn: str, request: Request, caller: Caller = Depends(authenticate)) -> Response:
        keys = request.query_params.getlist("tagKeys")
        if not keys:
            raise VendorError(400, "tagKeys is required.")
        tags = tags_of(arn, caller)
        for key in keys:
            tags.pop(key, None)
        return JSONResponse({})

    return router
