#!/usr/bin/env bash
# The test command of README.md ("Run the tests"): prepares this machine, then runs every test.
#
# What it installs (Debian/Ubuntu, apt-get, only what is missing; needs root or sudo-less apt): chromium and
# chromium-driver (browser tests), postgresql (the production-topology cluster tests, which start their own
# PostgreSQL on 127.0.0.1), wrk (benchmark smoke), slapd and ldap-utils (the cluster-account LDAP test), jupyterhub
# and node-configurable-http-proxy plus five Python libraries (the real JupyterHub test), prometheus (its promtool
# checks the alert rules). Then `mvn -B verify`.
# Arguments are passed to Maven, e.g. ./test.sh -pl integration-tests -am -Dit.test=HubLifecycleIT
set -euo pipefail
cd "$(dirname "$0")"

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "ci: '$tool' is required (JDK 17+, Maven 3.8+)" >&2; exit 2; }
done
java -version
mvn -B -v

# Real headless Chromium for the login theme's browser tests, PostgreSQL for the production topology
# (ClusterIT, SoakIT), wrk for the soak's load and OpenLDAP's slapd, all Debian packages. The tests start their own PostgreSQL cluster; the package's service is not used.
packages=()
command -v chromium >/dev/null && command -v chromedriver >/dev/null || packages+=(chromium chromium-driver)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || packages+=(postgresql)
command -v wrk >/dev/null || packages+=(wrk)
# OpenLDAP for ClusterAccountLdapIT (seed 003's account mapping): the test starts its own slapd with a directory in a
# temporary directory; the package's service is not used. DEBIAN_FRONTEND=noninteractive keeps slapd's debconf quiet.
[ -x /usr/sbin/slapd ] && command -v ldapsearch >/dev/null || packages+=(slapd ldap-utils)
# A real JupyterHub for JupyterHubRecipeIT (Debian's 3.0, its proxy, and what oauthenticator imports: PyJWT,
# ruamel.yaml, jsonschema, requests; cryptography for auth_state). oauthenticator itself is not a Debian package:
# the test reads its source from OAUTHENTICATOR_SOURCE (default /work/.cache/oauthenticator-17.4.0) and skips without it.
lean_packages=()
[ -x /usr/bin/jupyterhub ] && [ -x /usr/bin/configurable-http-proxy ] || lean_packages+=(jupyterhub node-configurable-http-proxy)
/usr/bin/python3 -c 'import jwt, ruamel.yaml, jsonschema, requests, cryptography' 2>/dev/null \
  || lean_packages+=(python3-jwt python3-ruamel.yaml python3-jsonschema python3-requests python3-cryptography)
# Prometheus's promtool for PrometheusRulesIT (the shipped alert rules and dashboard queries); its server is not run.
command -v promtool >/dev/null || lean_packages+=(prometheus)
if [ ${#packages[@]} -gt 0 ] || [ ${#lean_packages[@]} -gt 0 ]; then
  apt-get update
fi
if [ ${#packages[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${packages[@]}"
fi
if [ ${#lean_packages[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${lean_packages[@]}"
fi

# The test command from README.md:
mvn -B verify "$@"
