"""Invoices: one line per charge, totals rounded per line (accounting rule FIN-7)."""
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def unit_price(line):
    """Price of one unit; bundles are priced per contained item."""
    return Decimal(line["amount"]) / line["quantity"]


def line_total(line):
    total = unit_price(line) * line["quantity"]
    return total.quantize(CENT, rounding=ROUND_HALF_UP)


def build_invoice(customer_id, lines):
    total = Decimal(0)
    for line in lines:
        total += line_total(line)
    return {"customer_id": customer_id, "lines": lines, "total": str(total)}
