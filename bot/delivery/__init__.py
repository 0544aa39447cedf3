"""The outbox sender: every proactive message goes through it (docs/DELIVERY.md)."""
