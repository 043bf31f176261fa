"""Compare `/overview` as served with a variant of it, in paired loads of production builds.

Run with `source scripts/env.sh && python bench/page_variant.py --replace OLD NEW`
or `... --patch FILE`. `bench/page_load.py` compares builds run after run, and
on a shared two-core machine its medians move by 10 to 30 % between runs. This
script serves the portal once, as page_load.py does, and loads `/overview` in
pairs: once as served (A) and once as the variant (B), in alternating order.
The paired difference B - A cancels most of the machine's drift. The blank
`/data` page is loaded after each pair, so the ratios compare with page_load.py.

The variant is one of:

- `--replace OLD NEW` (repeatable): A's HTML with each replacement. A
  Playwright route fetches B's HTML from the server on 127.0.0.1 and edits
  it; A goes to the server directly. Only edits outside the React tree are
  meaningful, such as tags in `<head>`: a changed element inside `<body>` no
  longer matches what React renders, so the page renders twice.
- `--patch FILE`: a second build of the portal with a unified diff applied,
  made in the project root (`git diff > FILE`, or `git diff -R` to compare
  with the code before a change). Both builds share the database, so one
  sign-in serves both, and each is served on its own port.

Last line: `variant_minus_served_ms=<median of B - A>`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import urllib.request
from pathlib import Path

from page_load import (
    BLANK_READY,
    CHROMIUM,
    CHROMIUM_ARGS,
    OVERVIEW_READY,
    Serving,
    bounded_workdir,
    serving,
    sign_in,
    timed_load,
)
from playwright.sync_api import Browser, BrowserContext, Route, sync_playwright

PAIRS = 40


def load(
    browser: Browser, url: str, ready: str, storage_state: dict | None, replacements: list[tuple[str, str]]
) -> float:
    """Time one load with `timed_load`, with `replacements` applied to the page's HTML, if any."""

    def route_overview(context: BrowserContext) -> None:
        context.route("**/overview", lambda route: serve_variant(route, replacements))

    return timed_load(browser, url, ready, storage_state, route_overview if replacements else None)


def serve_variant(route: Route, replacements: list[tuple[str, str]]) -> None:
    """Fetch the page from the server's loopback address with the tab's headers, edit it and fulfill the route."""
    request = route.request
    host = request.url.split("/")[2]
    headers = {name: value for name, value in request.headers.items() if name != "accept-encoding"}
    headers["host"] = host
    url = request.url.replace(host.split(":")[0], "127.0.0.1", 1)
    loopback = urllib.request.Request(url, headers=headers)  # noqa: S310 (the server's 127.0.0.1 address)
    with urllib.request.urlopen(loopback, timeout=10) as response:  # noqa: S310
        body = response.read().decode()
    for old, new in replacements:
        if old not in body:
            raise SystemExit(f"--replace: {old!r} not found in the page's HTML. Copy the text from the served page.")
        body = body.replace(old, new)
    headers = {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"}
    route.fulfill(status=200, headers=headers, body=body)


def compare(started: Serving, pairs: int, replacements: list[tuple[str, str]]) -> None:
    """Sign in, warm up, load the pairs and print medians, ratios and the paired difference."""
    tenant, blank = started.tenant, started.blank
    # With a patched build, B is that build's page as served, and otherwise A's page with the replacements.
    variant_base = started.variant or tenant
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            signed_in = sign_in(browser, tenant, started.inbox)
            served, variant, blank_times = [], [], []
            for index in range(pairs + 1):
                order = (False, True) if index % 2 else (True, False)
                times = {}
                for edited in order:
                    base, edits = (variant_base, replacements) if edited else (tenant, [])
                    times[edited] = load(browser, f"{base}/overview", OVERVIEW_READY, signed_in, edits)
                blank_time = load(browser, f"{blank}/data", BLANK_READY, None, [])
                # The first pair warms the servers and is not counted.
                if index:
                    served.append(times[False])
                    variant.append(times[True])
                    blank_times.append(blank_time)
        finally:
            browser.close()

    differences = [edited - plain for plain, edited in zip(served, variant, strict=True)]
    blank_median = statistics.median(blank_times)
    for name, times in (("served", served), ("variant", variant)):
        median = statistics.median(times)
        print(f"{name}_ms: median {median:.0f} ms, ratio to blank {median / blank_median:.2f}")
    print(f"blank_ms: median {blank_median:.0f} ms")
    print(f"difference_ms: mean {statistics.mean(differences):+.1f} ms over {len(differences)} pairs")
    print(f"variant_minus_served_ms={statistics.median(differences):+.1f}")


def main() -> None:
    """Parse the options, bound the run in time and clean up the temporary folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    variants = parser.add_mutually_exclusive_group(required=True)
    variants.add_argument(
        "--replace",
        nargs=2,
        action="append",
        metavar=("OLD", "NEW"),
        help="text of the served HTML and its replacement in the variant (repeatable)",
    )
    variants.add_argument(
        "--patch", type=Path, metavar="FILE", help="unified diff (from the project root) to build the variant with"
    )
    parser.add_argument("--pairs", type=int, default=PAIRS, help="counted pairs of loads (default %(default)s)")
    options = parser.parse_args()

    if options.patch is not None and not options.patch.is_file():
        parser.error(f"--patch: {options.patch} is not a file")
    replacements = [tuple(pair) for pair in options.replace or []]
    with (
        bounded_workdir("nomos-page-variant-") as workdir,
        serving(workdir, variant_patch=options.patch) as started,
    ):
        compare(started, options.pairs, replacements)


if __name__ == "__main__":
    sys.exit(main())
