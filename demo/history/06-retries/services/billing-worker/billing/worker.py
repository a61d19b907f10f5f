"""Consumes billing jobs from the queue: build the invoice, then charge the customer."""
import logging
import time

import stripe

from billing.invoice import build_invoice

log = logging.getLogger("billing.worker")
MAX_ATTEMPTS = 3


class ChargeFailed(Exception):
    pass


def charge(invoice, attempts=MAX_ATTEMPTS):
    for attempt in range(1, attempts + 1):
        try:
            return stripe.PaymentIntent.create(amount=invoice["total"], currency="eur", confirm=True)
        except stripe.APIConnectionError as err:
            log.warning("charge attempt %d failed: %s", attempt, err)
            time.sleep(2 ** attempt)
    raise ChargeFailed("charge for %s failed after %d attempts" % (invoice["customer_id"], attempts))


def process_job(job):
    invoice = build_invoice(job["customer_id"], job["lines"])
    return charge(invoice)
