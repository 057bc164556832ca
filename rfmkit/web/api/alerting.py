"""Alert rules (YAML, validated), delivery destinations (admins, encrypted), delivering alerts."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from rfmkit.web import alerting
from rfmkit.web.api.common import Admin, Reader, Runner, errors
from rfmkit.web.auth import Principal, check_csrf, client_ip, requires, state_of
from rfmkit.web.people import Actor
from rfmkit.web.services import job_dict

router = APIRouter(tags=["alerts"])
Marketer = Annotated[Principal, requires("activate", "marketer")]
Scheme = Annotated[str, Path(pattern=r"^[a-z0-9_]{1,40}$", description="A shipped scheme: cn8 ...")]
Name = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Lang = Annotated[str, Query(pattern="^(zh|en)$", description="Language of the messages: zh or en.")]


class RulesText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: str = Field(..., min_length=1, max_length=100_000, description="The rules as YAML.")


class Destination(BaseModel):
    """A delivery destination; its address and secrets are stored encrypted, never shown again."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(..., pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    kind: Literal["webhook", "dingtalk", "wecom"]
    url: str | None = Field(
        None, max_length=2000, description="Webhook URL, or a robot's full URL."
    )
    secret: str | None = Field(
        None, max_length=500, description="whsec_... (webhook) or SEC... (DingTalk)."
    )
    access_token: str | None = Field(None, max_length=500, description="DingTalk robot token.")
    key: str | None = Field(None, max_length=500, description="WeCom robot key.")


class DeliverTo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: list[Annotated[str, Field(max_length=64)]] = Field(..., min_length=1, max_length=20)


def _actor(request: Request, who: Principal) -> Actor:
    check_csrf(request, who, None)
    return Actor(who, client_ip(request))


@router.get("/alert-rules", summary="The alert rules in effect, per scheme (stored or shipped)")
def rules(request: Request, who: Reader) -> list[dict[str, Any]]:
    return [r.to_dict() for r in alerting.rule_sets(state_of(request))]


@router.put(
    "/alert-rules/{scheme}",
    summary="Save a scheme's alert rules (YAML, validated) in the store",
    responses=errors(400, 404),
)
def save_rules(request: Request, scheme: Scheme, body: RulesText, who: Runner) -> dict[str, Any]:
    saved = alerting.save_rules(state_of(request), scheme, body.rules, _actor(request, who))
    return {"scheme": scheme, "source": "stored", "parsed": saved.model_dump(mode="json")}


@router.delete(
    "/alert-rules/{scheme}",
    summary="Forget a scheme's stored rules: the shipped ones apply again",
    responses=errors(404),
)
def reset_rules(request: Request, scheme: Scheme, who: Runner) -> dict[str, Any]:
    alerting.check_scheme(scheme)
    alerting.reset_rules(state_of(request), scheme, _actor(request, who))
    return {"scheme": scheme, "source": "shipped"}


@router.get("/destinations", summary="Delivery destinations: names and kinds only (admins)")
def destinations(request: Request, who: Admin) -> list[dict[str, Any]]:
    return [job_dict(d) for d in alerting.destinations(state_of(request))]


@router.post(
    "/destinations",
    status_code=201,
    summary="Define a delivery destination, stored encrypted (admins)",
    responses=errors(400),
)
def define_destination(request: Request, body: Destination, who: Admin) -> dict[str, Any]:
    given = body.model_dump(exclude={"name", "kind"})
    alerting.define_destination(
        state_of(request), body.name, body.kind, given, _actor(request, who)
    )
    return {"name": body.name, "kind": body.kind}


@router.delete(
    "/destinations/{name}", summary="Forget a delivery destination (admins)", responses=errors(404)
)
def remove_destination(request: Request, name: Name, who: Admin) -> dict[str, Any]:
    alerting.remove_destination(state_of(request), name, _actor(request, who))
    return {"name": name, "deleted": True}


@router.post(
    "/destinations/{name}/test",
    summary="Send a test message to a destination (admins)",
    responses=errors(400, 404),
)
def test_destination(request: Request, name: Name, who: Admin, lang: Lang = "zh") -> dict[str, Any]:
    return alerting.send_test_message(state_of(request), name, _actor(request, who), lang)


@router.post(
    "/alerts/deliver",
    summary="Deliver the latest alerts to destinations, each alert at most once",
    responses=errors(400, 404),
)
def deliver(request: Request, body: DeliverTo, who: Marketer, lang: Lang = "zh") -> dict[str, Any]:
    return alerting.deliver_alerts(state_of(request), body.to, _actor(request, who), lang)


@router.get("/deliveries", summary="The delivery log, newest first")
def deliveries(
    request: Request, who: Reader, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    return alerting.delivery_log(state_of(request), limit)
