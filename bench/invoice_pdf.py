"""Time the invoice PDF: a 12-line and a 300-line invoice, median of 20 renders each.

Run with `source scripts/env.sh && python bench/invoice_pdf.py`. The invoices
are built in memory, so the figure measures `invoice_pdf.render_invoice_pdf`
alone (layout, font subsetting, compression), not the database.
The last line reads `invoice_pdf_ms=<median for the 12-line invoice>`.
"""

from __future__ import annotations

import datetime
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nomos_portal.services import invoice_pdf, invoices

RUNS = 20
ISSUED_AT = datetime.datetime(2026, 2, 28, 23, 0, tzinfo=datetime.UTC)


def sample_document(line_count: int) -> invoice_pdf.InvoiceDocument:
    """Build a German invoice with `line_count` energy lines of 0.31 EUR net each."""
    net = Decimal("0.31")
    lines = tuple(
        invoice_pdf.DocumentLine(
            description=f"Arbeitspreis Strom, Tag {index + 1}",
            quantity=Decimal("1.234"),
            unit="kWh",
            unit_price_net=Decimal("0.251234"),
            net_eur=net,
            vat_rate=invoices.VAT_RATE,
            gross_eur=invoices.line_gross(net),
        )
        for index in range(line_count)
    )
    return invoice_pdf.InvoiceDocument(
        language="de",
        org_name="Acme Energie",
        org_address=("Friedrichstraße 123", "10117 Berlin"),
        vat_id="DE999999999",
        support_email="service@acme-energie.example",
        support_phone="+49 30 1234567",
        creditor_id="DE98ZZZ09999999999",
        color_primary="#0b5fff",
        logo_path=invoice_pdf.ASSETS_DIR / "brands" / "acme-power.svg",
        customer_name="Jonas Becker",
        billing_address=("Lindenstraße 5", "10115 Berlin"),
        delivery_address="Lindenstraße 5, 10115 Berlin",
        invoice_number="R-BENCH-202602",
        invoice_type="usage",
        status="open",
        voided_number="",
        issued_at=ISSUED_AT,
        due_at=ISSUED_AT + invoices.PAYMENT_TERM,
        paid_at=None,
        period_start=datetime.datetime(2026, 1, 31, 23, 0, tzinfo=datetime.UTC),
        period_end=ISSUED_AT,
        subscription_number="ACME-100001",
        plan_name="Acme Power Dynamisch",
        meter_number="1ESY1161234567",
        malo="51238696781",
        reading_start_kwh=None,
        reading_end_kwh=None,
        usage_kwh=Decimal("1.234") * line_count,
        lines=lines,
        totals=invoices.compute_totals([line.net_eur for line in lines]),
        payment_type="sepa_debit",
        iban_masked="DE89 **** **** **** **30 00",
        mandate_reference="ACME-M-0001",
    )


def median_ms(document: invoice_pdf.InvoiceDocument) -> tuple[float, int]:
    """Render a document RUNS times; return the median in milliseconds and the PDF size in bytes."""
    timings = []
    size = 0
    for _ in range(RUNS):
        started = time.perf_counter()
        size = len(invoice_pdf.render_invoice_pdf(document))
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), size


def main() -> None:
    """Print the median of the 300-line invoice first and of the 12-line invoice last."""
    short_ms, short_size = median_ms(sample_document(12))
    long_ms, long_size = median_ms(sample_document(300))
    print(f"300 lines: median {long_ms:.1f} ms of {RUNS} renders, {long_size} bytes")
    print(f"12 lines: median {short_ms:.1f} ms of {RUNS} renders, {short_size} bytes")
    print(f"invoice_pdf_ms={short_ms:.1f}")


if __name__ == "__main__":
    main()
