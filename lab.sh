#!/usr/bin/env bash
# The lab: builds the JARs, fetches the Keycloak distribution through Maven, installs the JARs, imports the lab
# realms afresh and starts Keycloak in dev mode on LAB_PORT (default 8080). Ctrl-C or SIGTERM stops it.
# LAB_MODE=cluster: PostgreSQL (Debian's postgresql package) and two nodes from one optimized build, on LAB_PORT and
# LAB_PORT+1. LAB_FEDERATION_ENTITIES (default 40): size of the signed lab federation realm vre imports (12000: the
# size of eduGAIN).
set -euo pipefail
cd "$(dirname "$0")"

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "lab: '$tool' not found; install JDK 17+ and Maven 3.8+" >&2; exit 2; }
done

echo "Building the extensions and preparing Keycloak (first run downloads the distribution) ..."
# Arguments go to Maven, e.g. another Keycloak release: ./lab.sh -Dkeycloak.server.version=26.5.6
mvn -B -q -Dstyle.color=never -DskipTests -Dmaven.test.skip.exec=true package "$@"

# exec: the JVM receives Ctrl-C/SIGTERM itself and stops Keycloak with every process it started.
exec java -cp "integration-tests/target/classes:$(cat integration-tests/target/lab.classpath)" \
  org.sciencegateway.keycloak.testing.LabServer
