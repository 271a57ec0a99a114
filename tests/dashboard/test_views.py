"""The dashboard's pages through real HTTP against a real database."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import uuid

from .conftest import TOKEN, UI


async def seed_execution(db, script: str, *, status: str = "succeeded", logs=(), error=None, result=None,
                         created_at: dt.datetime | None = None, version: int = 1) -> uuid.UUID:
    execution_id = uuid.uuid4()
    created_at = created_at or dt.datetime.now(dt.UTC)
    await db.execute(
        """
        INSERT INTO executions (id, trigger, route_id, script_name, script_version, dispatch_mode, status,
                                attempts, max_attempts, input, created_at, started_at, finished_at,
                                error, result, logs, http_status)
        VALUES ($1, 'http', NULL, $2, $3, 'async', $4, 1, 3, '{"method": "GET", "path": "/x"}', $5, $5,
                $5::timestamptz + interval '12 milliseconds', $6::jsonb, $7::jsonb, $8::jsonb, 200)
        """,
        execution_id, script, version, status, created_at, None if error is None else json.dumps(error),
        None if result is None else json.dumps(result), json.dumps(list(logs)),
    )
    return execution_id


# -- login, sessions, CSRF ---------------------------------------------------------------------


async def test_pages_need_a_session_and_login_sets_a_strict_cookie(ui):
    browser = ui.browser
    root = await browser.get("/_picloud/")
    assert root.status == 302 and root.location == UI + "/"
    page = await browser.get("/scripts?x=1")
    assert page.status == 303 and page.location == UI + "/login?next=%2Fscripts%3Fx%3D1"
    form = await browser.get(page.location)
    assert form.status == 200 and 'name="token"' in form.text
    assert 'value="/scripts?x=1"' in form.text
    # A wrong token: the error is next to the field.
    wrong = await browser.post("/login", {"token": "pc_nope", "next": "/scripts"}, csrf=form.csrf())
    assert wrong.status == 401 and "not valid" in wrong.text
    # Without the login form's CSRF value: refused.
    stale = await browser.post("/login", {"token": TOKEN}, csrf="forged")
    assert stale.status == 403 and "expired" in stale.text
    ok = await browser.post("/login", {"token": TOKEN, "next": "/scripts"}, csrf=form.csrf())
    assert ok.status == 303 and ok.location == UI + "/scripts"
    cookie = next(c for c in ok.headers["set-cookie"] if c.startswith("picloud_session="))
    assert cookie == f"picloud_session={TOKEN}; Path=/_picloud/ui; SameSite=Strict; HttpOnly"  # plain http: no Secure
    scripts = await browser.get("/scripts")
    assert scripts.status == 200 and "No scripts yet" in scripts.text
    assert scripts.header("cache-control") == "no-store"
    assert "frame-ancestors 'none'" in scripts.header("content-security-policy")


async def test_https_behind_caddy_makes_the_cookie_secure(ui):
    browser = ui.anonymous()
    form = await browser.get("/login")
    ok = await browser.post("/login", {"token": TOKEN}, csrf=form.csrf(), headers={"X-Forwarded-Proto": "https"})
    cookie = next(c for c in ok.headers["set-cookie"] if c.startswith("picloud_session="))
    assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


async def test_login_never_redirects_off_the_dashboard(ui):
    for target in ("//evil.example/", "https://evil.example/", "\\\\evil"):
        browser = ui.anonymous()
        form = await browser.get("/login")
        ok = await browser.post("/login", {"token": TOKEN, "next": target}, csrf=form.csrf())
        assert ok.location == UI + "/", target


async def test_posts_need_the_csrf_token_and_same_origin(ui):
    browser = await ui.login()
    form = {"name": "x", "source": "1", "timeout": "5"}
    assert (await browser.post("/deploy", form)).status == 403
    assert (await browser.post("/deploy", form, csrf="0" * 64)).status == 403
    cross = await browser.post("/deploy", form, csrf=ui.csrf, headers={"Origin": "https://evil.example"})
    assert cross.status == 403
    # The token in the page's forms is the session's.
    page = await browser.get("/deploy")
    assert page.csrf() == ui.csrf
    host = f"{browser.host}:{browser.port}"
    ok = await browser.post("/deploy", form, csrf=ui.csrf, headers={"Origin": f"http://{host}"})
    assert ok.status == 303
    # A POST without a session is refused outright (no redirect to a form that would replay it).
    assert (await ui.anonymous().post("/deploy", form, csrf=ui.csrf)).status == 401


async def test_logout_clears_the_cookie(ui):
    browser = await ui.login()
    out = await browser.post("/logout", csrf=ui.csrf)
    assert out.status == 303 and out.location == UI + "/login"
    assert "picloud_session" not in browser.cookies
    login = await browser.get(out.location)
    assert "You are logged out." in login.text
    assert (await browser.get("/")).status == 303


async def test_static_files_and_unknown_pages(ui):
    browser = ui.anonymous()
    css = await browser.get("/static/dashboard.css")
    assert css.status == 200 and css.header("content-type").startswith("text/css")
    assert (await browser.get("/static/../app.py")).status == 404
    assert (await browser.get("/static/nope.css")).status == 404
    await ui.login(browser)
    missing = await browser.get("/no/such/page")
    assert missing.status == 404 and "Page not found" in missing.text
    assert (await browser.post("/executions", {}, csrf=ui.csrf)).status == 405


# -- scripts ------------------------------------------------------------------------------------


async def test_deploy_versions_diff_and_rollback(ui):
    browser = await ui.login()
    new = await browser.get("/deploy")
    assert new.status == 200 and "Deploy a script" in new.text
    created = await browser.post("/deploy", {"name": "hello", "source": 'let a = 1;\n"one"\n', "timeout": "5"},
                                 csrf=ui.csrf)
    assert created.status == 303 and created.location == UI + "/scripts/hello"
    page = await browser.follow(created)
    assert "Created script hello version 1." in page.text
    assert "&#34;one&#34;" in page.text or "&quot;one&quot;" in page.text
    # The edit form starts from the current source and timeout.
    edit = await browser.get("/deploy?name=hello")
    assert "Deploy a new version of" in edit.text and "let a = 1;" in edit.text
    second = await browser.post("/deploy", {"name": "hello", "source": 'let a = 2;\n"two"\n', "timeout": "2.5"},
                                csrf=ui.csrf)
    assert "Deployed hello version 2." in (await browser.follow(second)).text
    listing = await browser.get("/scripts")
    assert 'href="/_picloud/ui/scripts/hello"' in listing.text and "v2" in listing.text
    diff = await browser.get("/scripts/hello/diff?a=1&b=2")
    assert diff.status == 200
    assert re.search(r'<tr class="changed">.*?let a = 1;.*?let a = 2;', diff.text, re.S)
    assert "+2" in diff.text and "−2" in diff.text
    old = await browser.get("/scripts/hello?version=1")
    assert "older version" in old.text and "let a = 1;" in old.text
    rolled = await browser.post("/scripts/hello/rollback", {"version": "1"}, csrf=ui.csrf)
    detail = await browser.follow(rolled)
    assert "Rolled hello back to version 1 (was version 2)" in detail.text
    assert "Current version <strong>v1</strong>" in detail.text
    bad = await browser.follow(await browser.post("/scripts/hello/rollback", {"version": "9"}, csrf=ui.csrf))
    assert "Error: script &#39;hello&#39; has no version 9" in bad.text
    gone = await browser.follow(await browser.post("/scripts/hello/delete", csrf=ui.csrf))
    assert "Deleted script hello" in gone.text and "No scripts yet" in gone.text


async def test_compile_error_is_shown_next_to_the_form_with_its_position(ui):
    browser = await ui.login()
    source = "let x = 1;\nlet y = ;\nx"
    page = await browser.post("/deploy", {"name": "broken", "source": source, "timeout": "5"}, csrf=ui.csrf)
    assert page.status == 422
    assert "does not compile at line 2, column" in page.text
    assert 'class="bad"' in page.text and "let y = ;" in page.text
    # What the user typed is kept.
    assert "let x = 1;\nlet y = ;\nx</textarea>" in page.text
    assert (await ui.db.fetchval("SELECT count(*) FROM scripts")) == 0


async def test_deploy_form_errors_name_the_field(ui):
    browser = await ui.login()
    bad_timeout = await browser.post("/deploy", {"name": "t", "source": "1", "timeout": "soon"}, csrf=ui.csrf)
    assert bad_timeout.status == 400 and "Timeout: enter a number" in bad_timeout.text
    too_long = await browser.post("/deploy", {"name": "t", "source": "1", "timeout": "999"}, csrf=ui.csrf)
    assert too_long.status == 400 and "timeout_seconds" in too_long.text
    bad_name = await browser.post("/deploy", {"name": "-x", "source": "1", "timeout": "5"}, csrf=ui.csrf)
    assert bad_name.status == 400 and "a script name is 1-128 characters" in bad_name.text


async def test_everything_is_escaped(ui):
    browser = await ui.login()
    evil = '<script>alert("x")</script>'
    await browser.post("/deploy", {"name": "esc", "source": f"// {evil}\n1", "timeout": "5"}, csrf=ui.csrf)
    page = await browser.get("/scripts/esc")
    assert evil not in page.text and html.escape(evil, quote=True).replace("&quot;", "&#34;") in page.text
    await seed_execution(ui.db, "esc", logs=[evil], error={"kind": "script_error", "message": evil})
    for path in ("/executions", "/"):
        assert evil not in (await browser.get(path)).text
    await browser.post("/kv", {"key": evil, "value": json.dumps(evil)}, csrf=ui.csrf)
    assert evil not in (await browser.get("/kv")).text


# -- routes -------------------------------------------------------------------------------------


async def test_routes_add_conflict_and_delete(ui):
    browser = await ui.login()
    empty = await browser.get("/routes")
    assert "You need a script first" in empty.text
    await browser.post("/deploy", {"name": "hello", "source": '"hi"', "timeout": "5"}, csrf=ui.csrf)
    form = {"method": "GET", "path": "/hello/{name}", "script": "hello", "dispatch_mode": "sync",
            "max_attempts": "3"}
    added = await browser.post("/routes", form, csrf=ui.csrf)
    page = await browser.follow(added)
    assert "Added route" in page.text and "/hello/{name}" in page.text
    clash = await browser.post("/routes", {**form, "path": "/hello/{who}"}, csrf=ui.csrf)
    assert clash.status == 409 and "already exists" in clash.text
    assert 'value="/hello/{who}"' in clash.text  # the input is kept
    bad = await browser.post("/routes", {**form, "path": "/_picloud/x"}, csrf=ui.csrf)
    assert bad.status == 400 and "reserved" in bad.text
    route_id = await ui.db.fetchval("SELECT id FROM routes")
    deleted = await browser.follow(await browser.post(f"/routes/{route_id}/delete", csrf=ui.csrf))
    assert f"Deleted route {route_id}." in deleted.text and "No routes yet" in deleted.text


# -- executions, dead letters, overview -----------------------------------------------------------


async def test_executions_filter_and_detail(ui):
    browser = await ui.login()
    assert "Nothing has run yet" in (await browser.get("/executions")).text
    ok = await seed_execution(ui.db, "alpha", logs=["hello from alpha"], result={"ok": True})
    bad = await seed_execution(ui.db, "beta", status="failed",
                               error={"kind": "script_failure", "message": "boom", "line": 3, "column": 7})
    everything = await browser.get("/executions")
    assert str(ok) in everything.text and str(bad) in everything.text
    failed = await browser.get("/executions?status=failed")
    assert str(bad) in failed.text and str(ok) not in failed.text
    alpha = await browser.get("/executions?script=alpha")
    assert str(ok) in alpha.text and str(bad) not in alpha.text
    assert "must be one of" in (await browser.get("/executions?status=nope")).text
    detail = await browser.get(f"/executions/{ok}")
    assert "hello from alpha" in detail.text and "&#34;ok&#34;: true" in detail.text
    assert "12.0 ms" in detail.text and "&#34;path&#34;: &#34;/x&#34;" in detail.text
    failure = await browser.get(f"/executions/{bad}")
    assert "script_failure: boom (line 3, column 7)" in failure.text
    assert (await browser.get(f"/executions/{uuid.uuid4()}")).status == 404
    assert (await browser.get("/executions/not-an-id")).status == 404


async def test_executions_page_older_link(ui):
    browser = await ui.login()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ids = [await seed_execution(ui.db, "many", created_at=start + dt.timedelta(seconds=i)) for i in range(55)]
    first = await browser.get("/executions?script=many")
    assert str(ids[-1]) in first.text and str(ids[0]) not in first.text
    older = re.search(r'href="(/_picloud/ui/executions\?[^"]*before=[^"]*)">older', first.text).group(1)
    second = await browser.get(html.unescape(older))
    assert str(ids[0]) in second.text and str(ids[-1]) not in second.text


async def test_dead_letters_retry_and_discard(ui):
    browser = await ui.login()
    assert "No dead letters" in (await browser.get("/dead-letters")).text
    await browser.post("/deploy", {"name": "job", "source": "1", "timeout": "5"}, csrf=ui.csrf)
    first = await seed_execution(ui.db, "job", status="dead_lettered", error={"kind": "timeout", "message": "slow"})
    second = await seed_execution(ui.db, "job", status="dead_lettered")
    listing = await browser.get("/dead-letters")
    assert str(first) in listing.text and "timeout: slow" in listing.text
    detail = await browser.get(f"/executions/{first}")
    assert "Its attempts ran out" in detail.text
    retried = await browser.post(f"/dead-letters/{first}/retry", {"version": ""}, csrf=ui.csrf)
    assert retried.location == f"{UI}/executions/{first}"
    assert "Retry queued" in (await browser.follow(retried)).text
    assert await ui.db.fetchval("SELECT status FROM executions WHERE id = $1", first) == "pending"
    assert ui.woken
    discarded = await browser.follow(await browser.post(f"/dead-letters/{second}/discard", csrf=ui.csrf))
    assert "Discarded" in discarded.text
    assert await ui.db.fetchval("SELECT count(*) FROM executions WHERE id = $1", second) == 0
    again = await browser.follow(await browser.post(f"/dead-letters/{second}/discard", csrf=ui.csrf))
    assert "Error: no dead letter" in again.text


async def test_overview_counts_failures_and_chart(ui):
    browser = await ui.login()
    empty = await browser.get("/")
    assert "Get started" in empty.text and "No executions in the last hour" in empty.text
    await browser.post("/deploy", {"name": "a", "source": "1", "timeout": "5"}, csrf=ui.csrf)
    now = dt.datetime.now(dt.UTC)
    for minutes in (1, 1, 2, 90):
        await seed_execution(ui.db, "a", created_at=now - dt.timedelta(minutes=minutes))
    bad = await seed_execution(ui.db, "a", status="failed", error={"kind": "script_error", "message": "nope"})
    page = await browser.get("/")
    assert "Get started" not in page.text
    assert re.search(r'<span class="num">1</span> scripts', page.text)
    assert re.search(r'<span class="num">5</span> executions recorded', page.text)
    assert "4 in the last hour; peak 2/min" in page.text
    assert page.text.count('class="bar-failed"') == 1 and "<svg" in page.text
    assert str(bad) in page.text and "script_error: nope" in page.text


# -- KV, triggers, schedules -----------------------------------------------------------------------


async def test_kv_browse_edit_delete(ui):
    browser = await ui.login()
    assert "The KV store is empty" in (await browser.get("/kv")).text
    saved = await browser.post("/kv", {"key": "user:1", "value": '{"name": "Ada"}', "from": "list"}, csrf=ui.csrf)
    assert saved.location == f"{UI}/kv/entry?key=user%3A1"
    entry = await browser.follow(saved)
    assert "Saved user:1." in entry.text and "&#34;name&#34;: &#34;Ada&#34;" in entry.text
    await browser.post("/kv", {"key": "other", "value": "42", "from": "list"}, csrf=ui.csrf)
    filtered = await browser.get("/kv?prefix=user%3A")
    assert "user:1" in filtered.text and ">other<" not in filtered.text
    invalid = await browser.post("/kv", {"key": "user:1", "value": "Ada", "from": "entry"}, csrf=ui.csrf)
    assert invalid.status == 400 and "not valid JSON" in invalid.text and ">Ada</textarea>" in invalid.text
    await browser.post("/kv", {"key": "user:1", "value": '"plain"', "from": "entry"}, csrf=ui.csrf)
    assert await ui.db.fetchval("SELECT value::text FROM kv WHERE key = 'user:1'") == '"plain"'
    deleted = await browser.follow(await browser.post("/kv/delete", {"key": "user:1"}, csrf=ui.csrf))
    assert "Deleted user:1." in deleted.text
    assert (await browser.get("/kv/entry?key=user%3A1")).status == 404


async def test_triggers_add_and_delete(ui):
    browser = await ui.login()
    await browser.post("/deploy", {"name": "on-order", "source": "1", "timeout": "5"}, csrf=ui.csrf)
    form = [("pattern", "orders:*"), ("script", "on-order"), ("ops", "set"), ("max_attempts", "2")]
    added = await browser.follow(await browser.post("/triggers", form, csrf=ui.csrf))
    assert "Added trigger" in added.text and "orders:*" in added.text
    row = (await ui.db.fetch("SELECT * FROM kv_triggers"))[0]
    assert list(row["ops"]) == ["set"] and row["max_attempts"] == 2
    none = await browser.post("/triggers", [("pattern", "x"), ("script", "on-order")], csrf=ui.csrf)
    assert none.status == 400 and "tick at least one" in none.text
    unknown = await browser.post("/triggers", [("pattern", "x"), ("script", "ghost"), ("ops", "set")],
                                 csrf=ui.csrf)
    assert unknown.status == 400 and "no script named" in unknown.text
    gone = await browser.follow(await browser.post(f"/triggers/{row['id']}/delete", csrf=ui.csrf))
    assert "No triggers yet" in gone.text


async def test_schedules_list_add_pause_delete(ui):
    from picloud.manager.dashboard.views import schedules_api

    if schedules_api is None:  # pragma: no cover
        return
    browser = await ui.login()
    await browser.post("/deploy", {"name": "tick", "source": "1", "timeout": "5"}, csrf=ui.csrf)
    bad = await browser.post("/schedules", {"cron": "every minute", "timezone": "UTC", "script": "tick"},
                             csrf=ui.csrf)
    assert bad.status == 400 and "cron:" in bad.text
    added = await browser.follow(await browser.post(
        "/schedules", {"cron": "*/5 * * * *", "timezone": "UTC", "script": "tick"}, csrf=ui.csrf))
    assert "Added schedule" in added.text and "*/5 * * * *" in added.text and " UTC" in added.text
    schedule_id = await ui.db.fetchval("SELECT id FROM schedules")
    paused = await browser.follow(await browser.post(f"/schedules/{schedule_id}/toggle", {"enabled": "false"},
                                                     csrf=ui.csrf))
    assert "Paused schedule" in paused.text and "paused</span>" in paused.text
    gone = await browser.follow(await browser.post(f"/schedules/{schedule_id}/delete", csrf=ui.csrf))
    assert "No schedules yet" in gone.text
