#!/usr/bin/env python3
"""Writes a realistic GitLab api_json.log for the auth-failures benchmark and tests.

Most lines are successful API requests with GitLab's full field set (~1 KB each); a few percent
fail authentication with each reason (token_expired, token_revoked, insufficient_scope,
impersonation_disabled) for a few hundred tokens, from a few hundred client addresses, plus 401s
of unknown tokens (some with GitLab's newer meta.auth_fail_token_type, some without any key, as
older GitLab writes them). One line in 20 has its keys in another order. Deterministic per seed.

    python3 bench/auth-failures/generate.py SIZE_MB [--seed N] [--days N] [--start YYYY-MM-DD] > api_json.log
"""
import argparse
import json
import random
import sys
from datetime import datetime, timedelta, timezone

ROUTES = [
    ("GET", "/api/v4/projects/{id}", "/api/:version/projects/:id", "groups_and_projects"),
    ("GET", "/api/v4/projects/{id}/merge_requests", "/api/:version/projects/:id/merge_requests", "code_review_workflow"),
    ("GET", "/api/v4/projects/{id}/pipelines", "/api/:version/projects/:id/pipelines", "continuous_integration"),
    ("POST", "/api/v4/projects/{id}/statuses/{sha}", "/api/:version/projects/:id/statuses/:sha", "continuous_integration"),
    ("GET", "/api/v4/user", "/api/:version/user", "user_profile"),
    ("GET", "/api/v4/groups/{id}/projects", "/api/:version/groups/:id/projects", "groups_and_projects"),
    ("GET", "/api/v4/projects/{id}/repository/files/{file}", "/api/:version/projects/:id/repository/files/:file_path", "source_code_management"),
    ("PUT", "/api/v4/projects/{id}/issues/{iid}", "/api/:version/projects/:id/issues/:issue_iid", "team_planning"),
]
AGENTS = ["python-requests/2.31.0", "curl/8.5.0", "Go-http-client/1.1", "gitlab-runner 17.0.0 (17-0-stable; go1.22.1; linux/amd64)",
          "Terraform/1.8.2 (+https://www.terraform.io) terraform-provider-gitlab/16.11.0", "axios/1.6.8", "Jenkins GitLab plugin 1.8.0",
          "python-gitlab/4.4.0", "Renovate Bot", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"]
REASONS = [("token_expired", 401, 0.45), ("token_revoked", 401, 0.25), ("insufficient_scope", 403, 0.22), ("impersonation_disabled", 401, 0.08)]
SCOPES = ["api read_api", "api", "read_repository", "api read_api read_user", "write_repository api"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("size_mb", type=float)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--failure-rate", type=float, default=0.03)
    parser.add_argument("--start", default="2024-05-14", help="the first line's day (UTC)")
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    users = [(i, f"user{i}") for i in range(2, 2002)]
    ips = [f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}" for _ in range(600)]
    attackers = [f"203.0.113.{i}" for i in range(1, 41)]
    failing = [rnd.randrange(100, 200000) for _ in range(400)]
    # Each failing token is used from a few addresses and agents.
    failing_from = {t: (rnd.sample(ips, rnd.randint(1, 4)), rnd.sample(AGENTS, rnd.randint(1, 2)), rnd.choices(REASONS, [r[2] for r in REASONS])[0]) for t in failing}
    start = datetime.strptime(args.start, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    span = args.days * 86400
    target = int(args.size_mb * 1024 * 1024)
    out = sys.stdout
    written = 0
    n = 0
    buffer = []
    while written < target:
        n += 1
        at = start + timedelta(seconds=min(span - 1, written * span // max(1, target)) + rnd.random())
        time = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"
        method, path, route, category = rnd.choice(ROUTES)
        path = path.replace("{id}", str(rnd.randrange(1, 5000))).replace("{sha}", "%040x" % rnd.getrandbits(160)) \
            .replace("{file}", "src%2Fmain.go").replace("{iid}", str(rnd.randrange(1, 900)))
        duration = rnd.random() * 0.4
        db = duration * rnd.random() * 0.5
        corr = "%026X" % rnd.getrandbits(128)
        line = {
            "time": time, "severity": "INFO", "duration_s": round(duration, 5), "db_duration_s": round(db, 5),
            "view_duration_s": round(duration - db, 5), "status": 200, "method": method, "path": path,
            "params": [{"key": "per_page", "value": "100"}, {"key": "private_token", "value": "[FILTERED]"}] if method == "GET" else [{"key": "state", "value": "success"}],
            "host": "gitlab.example.com", "remote_ip": None, "ua": None, "route": route,
            "queue_duration_s": round(rnd.random() * 0.01, 6), "request_urgency": "default", "target_duration_s": 1,
            "redis_calls": rnd.randrange(1, 12), "redis_duration_s": round(rnd.random() * 0.003, 6), "redis_read_bytes": rnd.randrange(100, 4000),
            "redis_write_bytes": rnd.randrange(50, 900), "redis_cache_calls": rnd.randrange(1, 8), "redis_cache_duration_s": round(rnd.random() * 0.002, 6),
            "db_count": rnd.randrange(1, 40), "db_write_count": 0, "db_cached_count": rnd.randrange(0, 10), "db_replica_count": 0,
            "db_primary_count": rnd.randrange(1, 40), "db_main_count": rnd.randrange(1, 40), "db_main_replica_count": 0,
            "cpu_s": round(duration * 0.6, 6), "mem_objects": rnd.randrange(10000, 90000), "mem_bytes": rnd.randrange(1000000, 9000000),
            "mem_mallocs": rnd.randrange(5000, 30000), "mem_total_bytes": rnd.randrange(2000000, 12000000), "pid": rnd.randrange(1000, 1100),
            "worker_id": f"puma_{rnd.randrange(0, 8)}", "rate_limiting_gates": [], "correlation_id": corr,
            "meta.caller_id": f"{method} {route}", "meta.remote_ip": None, "meta.feature_category": category,
        }
        roll = rnd.random()
        if roll < args.failure_rate:
            token = rnd.choice(failing)
            token_ips, token_agents, (reason, status, _) = failing_from[token]
            ip = rnd.choice(token_ips)
            line.update({"status": status, "remote_ip": ip, "ua": rnd.choice(token_agents), "meta.remote_ip": ip, "meta.client_id": f"ip/{ip}",
                         "meta.auth_fail_reason": reason, "meta.auth_fail_token_id": f"PersonalAccessToken/{token}",
                         "meta.auth_fail_token_type": "PersonalAccessToken", "meta.auth_fail_auth_header_type": "private_token_header"})
            if reason == "insufficient_scope":
                line["meta.auth_fail_requested_scopes"] = "api read_api"
        elif roll < args.failure_rate * 1.25:
            ip = rnd.choice(attackers)
            line.update({"status": 401, "remote_ip": ip, "ua": rnd.choice(AGENTS), "meta.remote_ip": ip, "meta.client_id": f"ip/{ip}"})
            if rnd.random() < 0.5:
                line["meta.auth_fail_token_type"] = "unknown"
        else:
            uid, name = rnd.choice(users)
            ip = rnd.choice(ips)
            line.update({"remote_ip": ip, "ua": rnd.choice(AGENTS), "meta.remote_ip": ip, "user_id": uid, "username": name,
                         "meta.user": name, "meta.user_id": uid, "meta.client_id": f"user/{uid}", "token_type": "PersonalAccessToken", "token_id": rnd.randrange(100, 200000)})
        if n % 20 == 0:
            items = list(line.items())
            rnd.shuffle(items)
            line = dict(items)
        text = json.dumps(line, separators=(",", ":")) + "\n"
        buffer.append(text)
        written += len(text)
        if len(buffer) >= 2000:
            out.write("".join(buffer))
            buffer.clear()
    out.write("".join(buffer))


if __name__ == "__main__":
    main()
