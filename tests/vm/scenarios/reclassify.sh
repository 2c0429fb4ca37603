# SPDX-License-Identifier: GPL-2.0-only
# Reclassification follows every change the rules can see: a rename that
# changes only the last byte of the 16-byte comm (the thread renames
# itself, as /proc/PID/comm of another process cannot be written), and a
# uid change without exec. Before, the scheduler noticed only changes in
# the first 8 bytes of the comm (or a cgroup move), so both tasks kept
# their old class. Then a reload that adds a class whose rule names the
# cgroup the daemon makes for it (/llm.slice/late, from its memory
# section): a task in that cgroup is in the new class at once. Before, the
# rule was compiled before the cgroup existed and matched nothing until
# the reload after.
# vcpus: 2
# timeout: 120

cp data/reclassify.json /tmp/policy.json
start_daemon /tmp/policy.json || return
wait_class() {  # wait_class PID CLASS
    for i in $(seq 30); do [ "$(task_field "$1" class)" = "$2" ] && return 0; sleep 0.1; done; return 1
}
schedprobe spin --comm worker-00000000 --seconds 30 --rename-at "3 worker-00000001" >/dev/null &
p=$!
check "worker-00000000 is background" wait_class "$p" background
sleep 3
check "renamed worker-00000001 (only byte 15 differs) it becomes full" wait_class "$p" full
schedprobe spin --comm worker-00000001 --seconds 30 --rename-at "2 worker-00000002" >/dev/null &
q=$!
check "a task born worker-00000001 is full" wait_class "$q" full
sleep 2
check "renamed worker-00000002 it is background again" wait_class "$q" background
kill $p $q

schedprobe spin --seconds 30 --setuid-at 2 --uid 1000 >/dev/null &
u=$!
check "a root task is background" wait_class "$u" background
sleep 2.5
check "after setresuid(1000), no exec, it is byuid" wait_class "$u" byuid
note "task now: $(llm-schedctl task "$u")"
kill $u
wait $p $q $u 2>/dev/null

jq '.classes = [{"name": "late", "match": [{"cgroup_prefix": "/llm.slice/late"}], "priority": 50,
                 "memory": {"max": "200M"}}] + .classes' data/reclassify.json >/tmp/policy.json
llm-schedctl reload >/tmp/reload.txt 2>&1
check "a reload adds class late ($(cat /tmp/reload.txt))" test -d /sys/fs/cgroup/llm.slice/late
sh -c 'echo $$ >/sys/fs/cgroup/llm.slice/late/cgroup.procs && exec schedprobe spin --seconds 10' >/dev/null &
l=$!
check "a task in /llm.slice/late is in late at once" wait_class "$l" late
note "task now: $(llm-schedctl task "$l")"
kill $l; wait $l 2>/dev/null
