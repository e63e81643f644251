"""Re-exported from calendar_bot.messages, their neutral home (ports and inbound import no view)."""

from calendar_bot.messages import Dialog, DialogElement, ElementType, TextSubtype

__all__ = ["Dialog", "DialogElement", "ElementType", "TextSubtype"]
