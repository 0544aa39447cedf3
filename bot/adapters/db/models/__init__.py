"""Tortoise models: the database schema. They never leave `bot/adapters/db`; repositories turn
rows into domain dataclasses. One module per area; each new module is listed in MODEL_MODULES."""

MODEL_MODULES = [
    "bot.adapters.db.models.core",
    "bot.adapters.db.models.ledger",
    "bot.adapters.db.models.ledger_ops",
    "bot.adapters.db.models.certificates",
    "bot.adapters.db.models.delivery",
    "bot.adapters.db.models.staff",
    "bot.adapters.db.models.offers",
    "bot.adapters.db.models.broadcasts",
    "bot.adapters.db.models.api",
    "bot.adapters.db.models.surveys",
    "bot.adapters.db.models.events",
]
