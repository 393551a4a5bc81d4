# JupyterHub configuration of HubRecipeIT: the README's hub recipes as a hub admin pastes them, around what a
# z2jh deployment and the test need. The test writes, into HUB_RECIPE_DIR, the README's code blocks with the
# example URLs and secret replaced by the test server's (nothing else is changed):
#   values.yaml        the Zero to JupyterHub values (hub.config), applied as z2jh applies them
#   prespawn.py        "A Rucio token before spawn" (hub.extraConfig)
#   renewal.py         "Fresh Rucio tokens for a running notebook" (hub.extraConfig)
#   notebook.sh        the notebook side (started next to the notebook server)
import json
import os
import signal
import sys

from jupyterhub.spawner import LocalProcessSpawner
from ruamel.yaml import YAML

c = get_config()  # noqa: F821 (JupyterHub's config loader)
here = os.environ["HUB_RECIPE_DIR"]
port = int(os.environ["HUB_RECIPE_PORT"])

c.JupyterHub.bind_url = "http://127.0.0.1:%d/" % port
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%d" % (port + 1)
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = port + 2
c.JupyterHub.db_url = "sqlite:///" + os.path.join(here, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(here, "cookie_secret")
c.JupyterHub.pid_file = os.path.join(here, "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = os.path.join(here, "proxy.pid")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.log_level = "DEBUG" if os.environ.get("HUB_RECIPE_DEBUG") else "INFO"

# What z2jh puts into load_roles before hub.extraConfig runs: the idle culler's service and role (culler on by default).
culler_token = os.environ["HUB_RECIPE_CULLER_TOKEN"]
c.JupyterHub.services = [{"name": "jupyterhub-idle-culler", "api_token": culler_token}]
c.JupyterHub.load_roles = [{"name": "jupyterhub-idle-culler", "services": ["jupyterhub-idle-culler"],
                            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]}]

# values.yaml: hub.config.<Class>.<trait> → c.<Class>.<trait>, as z2jh's jupyterhub_config.py does.
with open(os.path.join(here, "values.yaml")) as f:
    values = YAML(typ="safe").load(f)
for section, traits in values["hub"]["config"].items():
    for name, value in traits.items():
        setattr(c[section], name, value)


def extra_config(name):
    with open(os.path.join(here, name)) as f:
        namespace = {"c": c, "get_config": lambda: c}
        exec(compile(f.read(), "README " + name, "exec"), namespace)
        return namespace


# Both spawn-time recipes in one hub: the pre-spawn recipe's hook is kept aside and run by the stand-in spawner
# below into PRESPAWN_RUCIO_ACCESS_TOKEN; the renewal recipe (which replaces it, as the README says) is the hub's.
prespawn_hook = extra_config("prespawn.py")["rucio_token"]
extra_config("renewal.py")

# The test's own hub-admin service (after the README's roles, so that it never hides what they do).
c.JupyterHub.services.append({"name": "recipe-test", "api_token": os.environ["HUB_RECIPE_ADMIN_TOKEN"]})
c.JupyterHub.load_roles.append({"name": "recipe-test", "services": ["recipe-test"],
                                "scopes": ["admin:users", "admin:servers", "admin:auth_state", "list:users"]})

# Renewal at test speed: hub tokens live seconds in the test's client, so refresh_user runs every few seconds.
c.GenericOAuthenticator.auth_refresh_age = int(os.environ["HUB_RECIPE_REFRESH_AGE"])


class NotebookStandIn(LocalProcessSpawner):
    """A single-user server stand-in: serves HTTP on its port and runs the README's notebook side (notebook.sh)
    with its own JUPYTERHUB_API_TOKEN, as the hub's own (root-free) user rather than a system user per hub user."""

    def make_preexec_fn(self, name):
        return None

    def user_env(self, env):
        env["USER"] = self.user.name
        env["HOME"] = os.path.join(here, "home-" + self.user.name)
        os.makedirs(env["HOME"], exist_ok=True)
        return env

    async def run_auth_state_hook(self, auth_state):
        await prespawn_hook(self, auth_state)
        if "RUCIO_ACCESS_TOKEN" in self.environment:
            self.environment["PRESPAWN_RUCIO_ACCESS_TOKEN"] = self.environment.pop("RUCIO_ACCESS_TOKEN")
        await super().run_auth_state_hook(auth_state)


c.JupyterHub.spawner_class = NotebookStandIn
c.Spawner.cmd = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "notebook_stand_in.py")]
c.Spawner.args = []
c.Spawner.http_timeout = 20
c.Spawner.start_timeout = 20
c.Spawner.environment = {"HUB_RECIPE_DIR": here,
                         "RUCIO_TOKEN_FILE_INTERVAL": os.environ["HUB_RECIPE_FILE_INTERVAL"]}
