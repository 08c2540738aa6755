"""Outgoing formats: Excel/CSV, EPCIS, labels."""
