#!/usr/bin/env python3
"""Keeps the notebook's Rucio token file current from the hub, or removes it.

Runs in the single-user server's container next to the notebook (standard library only). Every
RUCIO_TOKEN_FILE_INTERVAL seconds (default 120) it asks the hub for its own user's auth_state with the
server's API token,

    GET $JUPYTERHUB_API_URL/users/$JUPYTERHUB_USER     (the /user endpoint never includes auth_state)

and writes auth_state.exchanged_tokens.rucio to $RUCIO_OIDC_FILE_NAME (atomically, mode 0600). When the hub
has no token for it — the exchange was refused (the user left the policy's group), the hub's refresh failed
(logout, end of the SSO session: the hub then answers 403), the server's token may not read auth_state —
it removes the file and logs why on stderr: no token rather than a stale one, which Rucio's local JWT
validation would accept until it expires.

Needs the server's token to hold admin:auth_state!user (README: "Fresh Rucio tokens for a running notebook").
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request


def log(message):
    print(time.strftime("%Y-%m-%dT%H:%M:%S%z"), "rucio-token-file:", message, file=sys.stderr, flush=True)


def current_token():
    """The hub's current Rucio token for this user, or (None, why)."""
    url = os.environ["JUPYTERHUB_API_URL"].rstrip("/") + "/users/" + os.environ["JUPYTERHUB_USER"]
    request = urllib.request.Request(url, headers={"Authorization": "token " + os.environ["JUPYTERHUB_API_TOKEN"]})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            model = json.load(response)
    except urllib.error.HTTPError as e:
        return None, "the hub answered %s %s (after logout or the end of the session: log in again)" % (e.code, e.reason)
    except (OSError, ValueError) as e:
        return None, "the hub did not answer: %s" % e
    auth_state = model.get("auth_state")
    if auth_state is None:
        return None, "no auth_state in the hub's answer (the server's token needs admin:auth_state!user)"
    token = (auth_state.get("exchanged_tokens") or {}).get("rucio")
    if not token:
        return None, "the hub holds no Rucio token (the exchange was refused; see the hub's log)"
    return token, None


def write(path, token):
    temporary = path + ".tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(token)
    os.replace(temporary, path)


def remove(path):
    try:
        os.remove(path)
        return True
    except FileNotFoundError:
        return False


def main():
    path = os.environ["RUCIO_OIDC_FILE_NAME"]
    interval = float(os.environ.get("RUCIO_TOKEN_FILE_INTERVAL", "120"))
    written, last_why = None, None
    while True:
        token, why = current_token()
        if token:
            if token != written:
                write(path, token)
                written = token
                log("wrote a fresh Rucio token to %s" % path)
        else:
            if remove(path):
                log("removed %s: %s" % (path, why))
            elif why != last_why:
                log("no Rucio token: %s" % why)
            written = None
        last_why = why
        if os.environ.get("RUCIO_TOKEN_FILE_ONCE"):
            return 0 if token else 1
        time.sleep(interval)


if __name__ == "__main__":
    sys.exit(main())
