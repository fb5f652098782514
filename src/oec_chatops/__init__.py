"""Slack chatops for Odoo hosted on oec.sh."""

__version__ = "0.1.0"
