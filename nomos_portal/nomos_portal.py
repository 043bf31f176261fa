"""Build the Reflex app and register its pages."""

from __future__ import annotations

import reflex as rx

from nomos_portal.components.layout import branded
from nomos_portal.head import TenantHeadMiddleware
from nomos_portal.pages.account import account_page
from nomos_portal.pages.consumption import consumption_page
from nomos_portal.pages.contact import contact_page
from nomos_portal.pages.help import help_page
from nomos_portal.pages.invoices import invoice_detail_page, invoices_page
from nomos_portal.pages.login import login_page
from nomos_portal.pages.not_found import not_found_page
from nomos_portal.pages.orders import orders_page
from nomos_portal.pages.overview import overview_page
from nomos_portal.pages.subscriptions import subscriptions_page
from nomos_portal.pages.tariff import tariff_page
from nomos_portal.routes import create_api
from nomos_portal.settings import configure_logging, get_settings
from nomos_portal.states.account import AccountState
from nomos_portal.states.consumption import ConsumptionState
from nomos_portal.states.help import ContactState, HelpState
from nomos_portal.states.invoices import InvoiceDetailState, InvoicesState
from nomos_portal.states.login import LoginState
from nomos_portal.states.orders import OrdersState
from nomos_portal.states.overview import OverviewState
from nomos_portal.states.portal import PortalState
from nomos_portal.states.subscriptions import SubscriptionsState
from nomos_portal.states.tariff import TariffState
from nomos_portal.worker_drain import install as install_worker_drain
from nomos_portal.worker_liveness import install as install_worker_liveness

settings = get_settings()
configure_logging(settings.log_level)

# In production the server writes each tenant's brand into the HTML (see nomos_portal.head), so it
# paints before hydration. In development Vite serves the HTML, and the state brings the brand.
api_transformers = [create_api(), TenantHeadMiddleware] if settings.is_production else [create_api()]

# The frame, cards and price chart are styled by class names in this static stylesheet.
app = rx.App(api_transformer=api_transformers, stylesheets=["/portal.css"])
# With Redis, a tab that reconnects after its worker stopped or crashed keeps its token and state.
install_worker_liveness(app)
# A stopping worker closes its websockets over a few seconds, so the tabs move over gradually.
install_worker_drain(app, seconds=settings.drain_seconds)

# Until the state arrives, keep the title the server wrote into the page (see nomos_portal.head).
_SERVER_TITLE = rx.Var(_js_expr="(typeof document === 'undefined' ? '' : document.title)", _var_type=str)
TITLE = rx.cond(PortalState.page_title != "", PortalState.page_title, _SERVER_TITLE)

app.add_page(lambda: branded(rx.fragment()), route="/", title=TITLE, on_load=PortalState.go_home)
app.add_page(login_page, route="/login", title=TITLE, on_load=LoginState.load)
app.add_page(overview_page, route="/overview", title=TITLE, on_load=OverviewState.load)
app.add_page(consumption_page, route="/consumption", title=TITLE, on_load=ConsumptionState.load)
app.add_page(tariff_page, route="/tariff", title=TITLE, on_load=TariffState.load)
app.add_page(subscriptions_page, route="/subscriptions", title=TITLE, on_load=SubscriptionsState.load)
app.add_page(orders_page, route="/orders", title=TITLE, on_load=OrdersState.load)
app.add_page(invoices_page, route="/invoices", title=TITLE, on_load=InvoicesState.load)
app.add_page(invoice_detail_page, route="/invoices/[id]", title=TITLE, on_load=InvoiceDetailState.load)
app.add_page(account_page, route="/account", title=TITLE, on_load=AccountState.load)
app.add_page(help_page, route="/help", title=TITLE, on_load=HelpState.load)
app.add_page(contact_page, route="/help/contact", title=TITLE, on_load=ContactState.load)
app.add_page(not_found_page, route="404", title=TITLE, on_load=PortalState.load_tenant)
