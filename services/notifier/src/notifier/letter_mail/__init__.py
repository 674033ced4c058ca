"""Letter e-mails: queued by reconciliation, sent per tenant (rate limit, retries, a lease), every
attempt recorded, each settled e-mail reported back (``notifier.letters.delivered``)."""

from .sender import letter_sender, wake

__all__ = ["letter_sender", "wake"]
