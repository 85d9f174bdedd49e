#!/usr/bin/env bash
# Stand-in for `systemd: name=myapp state=started|stopped`:
#   myapp-ctl.sh start|stop DIR
# start runs the application (stub_server.py serving DIR/current, with a
# /health endpoint) in the background, writes its port to DIR/myapp.port and
# prints it; stop stops it. Idle for 60 s, the application exits by itself.
set -eu
action="${1:?start or stop}"
dir="${2:?application directory}"
case "$action" in
start)
    rm -f "$dir/myapp.port"
    nohup python3 "$(dirname "$0")/stub_server.py" --root "$dir/current" \
        --port-file "$dir/myapp.port" --name "myapp" --idle 60 \
        > "$dir/myapp.log" 2>&1 < /dev/null &
    echo $! > "$dir/myapp.pid"
    for _ in $(seq 1 100); do
        if [ -s "$dir/myapp.port" ]; then
            echo "myapp started on port $(cat "$dir/myapp.port")"
            exit 0
        fi
        sleep 0.1
    done
    echo "myapp did not start" >&2
    exit 1
    ;;
stop)
    if [ -s "$dir/myapp.pid" ]; then
        kill "$(cat "$dir/myapp.pid")" 2>/dev/null || true
        rm -f "$dir/myapp.pid" "$dir/myapp.port"
        echo "myapp stopped"
    else
        echo "myapp was not running"
    fi
    ;;
esac
