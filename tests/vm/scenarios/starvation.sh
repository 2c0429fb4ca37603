# A low-class spinner under 100% high-priority load (one high-class spinner
# per vCPU) still runs in every starvation_ms (200 ms) window, plus 20 ms
# for the emulator; 30 s, no ejection.
#
# 2 vCPUs, the host's core count: with 4 vCPUs on 2 host cores the host
# deschedules whole vCPU threads, and gaps of 500-660 ms appeared that no
# guest scheduler can prevent (measured; see the closing notes of issue 3).
# vcpus: 2
# timeout: 200

start_daemon data/starvation.json || return
hogs=
for i in $(seq "$(nproc)"); do schedprobe spin --comm hog-hi --seconds 32 >/tmp/hi.$i & hogs="$hogs $!"; done
sleep 1
schedprobe spin --comm starve-lo --seconds 30 --gap-us 1000 >/tmp/lo
wait $hogs
note "low: $(cat /tmp/lo)"
gap=$(sed -n 's/.*max_gap_us=\([0-9]*\).*/\1/p' /tmp/lo)
metric low_max_gap_us "$gap"
llm-schedctl stats | sed 's/^/note: /'
check "low class waited at most 220 ms at a time (longest ${gap}us)" test "${gap:-9999999}" -le 220000
rescues=$(class_stat background starvation_rescues)
check "the starvation guard did the rescuing ($rescues rescues)" test "${rescues:-0}" -gt 0
check "still llm_sched after 30 s at 100% high-priority load" test "$(scx_ops)" = llm_sched
