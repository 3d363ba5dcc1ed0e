"""The tickets app's models, by subject: ``tickets`` (tickets, contacts, messages, files) and
``staff`` (events, canned responses, escalations, notifications). Import them from here."""

from .staff import (
    CannedResponse,
    Escalation,
    QueueSupervisor,
    StaffNotification,
    StaffProfile,
    TicketEvent,
)
from .tickets import (
    INACTIVE_STATUSES,
    NO_DEADLINE,
    SLA_FIELDS,
    Attachment,
    Contact,
    Message,
    Organization,
    ReferenceCounter,
    Ticket,
    TicketAccessToken,
    TicketSearchDocument,
    attachment_path,
    next_deadline_expression,
)

__all__ = [
    "INACTIVE_STATUSES",
    "NO_DEADLINE",
    "SLA_FIELDS",
    "Attachment",
    "CannedResponse",
    "Contact",
    "Escalation",
    "Message",
    "Organization",
    "QueueSupervisor",
    "ReferenceCounter",
    "StaffNotification",
    "StaffProfile",
    "Ticket",
    "TicketAccessToken",
    "TicketEvent",
    "TicketSearchDocument",
    "attachment_path",
    "next_deadline_expression",
]
