"""HTTP routes beside the websocket: the session cookie, single sign-on, invoice PDFs and the tenant stylesheet.

A cookie that page scripts cannot read must come from an HTTP response, so
sign-in ends with a full page load of `/auth/complete`, which swaps a
single-use ticket for the session cookie. Single sign-on takes the same path:
a supplier's backend mints a link with `POST /api/sso/links`, and
`/auth/confirm` swaps the link's token for the session cookie.
"""

from __future__ import annotations

import html
import json
import logging
import urllib.parse

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from nomos_portal.db import open_session
from nomos_portal.models import Customer, Org, Plan, PortalSession, Subscription, utc_now
from nomos_portal.services import invoice_pdf, invoices, sessions, sso, tenancy
from nomos_portal.services.customers import NotFoundError, is_row_id
from nomos_portal.services.sign_in import InvalidEmailError
from nomos_portal.settings import get_settings
from nomos_portal.states.auth import HOME_ROUTE, LOGIN_ROUTE, safe_next_path

logger = logging.getLogger(__name__)

# Largest JSON body the API reads; a sign-in link request is a few hundred bytes.
MAX_API_BODY_BYTES = 10_000


def _frontend_url(request: Request, path: str) -> str:
    """Build the URL to send the browser to next: this host name, on the page's port when given.

    The host name always comes from this request, so the route cannot send
    anyone to another site. Only the port may differ (Vite's 3000 in development).
    """
    port = request.query_params.get("port", "")
    if not port.isdigit() or not 0 < int(port) < 65536 or int(port) == request.url.port:
        return path
    host = request.url.hostname or ""
    return f"{request.url.scheme}://{host}:{int(port)}{path}"


def _resolve(request: Request):
    with open_session() as session:
        return tenancy.resolve_plan(
            session, host=request.headers.get("host", ""), base_domain=get_settings().base_domain
        )


async def complete_sign_in(request: Request) -> Response:
    """Exchange a sign-in ticket for the HttpOnly session cookie, then go to the requested page."""
    found = _resolve(request)
    ticket = request.query_params.get("ticket", "")
    next_path = safe_next_path(request.query_params.get("next"))
    if found is None:
        return PlainTextResponse("Portal not found.", status_code=404)
    plan, _org = found
    try:
        with open_session() as session:
            token, row = sessions.exchange_handoff(session, ticket=ticket, plan=plan, now=utc_now())
    except sessions.HandoffError as error:
        logger.info("Sign-in ticket rejected on plan %s: %s", plan.slug, error)
        return RedirectResponse(_frontend_url(request, f"{LOGIN_ROUTE}?error=handoff"), status_code=303)

    return _signed_in_redirect(request, token=token, row=row, next_path=next_path)


def _signed_in_redirect(request: Request, *, token: str, row: PortalSession, next_path: str) -> Response:
    """Set the HttpOnly session cookie and send the browser on, via the subscription choice if none is chosen."""
    if row.subscription_id is None:
        next_path = f"/subscriptions?next={urllib.parse.quote(next_path, safe='/')}"
    response = RedirectResponse(_frontend_url(request, next_path), status_code=303)
    response.set_cookie(
        sessions.SESSION_COOKIE,
        token,
        max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=get_settings().is_production,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


async def confirm_sign_in_link(request: Request) -> Response:
    """Exchange a single sign-on link's token for the session cookie, then go to the link's page.

    NOTE: A GET request uses the link up, so a mail scanner that opens links
    would spend it. Suppliers should redirect the browser to the link right
    away rather than email it.
    """
    found = _resolve(request)
    if found is None:
        return PlainTextResponse("Portal not found.", status_code=404)
    plan, org = found
    token = request.query_params.get("token", "")
    try:
        with open_session() as session:
            redeemed = sso.redeem_sign_in_link(session, token=token, plan=plan, now=utc_now())
    except sso.SignInLinkError as error:
        logger.info("Sign-in link rejected on plan %s: %s", plan.slug, error)
        return RedirectResponse(_frontend_url(request, f"{LOGIN_ROUTE}?error=handoff"), status_code=303)
    except sso.NoSubscriptionError as error:
        logger.info("Sign-in link on plan %s without subscription: %s", plan.slug, error)
        return _no_subscription_page(request, plan=plan, org=org)

    # The target stored with the link counts; the link's `next` parameter only shows it, so editing it changes nothing.
    next_path = safe_next_path(redeemed.next_path)
    return _signed_in_redirect(request, token=redeemed.token, row=redeemed.portal_session, next_path=next_path)


def _no_subscription_page(request: Request, *, plan: Plan, org: Org) -> Response:
    """Render a plain German and English page for a customer without a contract on the link's plan."""
    org_name = html.escape(org.name)
    plan_name = html.escape(plan.name)
    support = html.escape(org.support_email)
    login = html.escape(_frontend_url(request, LOGIN_ROUTE))
    page = f"""<!DOCTYPE html>
<html lang="de">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{org_name}: Kein Vertrag / No contract</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem;">
<h1>Kein Vertrag in diesem Portal</h1>
<p>Für Ihr Kundenkonto gibt es keinen Vertrag im Tarif {plan_name}, daher können wir Sie hier nicht
anmelden. Bitte wenden Sie sich an {org_name}: <a href="mailto:{support}">{support}</a>.</p>
<p><a href="{login}">Zur Anmeldung</a></p>
<hr>
<h2 lang="en">No contract in this portal</h2>
<p lang="en">Your customer account has no contract on the plan {plan_name}, so we cannot sign you in
here. Please contact {org_name}: <a href="mailto:{support}">{support}</a>.</p>
<p lang="en"><a href="{login}">Go to sign-in</a></p>
</body>
</html>
"""
    return HTMLResponse(page, status_code=403, headers={"Cache-Control": "no-store"})


def _api_error(status_code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": message}, status_code=status_code, headers={"Cache-Control": "no-store", **(headers or {})}
    )


async def create_sign_in_link(request: Request) -> Response:
    """Mint a single sign-on link for a customer; the caller authenticates with its org's API key.

    The JSON body identifies the customer by "email" or "customer_id". It may
    name the plan by its slug in "plan", which otherwise comes from the
    request's host, and the page to open in "next". The response is 201 with
    "url", "expires_at" and "customer_id".
    """
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    now = utc_now()
    try:
        with open_session() as session:
            api_key = sso.authenticate_api_key(session, key=key if scheme.lower() == "bearer" else "", now=now)
    except sso.InvalidApiKeyError as error:
        logger.warning("Sign-in link request with invalid API key %s", error)
        return _api_error(
            401,
            "Invalid API key: send 'Authorization: Bearer <key>' with a live key of your org.",
            {"WWW-Authenticate": "Bearer"},
        )

    body = await request.body()
    if len(body) > MAX_API_BODY_BYTES:
        return _api_error(413, f"Request body too large: send at most {MAX_API_BODY_BYTES} bytes of JSON.")
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return _api_error(400, 'Invalid JSON body: send an object such as {"email": "...", "next": "/overview"}.')
    if not isinstance(payload, dict):
        return _api_error(400, "Invalid JSON body: send an object, not a list or a value.")

    email = payload.get("email")
    customer_id = payload.get("customer_id")
    if (email is None) == (customer_id is None):
        return _api_error(400, "Name the customer with exactly one of 'email' or 'customer_id'.")
    if email is not None and not isinstance(email, str):
        return _api_error(400, "'email' must be a string.")
    if customer_id is not None and (isinstance(customer_id, bool) or not isinstance(customer_id, int)):
        return _api_error(400, "'customer_id' must be an integer.")
    next_path = payload.get("next", HOME_ROUTE)
    if not isinstance(next_path, str) or safe_next_path(next_path, default="") != next_path:
        return _api_error(400, "'next' must be a path on the portal, such as /overview; other sites are not allowed.")
    plan_slug = payload.get("plan")
    if plan_slug is not None and not isinstance(plan_slug, str):
        return _api_error(400, "'plan' must be a plan slug such as acme-power.")

    settings = get_settings()
    with open_session() as session:
        if plan_slug is not None:
            found = tenancy.resolve_plan(
                session, host=f"{plan_slug.strip().lower()}.{settings.base_domain}", base_domain=settings.base_domain
            )
        else:
            found = tenancy.resolve_plan(
                session, host=request.headers.get("host", ""), base_domain=settings.base_domain
            )
        if found is None or found[0].org_id != api_key.org_id:
            return _api_error(404, "Plan not found: name one of your org's plans in 'plan', e.g. \"acme-power\".")
        plan = found[0]
        try:
            customer = sso.find_org_customer(session, org_id=api_key.org_id, email=email, customer_id=customer_id)
        except InvalidEmailError:
            return _api_error(400, "'email' is not a valid email address.")
        except NotFoundError:
            return _api_error(404, "Customer not found: no customer of your org has this email or id.")
        minted = sso.mint_sign_in_link(
            session,
            plan=plan,
            customer=customer,
            next_path=next_path,
            base_domain=settings.base_domain,
            production=settings.is_production,
            now=now,
            api_key=api_key,
        )
    return JSONResponse(
        {"url": minted.url, "expires_at": minted.expires_at.isoformat(), "customer_id": minted.customer_id},
        status_code=201,
        headers={"Cache-Control": "no-store"},
    )


async def sign_out(request: Request) -> Response:
    """Revoke the session of this browser, delete its cookie and show the sign-in page."""
    token = request.cookies.get(sessions.SESSION_COOKIE)
    with open_session() as session:
        sessions.revoke_session(session, token=token, now=utc_now())
    response = RedirectResponse(_frontend_url(request, LOGIN_ROUTE), status_code=303)
    response.delete_cookie(
        sessions.SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=get_settings().is_production
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _render_invoice_pdf(*, plan: Plan, org: Org, token: str | None, invoice_id: int) -> Response:
    """Render one of the signed-in customer's invoices; runs in a worker thread because rendering blocks."""
    with open_session() as session:
        active = sessions.load_session(session, token=token, plan=plan, now=utc_now())
        if active is None:
            return PlainTextResponse("Not signed in: sign in to download invoices.", status_code=401)
        not_found = PlainTextResponse("Invoice not found.", status_code=404, headers={"Cache-Control": "no-store"})
        if active.subscription_id is None or not is_row_id(invoice_id):
            return not_found
        try:
            invoice = invoices.get_invoice(
                session,
                plan_id=active.plan_id,
                customer_id=active.customer_id,
                subscription_id=active.subscription_id,
                invoice_id=invoice_id,
            )
        except NotFoundError:
            logger.info("Invoice %s not found for customer %s on plan %s", invoice_id, active.customer_id, plan.id)
            return not_found
        customer = session.get(Customer, active.customer_id)
        subscription = session.get(Subscription, active.subscription_id)
        assert customer is not None
        assert subscription is not None
        document = invoice_pdf.build_document(
            session,
            plan=plan,
            org=org,
            customer=customer,
            subscription=subscription,
            invoice=invoice,
            language=customer.locale,
        )
    pdf = invoice_pdf.render_invoice_pdf(document)
    filename = f"{document.invoice_number}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


async def download_invoice_pdf(request: Request) -> Response:
    """Send an invoice of the signed-in customer's chosen subscription as PDF.

    Another customer's invoice, another subscription's and an unknown id all get the same 404.
    """
    found = _resolve(request)
    if found is None:
        return PlainTextResponse("Portal not found.", status_code=404)
    plan, org = found
    return await run_in_threadpool(
        _render_invoice_pdf,
        plan=plan,
        org=org,
        token=request.cookies.get(sessions.SESSION_COOKIE),
        invoice_id=request.path_params["invoice_id"],
    )


def create_api() -> Starlette:
    """The Starlette app that Reflex mounts its own backend under."""
    return Starlette(
        routes=[
            Route("/auth/complete", complete_sign_in, methods=["GET"]),
            Route("/auth/confirm", confirm_sign_in_link, methods=["GET"]),
            Route("/api/sso/links", create_sign_in_link, methods=["POST"]),
            Route("/auth/sign-out", sign_out, methods=["GET"]),
            Route("/api/invoices/{invoice_id:int}/pdf", download_invoice_pdf, methods=["GET"]),
        ]
    )
