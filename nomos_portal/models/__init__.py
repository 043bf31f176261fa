"""All tables of the portal; importing this package registers them with SQLModel."""

from nomos_portal.models.account import AuditLogEntry, EmailChangeCode
from nomos_portal.models.auth import ApiKey, PortalSession, SignInCode, SignInLink
from nomos_portal.models.base import UTCDateTime, utc_now
from nomos_portal.models.billing import Invoice, InvoiceLine
from nomos_portal.models.contracts import MeterSwap, Termination
from nomos_portal.models.customers import Customer, PaymentMethod, Subscription
from nomos_portal.models.metering import ConsumptionDay, ConsumptionInterval, MeterReading
from nomos_portal.models.orders import MeterOrder, ProductOrder
from nomos_portal.models.prices import GridArea, Levy, SpotPrice
from nomos_portal.models.support import SupportMessage
from nomos_portal.models.tenancy import Org, Plan

__all__ = [
    "ApiKey",
    "AuditLogEntry",
    "ConsumptionDay",
    "ConsumptionInterval",
    "Customer",
    "EmailChangeCode",
    "GridArea",
    "Invoice",
    "InvoiceLine",
    "Levy",
    "MeterOrder",
    "MeterReading",
    "MeterSwap",
    "Org",
    "PaymentMethod",
    "Plan",
    "PortalSession",
    "ProductOrder",
    "SignInCode",
    "SignInLink",
    "SpotPrice",
    "Subscription",
    "SupportMessage",
    "Termination",
    "UTCDateTime",
    "utc_now",
]
