#!/usr/bin/env bash
# Spark (make test-engines, the spark target) needs Java 17: say what to install when it is missing.
command -v java >/dev/null 2>&1 && exit 0
echo "error: Java (17) is not installed: Spark needs it (apt-get install -y openjdk-17-jre-headless)" >&2
exit 1
