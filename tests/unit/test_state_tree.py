"""The state tree: each event loads only the states it needs, and a language switch reaches every page."""

import pickle

import pytest
from sqlmodel import Session

from nomos_portal import (
    i18n,
    nomos_portal,  # noqa: F401  (registers every page state)
)
from nomos_portal.states.auth import AuthState
from nomos_portal.states.consumption import ConsumptionState
from nomos_portal.states.invoices import InvoicesState
from nomos_portal.states.overview import OverviewState
from nomos_portal.states.portal import PortalState, page_state_classes
from tests.unit.state_driver import call, make_state, page_url, session_cookie

LEA = "lea.wagner@example.org"
# Bytes of a stored PortalState without the message catalog: the brand, the tenant and the language.
STORED_PORTAL_STATE_LIMIT = 4_000


@pytest.mark.parametrize("state_class", [PortalState, AuthState])
def test_shared_states_load_no_page_state(state_class):
    # Reflex loads a state's "potentially dirty" states from Redis for every event below it.
    # A page's computed var that read a shared var made every page one of them.
    assert state_class._get_potentially_dirty_states() <= {state_class}


def test_every_page_state_keeps_a_language_copy():
    names = {state_class.__name__ for state_class in page_state_classes()}
    assert {"OverviewState", "ConsumptionState", "InvoicesState", "InvoiceDetailState", "AccountState"} <= names
    assert "AuthState" not in names


def test_language_switch_reaches_pages_not_showing(session: Session):
    cookie = session_cookie(session, slug="lumio", email=LEA)
    consumption = make_state(ConsumptionState, url=page_url("lumio", "/consumption"), cookie=cookie)
    call(consumption, ConsumptionState.load)
    call(consumption, ConsumptionState.set_view, "month")
    german = consumption.period_label
    root = consumption._get_root_state()
    overview = root.get_substate(OverviewState.get_full_name().split("."))
    portal = root.get_substate(PortalState.get_full_name().split("."))

    # The switch runs on the shared state, as the language menu's event does.
    call(portal, PortalState.set_language, "en")
    assert consumption._page_lang == "en"
    assert consumption.period_label != german
    assert overview._page_lang == "en"
    assert root.get_substate(InvoicesState.get_full_name().split("."))._page_lang == "en"

    # A page load copies the language too, e.g. after the cookie changed in another tab.
    portal.lang = "de"
    call(consumption, ConsumptionState.load)
    assert consumption.period_label == german


def test_stored_portal_state_leaves_out_catalog():
    portal = make_state(PortalState, url=page_url("lumio", "/overview"))
    assert portal.t == i18n.catalog("de")
    stored = pickle.dumps(portal)
    # The catalog alone pickles to about 40 KB.
    assert len(stored) < STORED_PORTAL_STATE_LIMIT
    assert portal.t == i18n.catalog("de")

    loaded = pickle.loads(stored)  # noqa: S301 (pickled above)
    assert loaded.t == i18n.catalog("de")
    loaded.org_name = "Lumio Energie"
    changed = loaded.get_delta()[PortalState.get_full_name()]
    assert "org_name_rx_state_" in changed
    # Loading the state without its cache must not send the catalog to the browser again.
    assert "t_rx_state_" not in changed
