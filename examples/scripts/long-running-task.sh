#!/usr/bin/env bash
# Stand-in for /opt/app/long-running-task.sh: needs APP_ENV and JAVA_HOME set.
set -eu
. "$(dirname "$0")/lib.sh"
work "long-running task" 2
echo "APP_ENV=${APP_ENV:?APP_ENV is not set} JAVA_HOME=${JAVA_HOME:?JAVA_HOME is not set}"
echo "PATH has custom bin: $(case ":$PATH:" in *:/opt/custom/bin:*) echo yes ;; *) echo no ;; esac)"
echo "APP_PROFILE=${APP_PROFILE:-unset}"
