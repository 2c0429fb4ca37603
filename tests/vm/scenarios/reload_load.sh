# SPDX-License-Identifier: GPL-2.0-only
# Reload under load: 1000 reloads alternate two policies that swap the
# forward and backward CPU sets while a forward thread and a backward thread
# sample their CPU under a CPU hog. Outside each switch window (request
# received -> tables live + 50 ms for the kick) every sample is on the set
# of the policy live at that moment; no ejection; the daemon's open fds and
# RSS stay flat from reload 10 to reload 1000 (sampled every 100).
# timeout: 600

cp data/reload_a.json /tmp/policy.json
start_daemon /tmp/policy.json || return
stress-ng --cpu "$(nproc)" --timeout 900s >/dev/null 2>&1 &
load=$!
llm-demo --threads 2 --seconds 900 --swap-at 1000 --work-us 100 --forward 0-1 --backward 2-3 \
    --runs /tmp/runs.txt >/tmp/demo.txt 2>&1 &
demo=$!
sleep 2
# One client process for all the reloads (tests/vm/tools/reloader.c): a
# shell loop would spend more time in fork+exec under emulation than the
# daemon spends reloading, and would not keep up with the load. It runs
# SCHED_FIFO so that it is the daemon, not the client, that competes for
# the CPUs.
chrt -f 10 reloader /run/llm-schedd/control.sock /tmp/policy.json data/reload_a.json data/reload_b.json \
    1000 150 "$DAEMON_PID" >/tmp/reloads.txt 2>/tmp/reloader.txt
rc=$?
grep '^note:' /tmp/reloader.txt
val() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" /tmp/reloader.txt | tail -1; }
rss10=$(val rss10) fds10=$(val fds10) rss1000=$(val rss1000) fds1000=$(val fds1000) secs=$(val secs)
load_alive=no; kill -0 "$load" 2>/dev/null && kill -0 "$demo" 2>/dev/null && load_alive=yes
kill "$load" "$demo" 2>/dev/null; wait "$demo" 2>/dev/null; wait "$load" 2>/dev/null  # llm-demo writes its runs on SIGTERM

n=$(wc -l </tmp/reloads.txt)
check "1000 reloads answered with timestamps in $secs s (rc $rc, $n)" test "$rc" -eq 0 -a "$n" -eq 1000
check "  all of them under load (hog and LLM threads still running at the end: $load_alive)" test "$load_alive" = yes
gen=$(llm-schedctl status --json | jq .generation)
check "generation 1001 live ($gen)" test "$gen" = 1001
metric reload_rss_kib_at_10 "$rss10"; metric reload_rss_kib_at_1000 "$rss1000"
metric reload_fds_at_10 "$fds10"; metric reload_fds_at_1000 "$fds1000"
metric reload_seconds_for_1000 "$secs"
check "open fds flat ($fds10 -> $fds1000)" test "$fds10" -eq "$fds1000"
check "RSS flat within 256 KiB ($rss10 -> $rss1000 KiB)" test $((rss1000 - rss10)) -le 256
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
sed -n '1,3p' /tmp/reloads.txt | sed 's/^/note: reload received applied policy: /'
metric reload_request_to_live_us_p50 "$(awk '{ printf "%d\n", ($2 - $1) / 1000 }' /tmp/reloads.txt | median)"
metric reload_logged_us_p50 "$(sed -n 's/.* live in \([0-9]*\) us.*/\1/p' "$DAEMON_LOG" | median)"

# Check every run of samples against the policy live at its time.
awk -v settle=50000000 '
    FNR == NR { rec[++nr] = $1; app[nr] = $2 + settle; pol[nr] = $3; next }
    function allowed(p, phase, cpu) {
        if ((p == "a") == (phase == "forward")) return cpu <= 1
        return cpu >= 2
    }
    {
        phase = $2; first = $3; last = $4; cpu = $5; runs++
        # Period k: [app[k-1], rec[k]) under policy pol[k-1]; period 1 starts
        # at 0 under policy a. Binary search for the first period that can
        # hold `first`, then walk while periods start before `last`.
        lo = 1; hi = nr + 1
        while (lo < hi) { mid = int((lo + hi) / 2); if (rec[mid] > first) hi = mid; else lo = mid + 1 }
        for (k = lo; k <= nr + 1; k++) {
            from = k == 1 ? 0 : app[k - 1]; p = k == 1 ? "a" : pol[k - 1]
            to = k <= nr ? rec[k] : 1e30
            if (from > last)
                break
            if (first < to && last >= from && !allowed(p, phase, cpu)) {
                bad++
                if (bad <= 5) printf "misplaced: tid %s %s on CPU %d during policy %s (%d..%d)\n", $1, phase, cpu, p, first, last
                break
            }
        }
    }
    END { printf "runs %d misplaced %d\n", runs, bad + 0 }' /tmp/reloads.txt /tmp/runs.txt >/tmp/verdict.txt
sed 's/^/note: /' /tmp/verdict.txt
runs=$(awk '/^runs/ { print $2 }' /tmp/verdict.txt)
bad=$(awk '/^runs/ { print $4 }' /tmp/verdict.txt)
metric reload_cpu_runs "$runs"
check "the sampler saw hundreds of CPU runs ($runs)" test "${runs:-0}" -ge 200
check "no run on a CPU outside the live policy's set outside the switch windows ($bad)" test "${bad:-1}" -eq 0
