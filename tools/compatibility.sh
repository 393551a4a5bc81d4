#!/usr/bin/env bash
# Runs the integration suite against several Keycloak releases, one after the other (never in parallel: each run
# starts a full Keycloak), and writes the result table to target/compatibility/compatibility.md.
#
#   tools/compatibility.sh                      # 26.4.7, 26.5.6 and the pinned keycloak.server.version of pom.xml
#   tools/compatibility.sh 26.5.6 26.7.0        # chosen releases
#
# Only the server changes: the JARs stay compiled against keycloak.version. One release by hand is
#   mvn -B verify -Dkeycloak.server.version=26.5.6
# Per release, target/compatibility/<version>/ keeps the build log, the Failsafe reports and the server log.
# Unit tests do not depend on the server and run in the ordinary build, so this script skips them, and the benchmarks
# module too.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "compatibility: '$tool' not found; install JDK 17+ and Maven 3.8+" >&2; exit 2; }
done

pinned=$(sed -n 's:.*<keycloak.server.version>\(.*\)</keycloak.server.version>.*:\1:p' pom.xml | head -n 1)
if [ "$#" -gt 0 ]; then
  versions=("$@")
else
  versions=(26.4.7 26.5.6 "$pinned")
fi

out=target/compatibility
mkdir -p "$out"
for version in "${versions[@]}"; do
  dir="$out/$version"
  rm -rf "$dir" integration-tests/target/failsafe-reports integration-tests/target/keycloak-it/server.log
  mkdir -p "$dir"
  echo "== Keycloak $version: integration suite (log: $dir/build.log) ..."
  status=passed
  # Test failures do not stop the build here: the reports are the result. Any other build error is recorded.
  # The benchmarks module is left out: it measures, it does not test compatibility.
  if ! mvn -B verify -pl '!benchmarks' -Dkeycloak.server.version="$version" \
      -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dmaven.test.failure.ignore=true \
      >"$dir/build.log" 2>&1; then
    status="build failed (see build.log)"
  fi
  if grep -q "There are test failures\|There were test failures\|Tests run:.*Failures: [1-9]\|Tests run:.*Errors: [1-9]" \
      "$dir/build.log" && [ "$status" = passed ]; then
    status="test failures"
  fi
  echo "$status" >"$dir/build-status"
  if [ -d integration-tests/target/failsafe-reports ]; then
    cp -r integration-tests/target/failsafe-reports "$dir/"
  fi
  if [ -f integration-tests/target/keycloak-it/server.log ]; then
    cp integration-tests/target/keycloak-it/server.log "$dir/"
  fi
  echo "   $status"
done

java tools/CompatibilityReport.java "$out" "${versions[@]}" >"$out/compatibility.md"
echo "Result: $out/compatibility.md"
cat "$out/compatibility.md"
