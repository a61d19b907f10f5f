"""acme billing worker."""
