# History-based slices: a task with 100 us bursts is given a slice within 2x
# of the class min (500 us); a CPU hog sits at the class max (20 ms).
# timeout: 150

start_daemon configs/default.json || return
schedprobe burst --comm llm-bench-b --burst-us 100 --sleep-us 1000 --seconds 8 >/tmp/b &
b=$!
schedprobe spin --comm llm-bench-h --seconds 8 >/tmp/h &
h=$!
sleep 5
llm-schedctl task "$b" | sed 's/^/note: burst: /'
llm-schedctl task "$h" | sed 's/^/note: hog: /'
# One read of each thread's state while both still run; fields from it.
llm-schedctl task "$b" --json >/tmp/b.json; llm-schedctl task "$h" --json >/tmp/h.json
field() { jq -r --arg f "$2" '.[$f]' "/tmp/$1.json"; }
bs=$(field b slice_ns); hs=$(field h slice_ns)
metric burst_slice_ns "$bs"; metric burst_ewma_ns "$(field b ewma_ns)"
metric hog_slice_ns "$hs"; metric hog_ewma_ns "$(field h ewma_ns)"
check "both are in class llm" test "$(field b class)/$(field h class)" = llm/llm
check "100 us bursts get a slice within 2x of the 500 us min (${bs} ns)" test "${bs:-0}" -ge 500000 -a "${bs:-0}" -le 1000000
check "the hog sits at the 20 ms max (${hs} ns)" test "${hs:-0}" -eq 20000000
wait "$b" "$h"
