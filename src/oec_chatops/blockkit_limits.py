"""Slack's Block Kit limits, in one place: the bot's renderers cut to them and the playground's
Slack stand-in refuses what breaks them, so the two can never disagree about what Slack takes.

Pure constants, importable from both sides of the "the playground is the outside world"
contract. Sources: https://docs.slack.dev/reference/block-kit/blocks and
https://api.slack.com/methods/chat.postMessage#truncating
"""

from __future__ import annotations

MAX_BLOCKS = 50  # blocks in a message
MAX_MODAL_BLOCKS = 100  # blocks in a modal or a Home tab
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 3000
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
MAX_MESSAGE_TEXT = 40000
MAX_VIEW_TITLE = 24
MAX_CALLBACK_ID = 255
MAX_PRIVATE_METADATA = 3000
MAX_INPUT_LABEL = 2000
MAX_PLACEHOLDER = 150
