# Sourced by the stand-in scripts: print progress lines while "working".
# STEP_DELAY (seconds per step, default 0.2) keeps the examples fast.
STEP_DELAY="${STEP_DELAY:-0.2}"

# work LABEL STEPS: print "LABEL: step i/STEPS" lines, sleeping between them.
work() {
    label=$1
    steps=${2:-3}
    i=1
    while [ "$i" -le "$steps" ]; do
        echo "$label: step $i/$steps"
        sleep "$STEP_DELAY"
        i=$((i + 1))
    done
}
