"""Which environments a glob names: `production`, `*-prod`, `shop/main`, `derp:*/*-prod`.

One matcher for everything the policy and the commands scope by environment (protection,
freeze windows, ad hoc freezes), so that a glob means the same thing in `[protected]`, in a
`[[freeze]]` table and after `/oec freeze`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

from oec_chatops.domain import EnvRef


def env_matches(globs: Iterable[str], env: EnvRef) -> bool:
    """Does any (lower-case) glob name this environment?

    A pattern with a `/` is matched against `project/env` under each name the project goes by
    (slug, name, with and without a `platform:` prefix, so `derp:*/*-prod` matches on one
    platform and `*/*-prod` on all); a pattern without one against the environment's name and
    type. Matching is case-insensitive fnmatch, so a plain word such as `production` matches
    that type or name.
    """
    env_type = (env.env_type or "").strip().lower()
    name = env.env_name.lower()
    projects = {p.lower() for p in (env.project_slug, env.project_name, env.project_id) if p}
    # With several platforms names carry a `platform:` prefix; a glob without one matches on
    # every platform, so each name is also matched without its prefix.
    projects |= {p.partition(":")[2] for p in projects if ":" in p}
    labels = {f"{p}/{name}" for p in projects}
    words = {name, env_type} - {""}
    for glob in globs:
        candidates = labels if "/" in glob else words
        if any(fnmatch.fnmatchcase(c, glob) for c in candidates):
            return True
    return False


def glob_problem(glob: str) -> str | None:
    """Why `glob` cannot name environments, or None: empty, or more than one `/`."""
    if not glob or glob.count("/") > 1 or any(ord(c) < 32 for c in glob):
        return "write an environment type or name, or `project/env` (globs allowed)"
    return None
