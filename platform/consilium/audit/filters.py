"""What an auditor asks of the audit trail, from a query string.

Invalid values are reported (and that filter left off), never raised: a typo in a URL gives a
page with a message, not an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from consilium.audit.models import Action, ActorKind

TEXT_MAX_LENGTH = 200  # an actor label or an object reference is never longer


@dataclass(frozen=True)
class AuditFilters:
    """Action, actor kind, actor (a part of its label), object (``type`` or ``type:id``, a part of
    the type is enough) and a date range; ``errors`` says what was not applied and why."""

    action: str = ""
    actor_kind: str = ""
    actor: str = ""
    target: str = ""
    date_from: date | None = None
    date_to: date | None = None
    errors: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> AuditFilters:
        errors: list[str] = []

        def text(name: str) -> str:
            value = (query.get(name) or "").strip()
            if len(value) > TEXT_MAX_LENGTH:
                errors.append(
                    f"The {name} filter is longer than {TEXT_MAX_LENGTH} characters "
                    "and was not applied."
                )
                return ""
            return value

        def choice(name: str, choices: type[Action] | type[ActorKind]) -> str:
            value = text(name)
            if value and value not in choices.values:
                errors.append(
                    f"Unknown {name.replace('_', ' ')} “{value}”: choose one of "
                    f"{', '.join(choices.values)}. That filter was not applied."
                )
                return ""
            return value

        def day(name: str, label: str) -> date | None:
            value = text(name)
            if not value:
                return None
            try:
                return date.fromisoformat(value)
            except ValueError:
                errors.append(f"“{value}” is not a date (YYYY-MM-DD); {label} was not applied.")
                return None

        filters = {
            "action": choice("action", Action),
            "actor_kind": choice("actor_kind", ActorKind),
            "actor": text("actor"),
            "target": text("target"),
            "date_from": day("from", "the start date"),
            "date_to": day("to", "the end date"),
        }
        if (
            filters["date_from"]
            and filters["date_to"]
            and filters["date_from"] > filters["date_to"]
        ):
            errors.append("The start date is after the end date; the dates were not applied.")
            filters["date_from"] = filters["date_to"] = None
        return cls(**filters, errors=tuple(errors))

    def applied(self) -> dict[str, str]:
        """The filters in force, by query parameter name (what an export's audit event records)."""
        pairs = {
            "action": self.action,
            "actor_kind": self.actor_kind,
            "actor": self.actor,
            "target": self.target,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in pairs.items() if value}

    def query(self) -> str:
        """The filters as a query string (without the page), for links that keep them."""
        return urlencode(self.applied())
