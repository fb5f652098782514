"""A local Slack stand-in: the Web API the bot calls, response_urls, and signed user actions.

The playground is "the outside world": it never imports the bot's services, Slack handlers or
store, so tests that pass against it say something about the real Slack, not about the bot.
`Playground` and `build_playground_app` add the page a person opens to try the bot in a
browser (see `page`); the embedded demo wires it to the bot and the simulator.
"""

from oec_chatops.playground.demo import DEMO_PEOPLE, Persona, seed_demo_workspace
from oec_chatops.playground.fake_slack import ApiAnswer, FakeSlack
from oec_chatops.playground.page import Playground, build_playground_app
from oec_chatops.playground.page_state import CommandHint, page_state
from oec_chatops.playground.payloads import (
    block_actions_body,
    slash_command_body,
    view_submission_body,
)
from oec_chatops.playground.records import Channel, Ephemeral, Message, User, UserGroup
from oec_chatops.playground.serving import serve_on_loopback
from oec_chatops.playground.signer import SlackSigner
from oec_chatops.playground.slack_api import build_fake_slack_app
from oec_chatops.playground.slack_client import SlackUserAgent, find_button
from oec_chatops.playground.traffic import Call, Change, OpenedView, ResponsePost

__all__ = [
    "DEMO_PEOPLE",
    "ApiAnswer",
    "Call",
    "Change",
    "Channel",
    "CommandHint",
    "Ephemeral",
    "FakeSlack",
    "Message",
    "OpenedView",
    "Persona",
    "Playground",
    "ResponsePost",
    "SlackSigner",
    "SlackUserAgent",
    "User",
    "UserGroup",
    "block_actions_body",
    "build_fake_slack_app",
    "build_playground_app",
    "find_button",
    "page_state",
    "seed_demo_workspace",
    "serve_on_loopback",
    "slash_command_body",
    "view_submission_body",
]
