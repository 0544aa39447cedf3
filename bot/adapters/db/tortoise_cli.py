"""Configuration for tortoise's own migration CLI (`python -m bot makemigrations`).

Making migrations reads the models and the migration files only; the URL below is never
written to by it."""

from bot.adapters.db import tortoise_config

TORTOISE_ORM = tortoise_config("sqlite://:memory:")
