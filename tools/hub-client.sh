#!/usr/bin/env bash
# Registers JupyterHub clients in a Keycloak realm and lists them, through Keycloak's own admin CLI (kcadm.sh):
# the admin REST API, never the database.
#
#   tools/hub-client.sh create <client-id> <hub-base-url>   e.g. create physics-hub https://hub.physics.example.org
#   tools/hub-client.sh list      (clientId,state,enabled,redirectUris; state pending/approved for requested hubs)
#
# Environment:
#   KEYCLOAK_URL        Keycloak base URL (default http://localhost:8080)
#   KEYCLOAK_REALM      realm of the hubs (default vre)
#   KEYCLOAK_ADMIN_USER, KEYCLOAK_ADMIN_PASSWORD   an admin of the master realm (asked for when unset)
#   KCADM               path to kcadm.sh (default: $KEYCLOAK_HOME/bin/kcadm.sh, else kcadm.sh on PATH)
#   HUB_CLIENT_TEMPLATE client template (default realm-exports/templates/hub-client.json next to this script)
set -euo pipefail

usage() {
  sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
url=${KEYCLOAK_URL:-http://localhost:8080}
realm=${KEYCLOAK_REALM:-vre}
template=${HUB_CLIENT_TEMPLATE:-$here/../realm-exports/templates/hub-client.json}
if [ -n "${KCADM:-}" ]; then
  kcadm=$KCADM
elif [ -n "${KEYCLOAK_HOME:-}" ]; then
  kcadm=$KEYCLOAK_HOME/bin/kcadm.sh
else
  kcadm=$(command -v kcadm.sh || true)
fi
[ -n "$kcadm" ] && [ -f "$kcadm" ] || { echo "hub-client: kcadm.sh not found; set KCADM or KEYCLOAK_HOME" >&2; exit 2; }

command=${1:-}
[ -n "$command" ] || usage

config=$(mktemp)
trap 'rm -f "$config"' EXIT
kc() { bash "$kcadm" "$@" --config "$config"; }

login() {
  local user=${KEYCLOAK_ADMIN_USER:-} password=${KEYCLOAK_ADMIN_PASSWORD:-}
  if [ -z "$user" ]; then read -r -p "Keycloak admin user: " user; fi
  if [ -z "$password" ]; then read -r -s -p "Password for $user: " password; echo >&2; fi
  kc config credentials --server "$url" --realm master --user "$user" --password "$password" >/dev/null
}

case "$command" in
  create)
    [ $# -eq 3 ] || usage
    client_id=$2
    base_url=${3%/}
    [[ "$client_id" =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$ ]] \
      || { echo "hub-client: client id '$client_id' must be letters, digits, '.', '_' or '-'" >&2; exit 2; }
    # RFC 3986 characters only (no quote, backslash, space, query or fragment): the URL goes into JSON and sed.
    url_re="^https?://[][A-Za-z0-9.:-]+(/[A-Za-z0-9._~!\$&'()*+,;=:@%/-]*)?\$"
    [[ "$base_url" =~ $url_re ]] \
      || { echo "hub-client: hub base URL '$base_url' must be an http(s) URL without query, e.g. https://hub.example.org" >&2; exit 2; }
    [ -f "$template" ] || { echo "hub-client: no client template at $template" >&2; exit 2; }
    login
    # The template is the console's "Import client" file; its placeholders are the lab hub's id and URL.
    # In a sed replacement '&' means "the match" and '#' ends it here: escape both (and '\') in the URL.
    replacement=$(printf '%s' "$base_url" | sed -e 's/[\\&#]/\\&/g')
    body=$(sed -e "s#\"clientId\": \"jupyterhub\"#\"clientId\": \"$client_id\"#" \
               -e "s#https://hub.example.org#$replacement#g" "$template")
    id=$(printf '%s' "$body" | kc create clients -r "$realm" -f - -i)
    secret=$(kc get "clients/$id/client-secret" -r "$realm" --fields value --format csv --noquotes)
    echo "Registered hub client '$client_id' in realm '$realm'"
    echo "  redirect URI:  $base_url/hub/oauth_callback"
    echo "  issuer:        $url/realms/$realm"
    echo "  client secret: $secret"
    ;;
  list)
    [ $# -eq 1 ] || usage
    login
    echo "clientId,state,enabled,redirectUris"
    # Hubs: clients registered as hubs (sg.hub.state: pending until a realm admin approves them, then approved)
    # and clients that redirect to JupyterHub's OAuth callback (state "-": created by an admin, e.g. by create).
    kc get clients -r "$realm" --fields 'clientId,enabled,attributes(sg.hub.state),redirectUris' --format csv --noquotes \
      | awk -F, 'BEGIN { OFS = "," }
          $3 != "" || /\/hub\/oauth_callback/ {
            uris = $4; for (i = 5; i <= NF; i++) uris = uris "," $i
            print $1, ($3 == "" ? "-" : $3), $2, uris
          }' || true
    ;;
  *)
    usage
    ;;
esac
