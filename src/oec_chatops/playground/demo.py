"""A small workspace to play in: the people and channels the README and the demo talk about.

The ids match the example policy in DESIGN.md (`U0ADMIN`, `S0DEVTEAM`, `U0LEAD1`, `U0LEAD2`),
so a fresh checkout's demo has someone who may deploy and someone who may approve.
"""

from __future__ import annotations

from dataclasses import dataclass

from oec_chatops.playground.fake_slack import FakeSlack


@dataclass(frozen=True, slots=True)
class Persona:
    """Someone the playground page can act as; `role` is a label for the switcher, not a right.

    What a persona may do is decided by the bot's policy, as it would be in a real workspace.
    """

    user_id: str
    role: str


# The page's user switcher: one person per role the demo policy hands out, named as the policy
# names them (a "developer" label taught people a role the policy does not have), and a viewer
# so what someone without rights is told can be tried too.
DEMO_PEOPLE: tuple[Persona, ...] = (
    Persona("U0DEV1", "deployer"),
    Persona("U0LEAD1", "approver"),
    Persona("U0ADMIN", "admin"),
    Persona("U0VIEWER", "viewer"),
)


def seed_demo_workspace(fake: FakeSlack) -> FakeSlack:
    """Add the demo users, user group and channels to `fake`; returns it for chaining."""
    fake.add_user("U0ADMIN", "ada", real_name="Ada Admin", is_admin=True)
    fake.add_user("U0DEV1", "dev", real_name="Dana Deployer")
    fake.add_user("U0DEV2", "sam", real_name="Sam Shipper")
    fake.add_user("U0LEAD1", "lea", real_name="Lea Lead")
    fake.add_user("U0LEAD2", "leo", real_name="Leo Lead")
    fake.add_user("U0VIEWER", "vic", real_name="Vic Viewer")
    fake.add_usergroup("S0DEVTEAM", "devteam", ["U0DEV1", "U0DEV2"], name="Deployers")
    fake.add_usergroup("S0LEADS", "leads", ["U0LEAD1", "U0LEAD2"], name="Team leads")
    fake.add_channel("C0DEPLOYS", "deploys")
    fake.add_channel("C0GENERAL", "general")
    fake.add_channel("C0ALERTS", "oec-alerts")
    fake.add_channel("C0RANDOM", "random", is_member=False)
    fake.add_channel("C0OLD", "old-project", is_archived=True)
    return fake
