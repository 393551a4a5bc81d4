# HubRecipeIT's single-user server stand-in: answers HTTP where the hub expects the server, records the environment
# the hub gave it (the spawn-time Rucio tokens) and runs the README's notebook side (notebook.sh) with its own
# JUPYTERHUB_API_TOKEN. On SIGINT or SIGTERM (the hub stopping the server) it ends its whole process group, the
# notebook side included.
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
from urllib.parse import urlparse

here = os.environ["HUB_RECIPE_DIR"]
user = os.environ["JUPYTERHUB_USER"]
port = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"]).port


class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"notebook stand-in\n")

    def log_message(self, *args):
        pass


def stop(*_):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(0, signal.SIGTERM)
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
with open(os.path.join(here, "spawn-env-%s.json" % user), "w") as f:
    json.dump({k: os.environ.get(k) for k in ("RUCIO_ACCESS_TOKEN", "PRESPAWN_RUCIO_ACCESS_TOKEN",
                                              "JUPYTERHUB_API_URL", "JUPYTERHUB_USER")}, f)
subprocess.run(["bash", os.path.join(here, "notebook.sh")], cwd=os.environ["HOME"], check=True)
server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Answer)
server.serve_forever()
