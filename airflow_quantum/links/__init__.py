"""Operator extra links to the vendors' job pages."""
