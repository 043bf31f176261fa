"""Resolve the tenant (a plan) from the host name of the page."""

from __future__ import annotations

import ipaddress
import re
import threading
import time

from sqlmodel import Session, select

from nomos_portal.models import Org, Plan

# Every event of every tab resolves its tenant. Each worker keeps the plan of a host for this
# many seconds, so a brand change made in another process shows within that time.
PLAN_CACHE_SECONDS = 5.0
PLAN_CACHE_ENTRIES = 1024

# A DNS label as used for plan slugs: lower-case letters, digits and inner hyphens.
SLUG_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def normalize_host(host: str) -> str:
    """Lower-case a host, dropping any port, userinfo and trailing dot.

    Args:
        host: A Host header or URL netloc such as "Acme-Power.localhost:3000".

    Returns:
        The bare host name, e.g. "acme-power.localhost"; "" for an empty host.
    """
    host = host.strip().lower()
    host = host.rpartition("@")[2]
    if host.startswith("["):
        # A bracketed IPv6 literal, with or without a port.
        return host[1 : host.find("]")] if "]" in host else host
    if host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def is_ip_address(host: str) -> bool:
    """Whether a normalised host is an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def slug_from_host(host: str, *, base_domain: str) -> str | None:
    """Extract the plan slug from a host under the base domain.

    Only a single DNS label directly under the base domain is a slug:
    the bare base domain, nested subdomains, IP addresses and other
    domains give None.

    Args:
        host: The page's host, with or without port.
        base_domain: E.g. "customerportal.energy" or "localhost".

    Returns:
        The slug, or None when the host names no tenant.
    """
    name = normalize_host(host)
    base = base_domain.strip().lower().rstrip(".")
    if not name or not base or is_ip_address(name):
        return None
    suffix = "." + base
    if not name.endswith(suffix):
        return None
    label = name[: -len(suffix)]
    if not SLUG_PATTERN.match(label):
        return None
    return label


def is_valid_slug(slug: str) -> bool:
    """Whether a plan slug is a DNS label that can serve as a subdomain."""
    return bool(SLUG_PATTERN.match(slug))


def resolve_plan(session: Session, *, host: str, base_domain: str) -> tuple[Plan, Org] | None:
    """Load the plan and its org for a page host.

    Args:
        session: Open database session.
        host: The page's host.
        base_domain: The configured base domain.

    Returns:
        The plan and its org, or None for a host that names no known plan.
    """
    slug = slug_from_host(host, base_domain=base_domain)
    if slug is None:
        return None
    row = session.exec(select(Plan, Org).join(Org, Org.id == Plan.org_id).where(Plan.slug == slug)).first()
    if row is None:
        return None
    return row[0], row[1]


def portal_url(slug: str, *, base_domain: str, scheme: str = "https", port: int | None = None) -> str:
    """Build the portal address of a plan, e.g. "https://acme-power.customerportal.energy"."""
    netloc = f"{slug}.{base_domain}"
    if port is not None:
        netloc += f":{port}"
    return f"{scheme}://{netloc}"


_plan_cache: dict[tuple[str, str, str], tuple[float, tuple[Plan, Org] | None]] = {}
_plan_cache_lock = threading.Lock()


def resolve_plan_cached(session: Session, *, host: str, base_domain: str) -> tuple[Plan, Org] | None:
    """Resolve the plan like `resolve_plan`, from this worker's memory when the host was resolved in the last seconds.

    The plan and org come detached from any session and are shared: read them, never change them.
    """
    key = (str(session.get_bind().url), normalize_host(host), base_domain)
    now = time.monotonic()
    with _plan_cache_lock:
        hit = _plan_cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
    found = resolve_plan(session, host=host, base_domain=base_domain)
    if found is not None:
        for row in found:
            session.expunge(row)
    with _plan_cache_lock:
        if len(_plan_cache) >= PLAN_CACHE_ENTRIES:
            _plan_cache.clear()
        _plan_cache[key] = (now + PLAN_CACHE_SECONDS, found)
    return found


def forget_cached_plans() -> None:
    """Drop this worker's resolved hosts, after a change to a plan or an org."""
    with _plan_cache_lock:
        _plan_cache.clear()
