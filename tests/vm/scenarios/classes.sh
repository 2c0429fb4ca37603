# SPDX-License-Identifier: GPL-2.0-only
# Classification from the outside: cgroup moves are followed, comm and
# uid+leader-comm rules match, and a live reload (SIGHUP) adding a tgid rule
# moves a running task. Placement is checked by sampling /proc/PID/stat.
# timeout: 180
# kernel-subset: yes

mkdir -p /sys/fs/cgroup/llm.slice/train
start_daemon data/classes.json || return
class_of() { llm-schedctl task "$1" --json | jq -r .class; }
# cpus_of PID: the distinct CPUs PID was seen on over ~1 s of sampling.
cpus_of() {
    for i in $(seq 30); do awk '{ print $39 }' "/proc/$1/stat"; sleep 0.03; done | sort -u | tr '\n' ' ' | sed 's/ $//'
}
wait_class() {  # wait_class PID CLASS
    for i in $(seq 30); do [ "$(class_of "$1")" = "$2" ] && return 0; sleep 0.1; done; return 1
}

schedprobe spin --seconds 60 >/dev/null &
p=$!
check "a plain task is in background" wait_class "$p" background
echo "$p" >/sys/fs/cgroup/llm.slice/train/cgroup.procs
check "moved into /llm.slice/train it becomes train" wait_class "$p" train
sleep 0.2
on=$(cpus_of "$p"); note "train task ran on CPUs: $on"
check "and runs only on CPU 0 (saw: $on)" test "$on" = 0
echo "$p" >/sys/fs/cgroup/cgroup.procs
check "moved back out it is background again" wait_class "$p" background

schedprobe spin --comm named-x --seconds 60 >/dev/null &
n=$!
check "comm prefix named- puts it in named" wait_class "$n" named
sleep 0.2
on=$(cpus_of "$n")
check "and it runs only on CPU 1 (saw: $on)" test "$on" = 1

su llmuser -s /bin/sh -c 'echo $$ >/tmp/u.pid; exec schedprobe spin --seconds 60 >/dev/null' &
sleep 1
u=$(cat /tmp/u.pid)
check "uid 1000 running schedprobe is in users" wait_class "$u" users
on=$(cpus_of "$u")
check "and runs only on CPU 2 (saw: $on)" test "$on" = 2

# Live reload: a tgid rule for the first spinner, ahead of everything.
sed "s/\"classes\": \[/\"classes\": [ { \"name\": \"pinned\", \"match\": [ { \"tgid\": $p } ], \"priority\": 95, \"cpus\": \"3\" },/" \
    data/classes.json >/tmp/reload.json
cp /tmp/reload.json data/classes.json
kill -HUP "$DAEMON_PID"
check "after SIGHUP the tgid rule moves it to pinned" wait_class "$p" pinned
on=$(cpus_of "$p")
check "and it runs only on CPU 3 (saw: $on)" test "$on" = 3
check "the daemon logged generation 2" grep -q 'generation 2 live' "$DAEMON_LOG"
check "the named task kept its class across the reload" test "$(class_of "$n")" = named
kill "$p" "$n" "$u" 2>/dev/null
