"""The public API's organisation, project, server, environment, action and task routes.

Paths are relative to `/api/public/v1`. Actions live at `/environments/{id}/{action}`; the
`/actions/` family of older docs does not exist here (CONTRACT.md §9.6, §9.10 #1) and answers
404 like any unknown path, in FastAPI's `{"detail": "Not Found"}` form.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route

from oec_chatops.sim.errors import ApiError, Shape, not_found
from oec_chatops.sim.gateway import Access, Call, Endpoint, Gateway, Handler, Reply
from oec_chatops.sim.paging import cursor_page, numbered_page, offset_page
from oec_chatops.sim.records import Environment, Project, Server
from oec_chatops.sim.state import SimState
from oec_chatops.sim.timeline import TaskKind
from oec_chatops.sim.validation import (
    CursorQuery,
    DeployBody,
    EnvironmentCreate,
    EnvironmentListQuery,
    EnvironmentPatch,
    LogsQuery,
    OffsetQuery,
    PageQuery,
    QuickUpdateBody,
    parse_body,
    parse_query,
)

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class PublicApi:
    def __init__(self, state: SimState) -> None:
        self.state = state

    def _env(self, call: Call) -> Environment:
        return self.state.environment(call.path_id("env_id"))

    def _project_json(self, project: Project) -> dict[str, Any]:
        """A project as oec.sh shows it, with the count of its environments."""
        return project.to_json(
            environment_count=self.state.environment_count(project_id=project.id)
        )

    def _server_json(self, server: Server) -> dict[str, Any]:
        """A server as oec.sh shows it, with the count of environments placed on it."""
        return server.to_json(environment_count=self.state.environment_count(server_id=server.id))

    async def org(self, call: Call) -> Reply:
        return Reply(200, self.state.org.to_json())

    async def projects(self, call: Call) -> Reply:
        """In the shape the `projects_pagination` fault selects (cursor by default)."""
        state = self.state
        items = [self._project_json(p) for p in state.projects.values()]
        shape = state.faults.projects_pagination
        if shape == "array":
            return Reply(200, items)
        if shape == "page":
            q = parse_query(PageQuery, call.query)
            return Reply(
                200, numbered_page(items, page=q.page, page_size=q.page_size or q.limit or 20)
            )
        if shape == "offset":
            o = parse_query(OffsetQuery, call.query)
            return Reply(200, offset_page(items, limit=o.limit, offset=o.offset))
        c = parse_query(CursorQuery, call.query)
        return Reply(200, cursor_page(items, limit=c.limit, cursor=c.cursor))

    async def project(self, call: Call) -> Reply:
        return Reply(200, self._project_json(self.state.project(call.path_id("project_id"))))

    async def servers(self, call: Call) -> Reply:
        q = parse_query(CursorQuery, call.query)
        items = [self._server_json(s) for s in self.state.servers.values()]
        return Reply(200, cursor_page(items, limit=q.limit, cursor=q.cursor))

    async def server(self, call: Call) -> Reply:
        return Reply(200, self._server_json(self.state.server(call.path_id("server_id"))))

    async def environments(self, call: Call) -> Reply:
        project_id = call.path_id("project_id")
        q = parse_query(EnvironmentListQuery, call.query, lower=("status",))
        self.state.project(project_id)
        envs = self.state.environments_of(project_id, status=q.status)
        return Reply(200, [e.to_json() for e in envs])

    async def create_environment(self, call: Call) -> Reply:
        project_id = call.path_id("project_id")
        body = parse_body(EnvironmentCreate, call.raw_body)
        env = self.state.create_environment(
            project_id,
            name=body.name,
            environment_type=body.environment_type,
            branch=body.branch,
            server_id=str(body.vm_id) if body.vm_id else None,
            domain=body.domain,
            cpu_cores=body.cpu_cores,
            ram_mb=body.ram_mb,
            disk_gb=body.disk_gb,
        )
        return Reply(201, env.to_json())

    async def environment(self, call: Call) -> Reply:
        return Reply(200, self._env(call).to_json())

    async def update_environment(self, call: Call) -> Reply:
        env_id = call.path_id("env_id")
        body = parse_body(EnvironmentPatch, call.raw_body)
        env = self.state.update_environment(env_id, body.model_dump(exclude_unset=True))
        return Reply(200, env.to_json())

    async def status(self, call: Call) -> Reply:
        return Reply(200, self.state.status_snapshot(self._env(call)))

    async def logs(self, call: Call) -> Reply:
        """The step log of a task (latest by default), keeping the most recent `lines`."""
        env = self._env(call)
        q = parse_query(LogsQuery, call.query)
        if q.task_id is not None:
            task = self.state.tasks.get(str(q.task_id))
            if task is None or task.environment_id != env.id:
                raise not_found("Task")
        else:
            tasks = self.state.tasks_of(env.id)
            task = tasks[0] if tasks else None
        if task is None:
            return Reply(200, {"task_id": None, "log": "", "lines": 0, "truncated": False})
        every = task.log_lines(now=self.state.now())
        kept = every[-q.lines :]
        return Reply(
            200,
            {
                "task_id": task.id,
                "log": "\n".join(kept),
                "lines": len(kept),
                "truncated": len(kept) < len(every),
            },
        )

    async def deployments(self, call: Call) -> Reply:
        env = self._env(call)
        q = parse_query(CursorQuery, call.query)
        now = self.state.now()
        items = [t.to_json(now=now) for t in self.state.tasks_of(env.id)]
        return Reply(200, cursor_page(items, limit=q.limit, cursor=q.cursor))

    async def deploy(self, call: Call) -> Reply:
        env_id = call.path_id("env_id")
        body = parse_body(DeployBody, call.raw_body, optional=True)
        modules = tuple(body.update_modules or ())
        task = self.state.queue_action(env_id, TaskKind.DEPLOY, modules=modules)
        return Reply(202, task.accepted_json())

    async def quick_update(self, call: Call) -> Reply:
        env_id = call.path_id("env_id")
        body = parse_body(QuickUpdateBody, call.raw_body)
        modules = tuple(body.modules or ()) if body.mode.endswith("_specific") else ()
        task = self.state.queue_action(
            env_id, TaskKind.QUICK_UPDATE, modules=modules, mode=body.mode
        )
        return Reply(202, task.accepted_json())

    def simple_action(self, kind: TaskKind) -> Handler:
        """restart / start / stop: no body (one sent is ignored, as FastAPI ignores it)."""

        async def act(call: Call) -> Reply:
            env_id = call.path_id("env_id")
            return Reply(202, self.state.queue_action(env_id, kind).accepted_json())

        return act

    async def task(self, call: Call) -> Reply:
        task = self.state.task(call.path_id("task_id"))
        return Reply(200, task.to_json(now=self.state.now()))


def unknown_route(siblings: list[BaseRoute]) -> Handler:
    """404 for a path the API does not have, 405 for a known path with another method."""

    async def answer(call: Call) -> Reply:
        scope = call.request.scope
        if any(route.matches(scope)[0] is Match.PARTIAL for route in siblings):
            raise ApiError(405, "method_not_allowed", "Method Not Allowed", shape=Shape.STRING)
        raise ApiError(404, "not_found", "Not Found", shape=Shape.STRING)

    return answer


def api_routes(state: SimState, gateway: Gateway, extra: list[BaseRoute]) -> list[BaseRoute]:
    """Every public route (with the webhook routes in `extra`), then the catch-all."""
    api = PublicApi(state)
    g = gateway.endpoint
    read, write = Access.READ, Access.WRITE
    action = "Idempotency-Key"
    create = "X-Idempotency-Key"
    # Every action is a POST to /environments/{env_id}/<name> under an Idempotency-Key (§9.6).
    simple = (TaskKind.RESTART, TaskKind.START, TaskKind.STOP)
    actions: dict[str, Handler] = {
        "deploy": api.deploy,
        "quick-update": api.quick_update,
        **{kind.value: api.simple_action(kind) for kind in simple},
    }
    routes: list[BaseRoute] = [
        Route("/org", g(api.org, read), methods=["GET"]),
        Route("/projects", g(api.projects, read), methods=["GET"]),
        Route("/projects/{project_id}", g(api.project, read), methods=["GET"]),
        Route("/projects/{project_id}/environments", g(api.environments, read), methods=["GET"]),
        Route(
            "/projects/{project_id}/environments",
            g(api.create_environment, write, idempotency=create),
            methods=["POST"],
        ),
        Route("/servers", g(api.servers, read), methods=["GET"]),
        Route("/servers/{server_id}", g(api.server, read), methods=["GET"]),
        Route("/environments/{env_id}", g(api.environment, read), methods=["GET"]),
        Route("/environments/{env_id}", g(api.update_environment, write), methods=["PATCH"]),
        Route("/environments/{env_id}/status", g(api.status, read), methods=["GET"]),
        Route("/environments/{env_id}/logs", g(api.logs, read), methods=["GET"]),
        Route("/environments/{env_id}/deployments", g(api.deployments, read), methods=["GET"]),
        *[
            Route(
                f"/environments/{{env_id}}/{name}",
                g(handler, write, idempotency=action),
                methods=["POST"],
            )
            for name, handler in actions.items()
        ],
        Route("/deployments/{task_id}", g(api.task, read), methods=["GET"]),
        *extra,
    ]
    fallback = unknown_route(list(routes))
    routes.append(Route("/{path:path}", _by_method(gateway, fallback), methods=METHODS))
    return routes


def _by_method(gateway: Gateway, handler: Handler) -> Endpoint:
    """The catch-all counts as a read for GET and as a write otherwise."""
    read = gateway.endpoint(handler, Access.READ)
    write = gateway.endpoint(handler, Access.WRITE)

    async def endpoint(request: Request) -> Response:
        return await (read if request.method == "GET" else write)(request)

    return endpoint
