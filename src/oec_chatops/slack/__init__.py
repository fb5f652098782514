"""The Slack side of the bot.

`grammar` (text -> Command) and `blocks` (values -> Block Kit) are pure leaves: no clock,
network, database or environment, so they are tested with plain values and any service may
call them. The Bolt listeners and the app factory are the thin I/O layer on top.
"""
