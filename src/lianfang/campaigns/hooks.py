"""The campaigns' registrations with the register's filing (`risks.filing_hooks`)."""

from lianfang.risks import filing_hooks

from . import services, upward_services

filing_hooks.gate(services.filing_gate)
filing_hooks.listener(services.filing_listener)
filing_hooks.note(services.filing_note)
filing_hooks.listener(upward_services.filing_listener)
filing_hooks.approval_gate(upward_services.approval_gate)
