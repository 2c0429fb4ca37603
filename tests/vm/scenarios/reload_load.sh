# Reload under load: 100 reloads alternate two policies that swap the
# forward and backward CPU sets while a forward thread and a backward thread
# sample their CPU under a CPU hog. Outside each switch window (request
# received -> tables live + 50 ms for the kick) every sample is on the set
# of the policy live at that moment; no ejection; the daemon's open fds and
# RSS stay flat from reload 10 to reload 100.
# timeout: 300

cp data/reload_a.json /tmp/policy.json
start_daemon /tmp/policy.json || return
stress-ng --cpu "$(nproc)" --timeout 80s >/dev/null 2>&1 &
load=$!
llm-demo --threads 2 --seconds 70 --swap-at 1000 --work-us 100 --forward 0-1 --backward 2-3 \
    --runs /tmp/runs.txt >/tmp/demo.txt 2>&1 &
demo=$!
sleep 2
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status"; }
fds() { ls "/proc/$DAEMON_PID/fd" | wc -l; }
: >/tmp/reloads.txt
i=1
while [ "$i" -le 100 ]; do
    if [ $((i % 2)) -eq 1 ]; then p=b; else p=a; fi
    cp "data/reload_$p.json" /tmp/policy.json
    # "received applied policy" in CLOCK_MONOTONIC ns, from the daemon itself.
    llm-schedctl reload --json | sed -n "s/.*\"applied_ns\":\([0-9]*\).*\"received_ns\":\([0-9]*\).*/\2 \1 $p/p" \
        >>/tmp/reloads.txt
    [ "$i" -eq 10 ] && { rss10=$(rss); fds10=$(fds); }
    sleep 0.4
    i=$((i + 1))
done
rss100=$(rss); fds100=$(fds)
wait "$demo"
kill "$load" 2>/dev/null; wait "$load" 2>/dev/null

n=$(wc -l </tmp/reloads.txt)
check "100 reloads answered with timestamps ($n)" test "$n" -eq 100
gen=$(llm-schedctl status --json | sed -n 's/^  "generation": \([0-9]*\),*/\1/p')
check "generation 101 live ($gen)" test "$gen" = 101
metric reload_rss_kib_at_10 "$rss10"; metric reload_rss_kib_at_100 "$rss100"
metric reload_fds_at_10 "$fds10"; metric reload_fds_at_100 "$fds100"
check "open fds flat ($fds10 -> $fds100)" test "$fds10" -eq "$fds100"
check "RSS flat within 256 KiB ($rss10 -> $rss100 KiB)" test $((rss100 - rss10)) -le 256
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
        phase = $2; first = $3; last = $4; cpu = $5; runs++; samples_ok = 1
        # Periods: [start, rec[1]) policy a; [app[k], rec[k+1]) policy pol[k].
        from = 0; p = "a"
        for (k = 1; k <= nr + 1; k++) {
            to = k <= nr ? rec[k] : 1e30
            if (first < to && last >= from && !allowed(p, phase, cpu)) {
                bad++
                if (bad <= 5) printf "misplaced: tid %s %s on CPU %d during policy %s (%d..%d)\n", $1, phase, cpu, p, first, last
                break
            }
            if (k <= nr) { from = app[k]; p = pol[k] }
        }
    }
    END { printf "runs %d misplaced %d\n", runs, bad + 0 }' /tmp/reloads.txt /tmp/runs.txt >/tmp/verdict.txt
sed 's/^/note: /' /tmp/verdict.txt
runs=$(awk '/^runs/ { print $2 }' /tmp/verdict.txt)
bad=$(awk '/^runs/ { print $4 }' /tmp/verdict.txt)
metric reload_cpu_runs "$runs"
check "the sampler saw hundreds of CPU runs ($runs)" test "${runs:-0}" -ge 200
check "no run on a CPU outside the live policy's set outside the switch windows ($bad)" test "${bad:-1}" -eq 0
