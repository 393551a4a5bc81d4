#!/usr/bin/env bash
# The benchmarks: every comparison against stock Keycloak on one server in one run (see docs/benchmarks.md).
# Writes benchmarks/target/benchmarks/report.md and PNG charts next to it. Extra arguments go to Maven,
# e.g. ./benchmark.sh -Dbenchmark.rounds=3
#   ./benchmark.sh soak   the soak instead: the Rucio exchange at half capacity for 30 minutes on the production
#                         topology (PostgreSQL, two optimized nodes), wrk on each node; report soak-report.md
#   ./benchmark.sh readme README.md's Performance table rewritten from docs/benchmark-report.md
set -euo pipefail
cd "$(dirname "$0")"

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "benchmark: '$tool' not found; install JDK 17+ and Maven 3.8+" >&2; exit 2; }
done
# wrk (Debian package) drives the HTTP rows that anyone can rerun by hand (tools/wrk/form-post.lua).
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk
  else
    echo "benchmark: 'wrk' not found; install it (Debian: apt-get install wrk)" >&2; exit 2
  fi
fi

# Every module, installed, and the integration tests' server layout (distribution, provider JARs, realm exports)
# that the benchmarks module starts its server from.
build() {
  mvn -B -q -Dstyle.color=never install -DskipTests "$@"
}

if [ "${1:-}" = readme ]; then
  # README.md's Performance table from the committed report (docs/benchmark-report.md; after a full run, copy
  # benchmarks/target/benchmarks/report.md and its charts there first). ReadmePerformanceTest checks they agree.
  mvn -B -q -Dstyle.color=never install -DskipTests -pl benchmarks -am
  mvn -B -q -Dstyle.color=never -pl benchmarks org.codehaus.mojo:exec-maven-plugin:3.5.0:java \
    -Dexec.classpathScope=test -Dexec.mainClass=org.sciencegateway.keycloak.benchmarks.ReadmePerformance \
    -Drepository.root="$PWD"
  exit 0
fi

if [ "${1:-}" = soak ]; then
  shift
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 \
    || { echo "benchmark soak: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 2; }
  build "$@"
  mvn -B verify -pl benchmarks -Dsoak=full -Dit.test=SoakIT "$@"
  echo "benchmark soak: report at benchmarks/target/benchmarks/soak-report.md"
  exit 0
fi

pinning=()
cpus=$(nproc)
if command -v taskset >/dev/null && [ "$cpus" -ge 2 ]; then
  # The load generator (the test JVM) on CPU 0, the server on the others, so that they do not compete.
  server_cpus="1-$((cpus - 1))"
  [ "$cpus" -eq 2 ] && server_cpus=1
  pinning=("-Dkeycloak.command.prefix=taskset -c $server_cpus" "-Dbenchmark.server.cpus=$server_cpus"
    "-Dbenchmark.load.cpus=0")
else
  echo "benchmark: taskset not found or a single CPU: load generator and server are not pinned apart" >&2
fi

# Keycloak's realm cache must hold 10,000 groups and 5,000 identity providers, or evictions dominate the figures.
# The server inherits the environment of the test JVM.
export KC_CACHE_EMBEDDED_REALMS_MAX_COUNT="${KC_CACHE_EMBEDDED_REALMS_MAX_COUNT:-100000}"

echo "benchmark: load average now: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) (quiet machines give steadier figures)"
build "$@"
mvn -B verify -pl benchmarks -Dbenchmark=full -Dit.test=BenchmarkSuiteIT "${pinning[@]}" "$@"
echo "benchmark: report at benchmarks/target/benchmarks/report.md"
