"""A local Telegram Bot API emulator, for end-to-end tests and for trying the bot with no token.

`start_sandbox` serves it (Bot API, control API, web chat page); `client.SandboxClient` drives it
as the users do. See docs/SANDBOX.md.
"""

from bot.sandbox.server import SandboxHandle, start_sandbox

__all__ = ["SandboxHandle", "start_sandbox"]
