"""Consumes billing jobs from the queue: build the invoice, then charge the customer."""
import logging

import stripe

from billing.invoice import build_invoice

log = logging.getLogger("billing.worker")


def charge(invoice):
    return stripe.PaymentIntent.create(amount=invoice["total"], currency="eur", confirm=True)


def process_job(job):
    invoice = build_invoice(job["customer_id"], job["lines"])
    return charge(invoice)
