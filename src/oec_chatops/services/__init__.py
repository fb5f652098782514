"""The behaviour of the bot, independent of HTTP frameworks: resolve, act, approve, track, notify."""
