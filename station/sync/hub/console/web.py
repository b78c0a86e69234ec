"""The console's plumbing: templates, static files, the session cookie, roles and CSRF.

Every page handler takes `Console` (the signed-in account, or a redirect to sign-in) and calls
`need(...)` with the roles it serves. Forms carry the session's CSRF token and `posted` checks it.
The cookie is Secure, HttpOnly and SameSite=Strict, scoped to /console.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from station import __version__
from station.sync.hub.app import store_of
from station.sync.hub.console import accounts
from station.sync.hub.console.accounts import ADMIN, AUDITOR, SITE_MANAGER, SignedIn

HERE = Path(__file__).parent
COOKIE = "hub_console"
REFRESH_S = 10  # hub.console_refresh_s's default: seconds between the dashboard's refreshes
PRE_CSRF = "hub_console_csrf"  # the sign-in form's own CSRF token, before there is a session
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["version"] = __version__


def _when(value: object) -> str:
    """An ISO time as people read it: to the second, in UTC, without the 'T' and the microseconds."""
    from datetime import UTC, datetime

    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        value = moment
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if value is None else str(value)


templates.env.filters["when"] = _when
router = APIRouter(prefix="/console", include_in_schema=False)
ALL = (SITE_MANAGER, AUDITOR, ADMIN)
MANAGERS = (SITE_MANAGER, ADMIN)


class SignInNeeded(Exception):
    """Raised by `Console` for a browser without a session: answered with a redirect to sign-in."""


def _signed_in(request: Request) -> SignedIn:
    with store_of(request).session() as s:
        who = accounts.lookup(s, request.cookies.get(COOKIE))
    if who is None:
        raise SignInNeeded
    return who


Console = Annotated[SignedIn, Depends(_signed_in)]


def need(who: SignedIn, roles: tuple[str, ...]) -> None:
    if who.account.role not in roles:
        role = who.account.role.replace("_", " ")
        raise HTTPException(403, f"{'An' if role[0] in 'aeiou' else 'A'} {role} cannot open this page.")


def site_of(who: SignedIn, asked: str | None) -> str | None:
    """The site a request reads: the account's own when it has one (whatever was asked), else the one asked."""
    if who.account.site is not None:
        if asked and asked != who.account.site:
            raise HTTPException(403, f"This account sees site {who.account.site} only.")
        return who.account.site
    return asked or None


def posted(who: SignedIn, csrf: str | None) -> None:
    if not accounts.same(who.csrf, csrf):
        raise HTTPException(403, "This form is stale or did not come from the console; reload the page and retry.")


def page(request: Request, name: str, who: SignedIn | None, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"who": who, **context})


def _cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/console", secure=True, httponly=True, samesite="strict")


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def home(who: Console) -> Response:
    return RedirectResponse("/console/units" if who.account.role == AUDITOR else "/console/dashboard", 303)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, failed: bool = False) -> Response:
    import secrets

    token = secrets.token_urlsafe(24)
    response = page(request, "sign_in.html", None, csrf=token, failed=failed)
    _cookie(response, PRE_CSRF, token, 3600)
    return response


@router.post("/sign-in")
def sign_in(request: Request, login: Annotated[str, Form(max_length=120)], secret: Annotated[str, Form(max_length=200)],
            csrf: Annotated[str, Form(max_length=100)]) -> Response:
    if not accounts.same(request.cookies.get(PRE_CSRF), csrf):
        raise HTTPException(403, "This sign-in form is stale; reload the page and sign in again.")
    with store_of(request).session() as s:
        account = accounts.authenticate(s, login, secret)
        if account is None:
            return RedirectResponse("/console/sign-in?failed=1", 303)
        cookie, _csrf = accounts.start(s, account)
    response = RedirectResponse("/console/", 303)
    _cookie(response, COOKIE, cookie, int(accounts.SESSION_TTL.total_seconds()))
    response.delete_cookie(PRE_CSRF, path="/console")
    return response


@router.post("/sign-out")
def sign_out(request: Request, who: Console, csrf: Annotated[str, Form(max_length=100)]) -> Response:
    posted(who, csrf)
    with store_of(request).session() as s:
        accounts.end(s, request.cookies.get(COOKIE))
    response = RedirectResponse("/console/sign-in", 303)
    response.delete_cookie(COOKIE, path="/console")
    return response


async def _to_sign_in(_request: Request, _exc: Exception) -> Response:
    return RedirectResponse("/console/sign-in", 303)


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if not request.url.path.startswith(("/console", "/verify")):
        from fastapi.exception_handlers import http_exception_handler

        return await http_exception_handler(request, exc)
    return templates.TemplateResponse(request, "refused.html", {"who": None, "status": exc.status_code,
                                                                "detail": exc.detail}, status_code=exc.status_code)


def install(app: Any) -> None:
    """Mount the console and /verify on the hub app."""
    from station.sync.hub.console import admin, pages, verify

    app.state.console_refresh_s = REFRESH_S  # app_from_env then sets hub.console_refresh_s from hub.toml
    app.mount("/console/static", StaticFiles(directory=str(HERE / "static")), name="console-static")
    app.add_exception_handler(SignInNeeded, _to_sign_in)
    app.add_exception_handler(HTTPException, _refused)
    app.include_router(router)
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(verify.router)
