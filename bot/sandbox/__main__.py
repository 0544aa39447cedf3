"""`python -m bot.sandbox --port 8081 --token 123456789:SANDBOX`: the emulator on its own."""

from bot.sandbox.server import main

main()
