#!/usr/bin/env python3
"""Revocation propagation across two nodes: create a token through node A, use it on node B
(which caches it for 300 s), revoke it through node A, then ask node B again and again until it
answers 401. Prints one time per line, in milliseconds, from the revocation's 204 to node B's
first 401 (the poll costs ~0.3 ms, so that is the resolution).

Usage: propagation.py URL_A URL_B ROOT_TOKEN COUNT
"""
import http.client
import json
import sys
import time
from datetime import date, timedelta
from urllib.parse import urlparse


def connect(url):
    u = urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=10)


def call(conn, method, path, token, body=None):
    headers = {"PRIVATE-TOKEN": token}
    if body is not None:
        headers["Content-Type"] = "application/json"
        body = json.dumps(body)
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, data


def main():
    url_a, url_b, root, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    a, b = connect(url_a), connect(url_b)
    expires = (date.today() + timedelta(days=30)).isoformat()
    for _ in range(count):
        status, data = call(a, "POST", "/api/v4/users/1/personal_access_tokens", root,
                            {"name": "propagation", "scopes": ["api"], "expires_at": expires})
        assert status == 201, (status, data)
        token = json.loads(data)
        status, _ = call(b, "GET", "/api/v4/user", token["token"])
        assert status == 200, status
        status, _ = call(a, "DELETE", f"/api/v4/personal_access_tokens/{token['id']}", root)
        assert status == 204, status
        revoked = time.perf_counter()
        while True:
            status, _ = call(b, "GET", "/api/v4/user", token["token"])
            if status == 401:
                break
            if time.perf_counter() - revoked > 10:
                sys.exit("node B still took the token 10 s after its revocation")
        print(f"{(time.perf_counter() - revoked) * 1000:.2f}")


main()
