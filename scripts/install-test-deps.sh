#!/usr/bin/env bash
# Installs what the differential tests and benchmarks need to run the REAL Apache ZooKeeper:
# the Debian packages `zookeeper` (server jars, zkCli.sh) and `zookeeper-bin` (C client, cli_mt),
# plus a Java runtime. Idempotent: does nothing when /usr/share/java/zookeeper.jar is present.
# Needs root (CI runs as root); uses sudo when available and not root.
set -euo pipefail

ZK_JAR=/usr/share/java/zookeeper.jar
export DEBIAN_FRONTEND=noninteractive

run_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo -E "$@";
  else echo "install-test-deps: need root to run: $*" >&2; exit 1; fi
}

updated=0
apt_update_once() {
  if [ "$updated" -eq 0 ]; then
    echo "install-test-deps: apt-get update"
    run_root apt-get update -q
    updated=1
  fi
}

if [ -f "$ZK_JAR" ]; then
  echo "install-test-deps: $ZK_JAR present; ZooKeeper already installed, nothing to do"
else
  apt_update_once
  echo "install-test-deps: apt-get install -y --no-install-recommends zookeeper zookeeper-bin"
  run_root apt-get install -y -q --no-install-recommends zookeeper zookeeper-bin
fi

# The zookeeper package depends on a JRE, but check: the harness runs `java` from PATH.
if ! command -v java >/dev/null 2>&1; then
  apt_update_once
  echo "install-test-deps: no java on PATH; apt-get install -y --no-install-recommends default-jre-headless"
  run_root apt-get install -y -q --no-install-recommends default-jre-headless
fi

echo "install-test-deps: $(java -version 2>&1 | head -n 1)"
if [ ! -f "$ZK_JAR" ]; then
  echo "install-test-deps: $ZK_JAR still missing after install" >&2
  exit 1
fi
echo "install-test-deps: ZooKeeper $(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || echo '?') at $ZK_JAR"
