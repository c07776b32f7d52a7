#!/usr/bin/python3
# Drives Tokenward with python-gitlab, a real GitLab API client, unchanged (Debian's python3-gitlab
# 3.12 and its `gitlab` CLI): users, groups, projects, personal/project/group access tokens,
# impersonation tokens, pagination through the Link headers, rotation, and errors as python-gitlab
# raises them.
# Run by PythonGitlabCompatibilityTests (tests/Tokenward.Tests) against a real server:
#   GITLAB_URL=http://127.0.0.1:PORT GITLAB_TOKEN=<root token with api,sudo> /usr/bin/python3 python_gitlab.py
# GITLAB_TODAY (YYYY-MM-DD) is the server's date when its clock is not the real one (the C# test
# server's fake clock); expiry dates are computed from it, else from today's UTC date.
#
# Where python-gitlab 3.12 has no method for an endpoint (personal access token get and rotate,
# project/group access token get and rotate, /personal_access_tokens/self), the step goes through
# python-gitlab's own HTTP layer (gl.http_get/http_post/http_delete/http_list), which sends exactly
# the headers and encodings python-gitlab's managers send; each such call says so in a comment.
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import types
import warnings

import gitlab
from gitlab import exceptions as gle

URL = os.environ.get("GITLAB_URL", "").rstrip("/")
TOKEN = os.environ.get("GITLAB_TOKEN", "")
if not URL or not TOKEN:
    sys.exit("GITLAB_URL and GITLAB_TOKEN are needed")

# A next-page link pointing elsewhere than GITLAB_URL breaks pagination behind proxies: python-gitlab
# only warns about it; here it fails the step.
warnings.filterwarnings("error", message="The base URL in the server response differs")

TODAY = (
    datetime.date.fromisoformat(os.environ["GITLAB_TODAY"])
    if os.environ.get("GITLAB_TODAY")
    else datetime.datetime.now(datetime.timezone.utc).date()
)


def day(offset):
    """The date `offset` days after the server's today, as GitLab's API takes expires_at."""
    return (TODAY + datetime.timedelta(days=offset)).isoformat()


def client(token):
    return gitlab.Gitlab(URL, private_token=token, timeout=30)


gl = client(TOKEN)
passed = 0
failed = 0


def describe(e):
    if isinstance(e, gle.GitlabError):
        body = e.response_body.decode("utf-8", "replace") if isinstance(e.response_body, bytes) else e.response_body
        return f"{type(e).__name__} {e.response_code}: {e.error_message!r} (body: {body})"
    return f"{type(e).__name__}: {e}"


def step(name):
    """Runs the decorated function at once as one step: `ok` or `FAIL` with the reason."""

    def run(body):
        global passed, failed
        try:
            body()
            passed += 1
            print(f"ok   {name}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported, the run goes on
            failed += 1
            print(f"FAIL {name}: {describe(e)}", flush=True)
        return body

    return run


class Failed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failed(message)


def eq(actual, expected, what):
    check(actual == expected, f"{what}: expected {expected!r}, got {actual!r}")


def raises(kind, call, code=None, message=None):
    """Calls `call`, which must raise python-gitlab's `kind` (with `code` and a message containing `message`)."""
    try:
        result = call()
    except kind as e:
        if code is not None:
            eq(e.response_code, code, f"{kind.__name__} status")
        if message is not None:
            check(message in str(e.error_message), f"{kind.__name__} message: expected {message!r} in {e.error_message!r}")
        return e
    except gle.GitlabError as e:
        raise Failed(f"expected {kind.__name__}, got {describe(e)}") from e
    raise Failed(f"expected {kind.__name__}, got {result!r}")


def need(*values):
    check(all(v is not None for v in values), "needs what an earlier step failed to make")


def ids(items):
    return [i.id if hasattr(i, "id") else i["id"] for i in items]


def works(token):
    """The user a token authenticates as (python-gitlab's gl.auth(), GET /user)."""
    c = client(token)
    c.auth()
    return c.user


def refused(token):
    """A token the server no longer takes: python-gitlab raises GitlabAuthenticationError (401)."""
    raises(gle.GitlabAuthenticationError, lambda: client(token).auth(), 401)


suffix = format(int(time.time() * 1000), "x")[-8:]
user = group = subgroup = project = None
pat = None


@step("current user is root")
def _():
    gl.auth()
    eq(gl.user.username, "root", "username")
    eq(gl.user.is_admin, True, "is_admin")


@step("create a user, get it by id")
def _():
    global user
    user = gl.users.create(
        {"username": f"pyg-{suffix}", "email": f"pyg-{suffix}@example.com", "name": "Python Gitlab User", "password": "ignored-password-123"}
    )
    eq(user.username, f"pyg-{suffix}", "username")
    shown = gl.users.get(user.id)
    eq(shown.id, user.id, "id")
    eq(shown.state, "active", "state")


@step("list users with pagination (get_all and iterator follow the Link header)")
def _():
    for n in range(2):
        gl.users.create({"username": f"pyg-{suffix}-{n}", "email": f"pyg-{suffix}-{n}@example.com", "name": f"Extra {n}"})
    everyone = gl.users.list(per_page=1, get_all=True)
    check(len(everyone) >= 4, f"get_all with per_page=1 gave {len(everyone)} users")
    eq(len(set(ids(everyone))), len(everyone), "distinct users")
    usernames = {u.username for u in everyone}
    check({"root", f"pyg-{suffix}", f"pyg-{suffix}-0", f"pyg-{suffix}-1"} <= usernames, f"users listed: {sorted(usernames)}")
    pages = gl.users.list(per_page=2, iterator=True)
    eq(pages.per_page, 2, "x-per-page")
    eq(pages.current_page, 1, "x-page")
    eq(pages.total, len(everyone), "x-total")
    eq(pages.total_pages, (len(everyone) + 1) // 2, "x-total-pages")
    eq(pages.next_page, 2, "x-next-page")
    eq(sorted(ids(list(pages))), sorted(ids(everyone)), "users through the iterator")
    second = gl.users.list(per_page=1, page=2)
    eq(len(second), 1, "users on page 2 of per_page=1")


@step("create a personal access token for the user (user.personal_access_tokens.create)")
def _():
    global pat
    need(user)
    pat = user.personal_access_tokens.create({"name": f"pyg-pat-{suffix}", "scopes": ["api", "read_user"], "expires_at": day(30)})
    check(pat.token.startswith("glpat-"), f"token {pat.token[:8]}...")
    eq(pat.name, f"pyg-pat-{suffix}", "name")
    eq(sorted(pat.scopes), ["api", "read_user"], "scopes")
    eq(pat.expires_at, day(30), "expires_at")
    eq(pat.user_id, user.id, "user_id")
    eq((pat.active, pat.revoked), (True, False), "active, revoked")
    eq(works(pat.token).id, user.id, "user of the token")
    as_bearer = gitlab.Gitlab(URL, oauth_token=pat.token, timeout=30)  # Authorization: Bearer
    as_bearer.auth()
    eq(as_bearer.user.id, user.id, "user of the token as a bearer token")


@step("personal access token self and get (http_get: no get method in 3.12)")
def _():
    need(pat)
    as_user = client(pat.token)
    # python-gitlab 3.12's PersonalAccessTokenManager has no get: its HTTP layer instead.
    me = as_user.http_get("/personal_access_tokens/self")
    eq(me["id"], pat.id, "self id")
    eq(me["name"], pat.name, "self name")
    check("token" not in me, "self shows the token value")
    shown = gl.http_get(f"/personal_access_tokens/{pat.id}")
    eq((shown["id"], shown["user_id"], shown["expires_at"]), (pat.id, user.id, day(30)), "get by id")


@step("list personal access tokens with filters, several pages each (get_all and iterator)")
def _():
    need(user, pat)
    made = {
        "soon": user.personal_access_tokens.create({"name": f"pyg-soon-{suffix}", "scopes": ["read_api"], "expires_at": day(10)}),
        "later": user.personal_access_tokens.create({"name": f"pyg-later-{suffix}", "scopes": ["read_api"], "expires_at": day(200)}),
        "gone1": user.personal_access_tokens.create({"name": f"pyg-gone-{suffix}-1", "scopes": ["read_api"], "expires_at": day(20)}),
        "gone2": user.personal_access_tokens.create({"name": f"pyg-gone-{suffix}-2", "scopes": ["read_api"], "expires_at": day(20)}),
        "soon2": user.personal_access_tokens.create({"name": f"pyg-soon-{suffix}-2", "scopes": ["read_api"], "expires_at": day(11)}),
    }
    gl.personal_access_tokens.delete(made["gone1"].id)  # DeleteMixin: DELETE /personal_access_tokens/:id
    listed = gl.personal_access_tokens.list(user_id=user.id, per_page=2, get_all=True)
    for t in listed:
        if t.id == made["gone2"].id:
            t.delete()  # ObjectDeleteMixin on a listed token
    mine = [pat.id] + [t.id for t in made.values()]
    eq(sorted(ids(listed)), sorted(mine), "all the user's tokens, per_page=2")
    eq({t.user_id for t in listed}, {user.id}, "user_id of every listed token")

    def listing(**filters):
        return sorted(ids(gl.personal_access_tokens.list(user_id=user.id, per_page=2, get_all=True, **filters)))

    active = sorted([pat.id, made["soon"].id, made["later"].id, made["soon2"].id])
    inactive = sorted([made["gone1"].id, made["gone2"].id])
    eq(listing(state="active"), active, "state=active")
    eq(listing(state="inactive"), inactive, "state=inactive")
    eq(listing(revoked=True), inactive, "revoked=true")
    eq(listing(revoked=False), active, "revoked=false")
    eq(listing(search=f"pyg-soon-{suffix}"), sorted([made["soon"].id, made["soon2"].id]), "search")
    eq(listing(search=f"pyg-gone-{suffix}", state="inactive"), inactive, "search and state=inactive")
    eq(listing(expires_before=day(100)), sorted([pat.id, made["soon"].id, made["soon2"].id, made["gone1"].id, made["gone2"].id]), "expires_before")
    eq(listing(expires_before=day(100), state="active"), sorted([pat.id, made["soon"].id, made["soon2"].id]), "expires_before and state=active")
    eq(listing(created_after=f"{day(-1)}T00:00:00Z"), sorted(mine), "created_after yesterday")
    eq(listing(created_after=f"{day(1)}T00:00:00Z"), [], "created_after tomorrow")
    pages = gl.personal_access_tokens.list(user_id=user.id, state="active", per_page=1, iterator=True)
    eq(pages.total, 4, "x-total of state=active")
    eq(pages.total_pages, 4, "x-total-pages of state=active, per_page=1")
    eq(sorted(ids(list(pages))), active, "state=active through the iterator")
    revoked = gl.personal_access_tokens.list(user_id=user.id, state="inactive", get_all=True)
    eq({(t.revoked, t.active) for t in revoked}, {(True, False)}, "revoked, active of revoked tokens")


@step("rotate the token itself (http_post /personal_access_tokens/self/rotate: no method in 3.12)")
def _():
    global pat
    need(pat)
    as_user = client(pat.token)
    # python-gitlab 3.12 has no rotate: its HTTP layer instead.
    rotated = as_user.http_post("/personal_access_tokens/self/rotate", post_data={"expires_at": day(60)})
    check(rotated["token"].startswith("glpat-") and rotated["token"] != pat.token, "a new token value")
    check(rotated["id"] != pat.id, "a new token id")
    eq((rotated["name"], rotated["expires_at"], rotated["active"]), (pat.name, day(60), True), "name, expires_at, active")
    refused(pat.token)
    eq(works(rotated["token"]).id, user.id, "user of the rotated token")
    old = gl.http_get(f"/personal_access_tokens/{pat.id}")
    eq((old["revoked"], old["active"]), (True, False), "old token revoked, active")
    active = gl.personal_access_tokens.list(user_id=user.id, search=pat.name, state="active", get_all=True)
    eq(ids(active), [rotated["id"]], "the active token of that name")
    pat = types.SimpleNamespace(**rotated)


@step("rotate a token by id, without expires_at (a week)")
def _():
    global pat
    need(pat)
    # python-gitlab 3.12 has no rotate: its HTTP layer instead.
    rotated = gl.http_post(f"/personal_access_tokens/{pat.id}/rotate")
    eq(rotated["expires_at"], day(7), "expires_at")
    eq(rotated["user_id"], user.id, "user_id")
    refused(pat.token)
    eq(works(rotated["token"]).id, user.id, "user of the rotated token")
    pat = types.SimpleNamespace(**rotated)


@step("revoke tokens: delete by id and delete('self')")
def _():
    need(pat, user)
    gl.personal_access_tokens.delete(pat.id)
    refused(pat.token)
    shown = gl.http_get(f"/personal_access_tokens/{pat.id}")
    eq(shown["revoked"], True, "revoked")
    spare = user.personal_access_tokens.create({"name": f"pyg-self-{suffix}", "scopes": ["read_user"], "expires_at": day(30)})
    client(spare.token).personal_access_tokens.delete("self")
    refused(spare.token)


@step("create a group, a subgroup and get it by full path")
def _():
    global group, subgroup
    group = gl.groups.create({"name": f"Python Gitlab {suffix}", "path": f"pyg-{suffix}"})
    eq(group.full_path, f"pyg-{suffix}", "full_path")
    subgroup = gl.groups.create({"name": "Sub", "path": "sub", "parent_id": group.id})
    shown = gl.groups.get(f"pyg-{suffix}/sub")
    eq(shown.id, subgroup.id, "id")
    eq(shown.full_path, f"pyg-{suffix}/sub", "full_path")
    eq(shown.parent_id, group.id, "parent_id")
    listed = ids(gl.groups.list(per_page=2, get_all=True))
    check({group.id, subgroup.id} <= set(listed), f"groups listed: {listed}")


@step("create a project in the subgroup, get it by path")
def _():
    global project
    need(subgroup)
    project = gl.projects.create({"name": "Service", "namespace_id": subgroup.id})
    eq(project.path_with_namespace, f"pyg-{suffix}/sub/service", "path_with_namespace")
    eq(gl.projects.get(f"pyg-{suffix}/sub/service").id, project.id, "id by path")
    eq(gl.projects.get(project.id).namespace["id"], subgroup.id, "namespace id")


@step("add the user as a group member")
def _():
    need(group, user)
    member = group.members.create({"user_id": user.id, "access_level": 30})
    eq(member.access_level, 30, "access_level")
    check(user.id in ids(group.members.list(get_all=True)), "user in members")


def bot_checks(token, resource_kind, resource_id):
    """The bot behind a project or group token, as gl.auth() shows it."""
    bot = works(token)
    eq(bot.bot, True, "bot")
    check(bot.username.startswith(f"{resource_kind}_{resource_id}_bot"), f"bot username {bot.username}")
    return bot


@step("project access token: create with scopes and access_level, list, get, use, rotate, delete")
def _():
    need(project)
    made = project.access_tokens.create({"name": f"pyg-project-{suffix}", "scopes": ["read_api"], "access_level": 30, "expires_at": day(30)})
    eq((made.access_level, made.scopes, made.expires_at, made.active), (30, ["read_api"], day(30), True), "access_level, scopes, expires_at, active")
    bot = bot_checks(made.token, "project", project.id)
    eq(made.user_id, bot.id, "user_id is the bot")
    eq(client(made.token).projects.get(project.id).id, project.id, "the bot sees the project")
    # python-gitlab 3.12 has no personal_access_tokens.get: its HTTP layer instead.
    eq(client(made.token).http_get("/personal_access_tokens/self")["id"], made.id, "the bot's token itself")
    check(made.id in ids(project.access_tokens.list(get_all=True)), "listed")
    # python-gitlab 3.12's ProjectAccessTokenManager has no get or rotate: its HTTP layer instead.
    shown = gl.http_get(f"/projects/{project.id}/access_tokens/{made.id}")
    eq((shown["name"], shown["access_level"]), (f"pyg-project-{suffix}", 30), "get")
    rotated = gl.http_post(f"/projects/{project.id}/access_tokens/{made.id}/rotate", post_data={"expires_at": day(60)})
    eq((rotated["expires_at"], rotated["access_level"]), (day(60), 30), "rotated expires_at, access_level")
    refused(made.token)
    eq(works(rotated["token"]).id, bot.id, "the rotated token is the same bot")
    active = project.access_tokens.list(state="active", get_all=True)
    eq([t.id for t in active if t.name == made.name], [rotated["id"]], "active tokens of that name")
    project.access_tokens.delete(rotated["id"])
    refused(rotated["token"])


@step("group access token: create with scopes (access_level defaults to 40), list, get, use, rotate, delete")
def _():
    need(group, subgroup)
    made = group.access_tokens.create({"name": f"pyg-group-{suffix}", "scopes": ["api"], "expires_at": day(30)})
    eq((made.access_level, made.scopes), (40, ["api"]), "access_level, scopes")
    bot_checks(made.token, "group", group.id)
    as_bot = client(made.token)
    eq(as_bot.groups.get(subgroup.id).id, subgroup.id, "the bot sees the subgroup")
    check(made.id in ids(group.access_tokens.list(get_all=True)), "listed")
    # python-gitlab 3.12's GroupAccessTokenManager has no get or rotate: its HTTP layer instead.
    eq(gl.http_get(f"/groups/{group.id}/access_tokens/{made.id}")["name"], made.name, "get")
    rotated = gl.http_post(f"/groups/{group.id}/access_tokens/{made.id}/rotate", post_data={"expires_at": day(45)})
    eq(rotated["expires_at"], day(45), "rotated expires_at")
    refused(made.token)
    works(rotated["token"])
    listed = {t.id: t for t in group.access_tokens.list(get_all=True)}
    check(rotated["id"] in listed, "rotated token listed")
    listed[rotated["id"]].delete()  # ObjectDeleteMixin on a listed token
    refused(rotated["token"])


@step("group access token with access_level 30")
def _():
    need(group)
    made = group.access_tokens.create({"name": f"pyg-group30-{suffix}", "scopes": ["api"], "access_level": 30, "expires_at": day(30)})
    eq(made.access_level, 30, "access_level")
    group.access_tokens.delete(made.id)
    refused(made.token)


@step("impersonation tokens: create, use, list with state, get, delete")
def _():
    need(user)
    made = user.impersonationtokens.create({"name": f"pyg-imp-{suffix}", "scopes": ["api"], "expires_at": day(30)})
    eq((made.impersonation, made.active, made.user_id), (True, True, user.id), "impersonation, active, user_id")
    check(made.token.startswith("glpat-"), "token value")
    eq(works(made.token).id, user.id, "user of the impersonation token")
    check(made.id in ids(user.impersonationtokens.list(state="active", get_all=True)), "listed as active")
    check(made.id not in ids(user.impersonationtokens.list(state="inactive", get_all=True)), "not listed as inactive")
    shown = user.impersonationtokens.get(made.id)
    eq((shown.name, shown.impersonation, shown.scopes), (made.name, True, ["api"]), "get")
    shown.delete()
    refused(made.token)
    check(made.id in ids(user.impersonationtokens.list(state="inactive", get_all=True)), "listed as inactive")
    check(made.id not in ids(user.impersonationtokens.list(state="active", get_all=True)), "not listed as active")
    eq(user.impersonationtokens.get(made.id).revoked, True, "revoked")
    other = user.impersonationtokens.create({"name": f"pyg-imp-{suffix}-2", "scopes": ["read_user"], "expires_at": day(30)})
    paged = ids(user.impersonationtokens.list(per_page=1, get_all=True))
    check({made.id, other.id} <= set(paged), f"per_page=1 listed {paged}")
    eq(sorted(paged), sorted(ids(user.impersonationtokens.list(get_all=True))), "per_page=1 and one page")
    user.impersonationtokens.delete(other.id)


@step("errors: a revoked or unknown token is GitlabAuthenticationError 401")
def _():
    need(user)
    spare = user.personal_access_tokens.create({"name": f"pyg-revoked-{suffix}", "scopes": ["read_user"], "expires_at": day(30)})
    gl.personal_access_tokens.delete(spare.id)
    e = raises(gle.GitlabAuthenticationError, lambda: client(spare.token).auth(), 401, "invalid_token")
    body = json.loads(e.response_body)
    eq(body.get("error_description"), "Token was revoked. You have to re-authorize from the user.", "error_description")
    raises(gle.GitlabAuthenticationError, lambda: client("glpat-" + "x" * 20).auth(), 401)
    raises(gle.GitlabAuthenticationError, lambda: client(spare.token).projects.list(get_all=True), 401)


@step("errors: missing users, groups, projects and impersonation tokens are GitlabGetError 404")
def _():
    need(user)
    raises(gle.GitlabGetError, lambda: gl.users.get(987654321), 404, "404 User Not Found")
    raises(gle.GitlabGetError, lambda: gl.groups.get("pyg-no-such-group"), 404, "404 Group Not Found")
    raises(gle.GitlabGetError, lambda: gl.projects.get("pyg-no-such/project"), 404, "404 Project Not Found")
    raises(gle.GitlabGetError, lambda: user.impersonationtokens.get(987654321), 404, "404 Impersonation Token Not Found")


@step("errors: 404s of personal access tokens and of unknown endpoints in GitLab's words")
def _():
    # GitLab: GET /personal_access_tokens/:id is `not_found!` for an admin ("404 Not Found"); DELETE finds
    # the token with ActiveRecord's find, whose RecordNotFound the API answers "404 Not found"; a user_id
    # of nobody is `not_found!`; an unknown endpoint is Grape's `error!('404 Not Found', 404)`, which is
    # {"error": ...}, not {"message": ...}.
    problems = []

    def expect(kind, call, body):
        try:
            got = json.loads(raises(kind, call, 404).response_body)
        except Failed as e:
            problems.append(str(e))
            return
        if got != body:
            problems.append(f"{kind.__name__}: expected {json.dumps(body)}, got {json.dumps(got)}")

    # python-gitlab 3.12 has no personal_access_tokens.get: its HTTP layer instead.
    expect(gle.GitlabHttpError, lambda: gl.http_get("/personal_access_tokens/987654321"), {"message": "404 Not Found"})
    expect(gle.GitlabDeleteError, lambda: gl.personal_access_tokens.delete(987654321), {"message": "404 Not found"})
    expect(gle.GitlabListError, lambda: gl.personal_access_tokens.list(user_id=987654321), {"message": "404 Not Found"})
    expect(gle.GitlabHttpError, lambda: gl.http_get("/pyg_no_such_endpoint"), {"error": "404 Not Found"})
    check(not problems, "; ".join(problems))


@step("errors: a bad or missing scope is a 400, a token without the scope a 403")
def _():
    need(user, project)
    raises(
        gle.GitlabCreateError,
        lambda: user.personal_access_tokens.create({"name": "bad", "scopes": ["no_such_scope"], "expires_at": day(30)}),
        400,
        "scopes does not have a valid value",
    )
    raises(
        gle.GitlabCreateError,
        lambda: project.access_tokens.create({"name": "bad", "scopes": ["no_such_scope"], "expires_at": day(30)}),
        400,
        "scopes does not have a valid value",
    )
    # python-gitlab checks required attributes itself before sending: its HTTP layer sends one without scopes.
    raises(gle.GitlabHttpError, lambda: gl.http_post(f"/users/{user.id}/personal_access_tokens", post_data={"name": "bad"}), 400, "scopes is missing")
    reader = user.personal_access_tokens.create({"name": f"pyg-reader-{suffix}", "scopes": ["read_api"], "expires_at": day(30)})
    e = raises(gle.GitlabCreateError, lambda: client(reader.token).groups.create({"name": "Nope", "path": f"pyg-nope-{suffix}"}), 403)
    check("insufficient_scope" in e.error_message, f"message {e.error_message!r}")
    gl.personal_access_tokens.delete(reader.id)


@step("sudo acts as the user")
def _():
    need(user)
    eq(gl.http_get("/user", sudo=user.username)["id"], user.id, "id with sudo")
    eq(gl.users.list(username=user.username, sudo=user.username)[0].id, user.id, "users list with sudo")


@step("block and unblock the user: their token is refused (403) while blocked")
def _():
    need(user)
    token = user.personal_access_tokens.create({"name": f"pyg-blocked-{suffix}", "scopes": ["read_api"], "expires_at": day(30)})
    eq(user.block(), True, "block() answer")
    eq(gl.users.get(user.id).state, "blocked", "state after block")
    raises(gle.GitlabListError, lambda: client(token.token).projects.list(get_all=True), 403, "Your account has been blocked")
    eq(user.unblock(), True, "unblock() answer")
    eq(gl.users.get(user.id).state, "active", "state after unblock")
    eq(works(token.token).id, user.id, "user of the token once unblocked")
    gl.personal_access_tokens.delete(token.id)


def find_cli():
    for candidate in ("/usr/bin/gitlab", "/usr/bin/python-gitlab"):
        if os.access(candidate, os.X_OK):
            return [candidate]
    # The same CLI without Debian's gitlab-cli entry point (/usr/bin/python-gitlab).
    return [sys.executable, "-m", "gitlab"]


cli_dir = tempfile.mkdtemp(prefix="pyg-cli-")
cli_config = os.path.join(cli_dir, "python-gitlab.cfg")
cli_tokens = {}


def write_cli_config():
    with open(cli_config, "w", encoding="utf-8") as f:
        f.write(f"[global]\ndefault = tw\ntimeout = 30\n\n[tw]\nurl = {URL}\nprivate_token = {TOKEN}\napi_version = 4\n")
        for name, token in cli_tokens.items():
            f.write(f"\n[{name}]\nurl = {URL}\nprivate_token = {token}\napi_version = 4\n")


def gitlab_cli(*args, section=None, fail=False):
    command = find_cli() + ["-c", cli_config] + (["-g", section] if section else []) + ["-o", "json", *args]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITLAB_")}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    if fail:
        check(done.returncode != 0, f"`gitlab {' '.join(args)}` succeeded: {done.stdout}")
        return done.stdout + done.stderr
    check(done.returncode == 0, f"`gitlab {' '.join(args)}` exited {done.returncode}: {done.stderr.strip()} {done.stdout.strip()}")
    try:
        return json.loads(done.stdout) if done.stdout.strip() else None
    except ValueError as e:
        raise Failed(f"`gitlab {' '.join(args)}` printed no JSON: {done.stdout!r}") from e


@step("gitlab CLI: current-user get, user get, user list across pages")
def _():
    write_cli_config()
    eq(gitlab_cli("current-user", "get")["username"], "root", "current user")
    need(user)
    eq(gitlab_cli("user", "get", "--id", str(user.id))["username"], user.username, "user get")
    listed = gitlab_cli("user", "list", "--per-page", "1", "--get-all")
    check(user.username in {u["username"] for u in listed}, f"user list has {len(listed)} users")


@step("gitlab CLI: user-personal-access-token create, personal-access-token list, use, delete")
def _():
    need(user)
    made = gitlab_cli(
        "user-personal-access-token", "create", "--user-id", str(user.id), "--name", f"pyg-cli-{suffix}",
        "--scopes", "read_api,read_user", "--expires-at", day(30),
    )
    check(made["token"].startswith("glpat-"), "token value")
    eq((sorted(made["scopes"]), made["expires_at"], made["user_id"]), (["read_api", "read_user"], day(30), user.id), "scopes, expires_at, user_id")
    listed = gitlab_cli("personal-access-token", "list", "--user-id", str(user.id), "--per-page", "2", "--get-all")
    check(made["id"] in ids(listed), f"listed ids {ids(listed)}")
    eq({t["user_id"] for t in listed}, {user.id}, "user_id of listed tokens")
    cli_tokens["tw-user"] = made["token"]
    write_cli_config()
    eq(gitlab_cli("current-user", "get", section="tw-user")["id"], user.id, "current user with the new token")
    own = gitlab_cli("personal-access-token", "list", section="tw-user")
    check(made["id"] in ids(own), "the user lists their own tokens")
    gitlab_cli("personal-access-token", "delete", "--id", str(made["id"]))
    out = gitlab_cli("current-user", "get", section="tw-user", fail=True)
    check("401" in out, f"output of a revoked token: {out.strip()}")


@step("gitlab CLI: impersonation, project and group access tokens")
def _():
    need(user, project, group)
    imp = gitlab_cli("user-impersonation-token", "create", "--user-id", str(user.id), "--name", f"pyg-cli-imp-{suffix}", "--scopes", "api", "--expires-at", day(30))
    eq(imp["impersonation"], True, "impersonation")
    active = gitlab_cli("user-impersonation-token", "list", "--user-id", str(user.id), "--state", "active", "--get-all")
    check(imp["id"] in ids(active), "impersonation token listed as active")
    eq(gitlab_cli("user-impersonation-token", "get", "--user-id", str(user.id), "--id", str(imp["id"]))["name"], f"pyg-cli-imp-{suffix}", "get")
    gitlab_cli("user-impersonation-token", "delete", "--user-id", str(user.id), "--id", str(imp["id"]))
    inactive = gitlab_cli("user-impersonation-token", "list", "--user-id", str(user.id), "--state", "inactive", "--get-all")
    check(imp["id"] in ids(inactive), "impersonation token listed as inactive")
    made = gitlab_cli(
        "project-access-token", "create", "--project-id", str(project.id), "--name", f"pyg-cli-project-{suffix}",
        "--scopes", "read_api,read_repository", "--access-level", "20", "--expires-at", day(30),
    )
    eq((made["access_level"], sorted(made["scopes"])), (20, ["read_api", "read_repository"]), "access_level, scopes")
    check(made["id"] in ids(gitlab_cli("project-access-token", "list", "--project-id", str(project.id), "--get-all")), "project token listed")
    gitlab_cli("project-access-token", "delete", "--project-id", str(project.id), "--id", str(made["id"]))
    refused(made["token"])
    made = gitlab_cli("group-access-token", "create", "--group-id", str(group.id), "--name", f"pyg-cli-group-{suffix}", "--scopes", "api", "--expires-at", day(30))
    eq(made["access_level"], 40, "group token access_level")
    check(made["id"] in ids(gitlab_cli("group-access-token", "list", "--group-id", str(group.id))), "group token listed")
    gitlab_cli("group-access-token", "delete", "--group-id", str(group.id), "--id", str(made["id"]))
    refused(made["token"])


@step("gitlab CLI: errors are reported with GitLab's status")
def _():
    out = gitlab_cli("user", "get", "--id", "987654321", fail=True)
    check("404" in out, f"output: {out.strip()}")


shutil.rmtree(cli_dir, ignore_errors=True)


@step("delete the group with its subgroup and project")
def _():
    need(group, subgroup, project)
    group.delete()
    raises(gle.GitlabGetError, lambda: gl.groups.get(group.id), 404)
    raises(gle.GitlabGetError, lambda: gl.groups.get(subgroup.id), 404)
    raises(gle.GitlabGetError, lambda: gl.projects.get(project.id), 404)


print(f"{passed} passed, {failed} failed", flush=True)
sys.exit(0 if failed == 0 else 1)
