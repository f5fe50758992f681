#!/bin/sh
# Runs INSIDE the gpio-sim guest (busybox sh), started by selftest.sh through run.sh.
# Proves the bed with libgpiod 1.6's command-line tools only. Prints PASS/FAIL per check;
# exits 1 if any check failed.
C=$GPIOSIM_CHIP
S=$GPIOSIM_SYSFS
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { # NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi
}
# Wait (max 5 s) until gpioinfo shows CONSUMER holding LINE: only then is the request live.
wait_consumer() { # LINE CONSUMER
  n=0
  until gpioinfo "$C" | grep -E "^[[:space:]]+line +$1:" | grep -q "\"$2\""; do
    n=$((n + 1)); [ $n -le 100 ] || return 1
    sleep 0.05
  done
}
# Wait (max 5 s) for PID to exit; kill it if it does not.
wait_exit() { # PID
  n=0
  while kill -0 "$1" 2>/dev/null; do
    n=$((n + 1)); [ $n -le 100 ] || { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; return 1; }
    sleep 0.05
  done
  wait "$1" 2>/dev/null
  return 0
}
release() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

echo "chip $C ($GPIOSIM_LABEL) at $S, device $GPIOSIM_DEV"

# (0) layout: label and line names
check "label is lanterne-sim" "$C [lanterne-sim] (8 lines)" "$(gpiodetect | grep "^$C ")"
i=0
for name in relay-1 relay-2 relay-3 step-1 photocell door pir-1 pir-2; do
  check "gpiofind $name" "$C $i" "$(gpiofind "$name")"
  i=$((i + 1))
done

# (a) an output driven by gpioset is seen in sysfs, active-high and active-low
gpioset --mode=signal "$C" 0=1 & pid=$!
if wait_consumer 0 gpioset; then
  check "(a) gpioset 0=1 -> sim_gpio0/value" 1 "$(cat "$S/sim_gpio0/value")"
else fail "(a) gpioset never showed as consumer of line 0"; fi
release $pid

gpioset --mode=signal -l "$C" 0=1 & pid=$!
if wait_consumer 0 gpioset; then
  check "(a) gpioset -l 0=1 (active-low) -> sim_gpio0/value" 0 "$(cat "$S/sim_gpio0/value")"
else fail "(a) gpioset -l never showed as consumer of line 0"; fi
release $pid

gpioset --mode=signal -l "$C" 0=0 & pid=$!
if wait_consumer 0 gpioset; then
  check "(a) gpioset -l 0=0 (active-low) -> sim_gpio0/value" 1 "$(cat "$S/sim_gpio0/value")"
else fail "(a) gpioset -l never showed as consumer of line 0"; fi
release $pid
check "(a) released line 0 falls back to its pull (pull-down)" 0 "$(cat "$S/sim_gpio0/value")"

# (b) the pull written in sysfs is what gpioget reads
echo pull-up > "$S/sim_gpio4/pull"
check "(b) sim_gpio4/pull=pull-up -> gpioget 4" 1 "$(gpioget "$C" 4)"
check "(b) sim_gpio4/pull=pull-up -> gpioget -l 4" 0 "$(gpioget -l "$C" 4)"
echo pull-down > "$S/sim_gpio4/pull"
check "(b) sim_gpio4/pull=pull-down -> gpioget 4" 0 "$(gpioget "$C" 4)"

# (c) a rising edge made through sysfs reaches gpiomon
echo pull-down > "$S/sim_gpio5/pull"
gpiomon --num-events=1 --rising-edge "$C" 5 > /tmp/gpiomon.out 2>&1 & pid=$!
if wait_consumer 5 gpiomon; then
  echo pull-up > "$S/sim_gpio5/pull"
  if wait_exit $pid; then
    if grep -q "RISING EDGE offset: 5" /tmp/gpiomon.out; then
      pass "(c) pull-up on line 5 -> gpiomon RISING EDGE offset 5"
    else fail "(c) gpiomon output: $(cat /tmp/gpiomon.out)"; fi
  else fail "(c) gpiomon saw no edge within 5 s"; fi
else fail "(c) gpiomon never showed as consumer of line 5"; release $pid; fi

if [ $fails -eq 0 ]; then echo "selftest: all checks passed"; exit 0; fi
echo "selftest: $fails check(s) failed"
exit 1
