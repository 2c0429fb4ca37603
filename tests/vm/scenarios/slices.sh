# SPDX-License-Identifier: GPL-2.0-only
# History-based slices: a task with 100 us bursts is given a slice within 2x
# of the class min (500 us); a CPU hog sits at the class max (20 ms).
# timeout: 150

start_daemon configs/default.json || return
schedprobe burst --comm llm-bench-b --burst-us 100 --sleep-us 1000 --seconds 15 >/tmp/b &
b=$!
schedprobe spin --comm llm-bench-h --seconds 15 >/tmp/h &
h=$!
sleep 5
llm-schedctl task "$b" | sed 's/^/note: burst: /'
llm-schedctl task "$h" | sed 's/^/note: hog: /'
# One read of each thread's state while both still run; fields from it.
llm-schedctl task "$b" --json >/tmp/b.json; llm-schedctl task "$h" --json >/tmp/h.json
field() { jq -r --arg f "$2" '.[$f]' "/tmp/$1.json"; }
# The burst thread's slice is the smallest of three reads: under the
# single-threaded emulator a burst now and then measures milliseconds
# (its vCPU was not being run while another one ran, often the reader's
# own llm-schedctl), and the EWMA carries such a spike for a few bursts.
# A slice fitted wrongly would be wrong in every read.
for i in 1 2 3; do llm-schedctl task "$b" --json | jq .slice_ns; sleep 0.3; done >/tmp/bs.txt
note "burst slice reads: $(tr '\n' ' ' </tmp/bs.txt)"
bs=$(sort -n /tmp/bs.txt | sed -n 1p); hs=$(field h slice_ns)
metric burst_slice_ns "$bs"; metric burst_ewma_ns "$(field b ewma_ns)"
metric hog_slice_ns "$hs"; metric hog_ewma_ns "$(field h ewma_ns)"
check "both are in class llm" test "$(field b class)/$(field h class)" = llm/llm
check "100 us bursts get a slice within 2x of the 500 us min (${bs} ns)" test "${bs:-0}" -ge 500000 -a "${bs:-0}" -le 1000000
check "the hog sits at the 20 ms max (${hs} ns)" test "${hs:-0}" -eq 20000000
wait "$b" "$h"
