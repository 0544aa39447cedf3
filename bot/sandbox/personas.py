"""The people the web chat page shows side by side, and the chats they need.

A seeding script (or `python -m bot sandbox`) defines them with `PUT /sandbox/api/personas`;
without one the page gets `DEFAULT_CAST`: two customers, a cashier, and the owner in an admin
group, plus the brand's channel. The ids are fixed so a bot can be configured with them
(`OWNER_IDS=3001`, `ADMIN_CHAT_IDS=-1000000003001`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.sandbox.state import JSON, World, WorldError

ROLES = ("customer", "cashier", "manager", "owner", "guest")


@dataclass(frozen=True, slots=True)
class Persona:
    user_id: int
    first_name: str
    role: str = "customer"
    last_name: str | None = None
    username: str | None = None
    language_code: str = "en"
    phone_number: str | None = None
    chat_id: int | None = None  # the chat the pane opens with; None: the private chat

    @classmethod
    def from_json(cls, data: Any) -> Persona:
        if not isinstance(data, dict):
            raise WorldError(400, "a persona must be a JSON object")
        known = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        try:
            persona = cls(**known)
        except TypeError as error:
            raise WorldError(400, f"bad persona: {error}") from None
        if not isinstance(persona.user_id, int) or persona.user_id <= 0:
            raise WorldError(400, "a persona needs a positive integer user_id")
        if not isinstance(persona.first_name, str) or not persona.first_name:
            raise WorldError(400, "a persona needs a first_name")
        if persona.role not in ROLES:
            raise WorldError(400, f"role must be one of {', '.join(ROLES)}")
        return persona


@dataclass(frozen=True, slots=True)
class ChatSpec:
    """A group, supergroup or channel the bot administers."""

    id: int
    title: str
    type: str = "supergroup"
    username: str | None = None
    owner_id: int | None = None
    admins: tuple[int, ...] = ()
    members: tuple[int, ...] = ()

    @classmethod
    def from_json(cls, data: Any) -> ChatSpec:
        if not isinstance(data, dict):
            raise WorldError(400, "a chat must be a JSON object")
        known = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        for name in ("admins", "members"):
            if name in known:
                known[name] = tuple(known[name])
        try:
            spec = cls(**known)
        except TypeError as error:
            raise WorldError(400, f"bad chat: {error}") from None
        if not isinstance(spec.id, int) or spec.id >= 0:
            raise WorldError(400, "a group or channel id must be a negative integer")
        return spec


@dataclass(frozen=True, slots=True)
class Cast:
    personas: tuple[Persona, ...]
    chats: tuple[ChatSpec, ...] = field(default=())

    @classmethod
    def from_json(cls, data: Any) -> Cast:
        if not isinstance(data, dict) or not isinstance(data.get("personas"), list):
            raise WorldError(400, 'expected {"personas": [...], "chats": [...]}')
        personas = tuple(Persona.from_json(p) for p in data["personas"])
        chats = tuple(ChatSpec.from_json(c) for c in data.get("chats") or [])
        ids = [p.user_id for p in personas]
        if len(set(ids)) != len(ids):
            raise WorldError(400, "persona user_ids must be unique")
        return cls(personas, chats)

    def to_json(self) -> JSON:
        return {
            "personas": [asdict(p) for p in self.personas],
            "chats": [asdict(c) for c in self.chats],
        }

    def ensure(self, world: World) -> None:
        """Create whichever of the cast's users and chats the world lacks (after a reset, say)."""
        for persona in self.personas:
            if persona.user_id not in world.users:
                world.add_user(
                    persona.user_id,
                    first_name=persona.first_name,
                    last_name=persona.last_name,
                    username=persona.username,
                    language_code=persona.language_code,
                    phone_number=persona.phone_number,
                )
        for spec in self.chats:
            if spec.id in world.groups:
                continue
            members = {uid: "member" for uid in spec.members if uid in world.users}
            members |= {uid: "administrator" for uid in spec.admins if uid in world.users}
            if spec.owner_id is not None and spec.owner_id in world.users:
                members[spec.owner_id] = "creator"
            world.add_group(
                title=spec.title,
                kind=spec.type,
                chat_id=spec.id,
                username=spec.username,
                members=members,
            )


ANNA, BORIS, CAROL, OLGA = 1001, 1002, 2001, 3001
ADMIN_CHAT_ID = -1000000003001
CHANNEL_ID = -1000000009001

DEFAULT_CAST = Cast(
    personas=(
        Persona(
            ANNA,
            "Anna",
            "customer",
            last_name="Petrova",
            username="anna_p",
            language_code="ru",
            phone_number="+79001110001",
        ),
        Persona(BORIS, "Boris", "customer", username="boris", phone_number="+79001110002"),
        Persona(CAROL, "Carol", "cashier", username="carol_cashier", phone_number="+79001112001"),
        Persona(
            OLGA,
            "Olga",
            "owner",
            username="olga_owner",
            phone_number="+79001113001",
            chat_id=ADMIN_CHAT_ID,
        ),
    ),
    chats=(
        ChatSpec(ADMIN_CHAT_ID, "Owners", "supergroup", owner_id=OLGA),
        ChatSpec(CHANNEL_ID, "Café news", "channel", username="sandbox_cafe_news"),
    ),
)
