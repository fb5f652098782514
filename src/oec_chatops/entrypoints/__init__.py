"""Where the bot is assembled and started: the ASGI app (`server`) and the all-in-one demo
(`embedded`: bot, simulator and playground in one process). With `cli` and `container`, the
only modules that hold the `Container`.
"""
