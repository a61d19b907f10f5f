"""Invoices: one line per charge."""
from decimal import Decimal


def build_invoice(customer_id, lines):
    total = sum(Decimal(line["amount"]) for line in lines)
    return {"customer_id": customer_id, "lines": lines, "total": str(total)}
