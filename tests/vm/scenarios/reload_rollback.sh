# SPDX-License-Identifier: GPL-2.0-only
# A refused reload leaves nothing of itself behind. Generation 1 serves
# metrics on :9481, keeps the control socket root-only and watches no
# file. The next policy moves metrics to :9482, gives the socket to group
# llm, turns the watch on, adds a class, and asks for a required hugetlb
# pool the guest cannot fill, so its memory step fails after the tables
# and the pool have already moved. Before the reload transaction, the
# socket group, the metrics listener and the watch of the refused policy
# stayed while generation 1 was reported live.
# timeout: 180

ifconfig lo 127.0.0.1 up
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
jq -n '{daemon: {watch_config: false, metrics_listen: "127.0.0.1:9481"},
        classes: [{name: "train", match: [{comm_prefix: "rb-train"}], priority: 50},
                  {name: "rest", match: [{default: true}], priority: 10}]}' >/tmp/live.json
start_daemon /tmp/live.json || return
sock=/run/llm-schedd/control.sock
sock_before=$(stat -c '%U:%G %a' $sock)
pool_before=$(meminfo HugePages_Total)
check "generation 1 serves metrics on :9481" sh -c 'wget -q -O - http://127.0.0.1:9481/metrics | grep -q llm_schedd_policy_generation'

jq '.daemon = {watch_config: true, control_group: "llm", metrics_listen: "127.0.0.1:9482"}
    | .classes = [{name: "extra", match: [{comm_prefix: "rb-extra"}], priority: 70}] + .classes
    | .memory = {hugetlb: [{page_size: "2M", pages: 100000, required: true}]}' /tmp/live.json >/tmp/next.json
cp /tmp/next.json /tmp/live.json
llm-schedctl reload >/tmp/reload.out 2>&1; rc=$?
sed 's/^/note: reload: /' /tmp/reload.out | head -3
check "the reload is refused (rc $rc)" test "$rc" -eq 1
check "  by its memory step" grep -q "memory:.*hugetlb.2048kB" /tmp/reload.out
llm-schedctl status --json >/tmp/st.json
check "generation 1 stays live ($(jq .generation /tmp/st.json))" test "$(jq .generation /tmp/st.json)" = 1
check "the control socket keeps its owner and mode ($(stat -c '%U:%G %a' $sock))" \
    test "$(stat -c '%U:%G %a' $sock)" = "$sock_before"
check "metrics still answer on :9481" sh -c 'timeout 5 wget -q -O - http://127.0.0.1:9481/metrics | grep -q llm_schedd_policy_generation'
check "  and nothing listens on :9482" sh -c '! timeout 5 wget -q -O /dev/null http://127.0.0.1:9482/metrics'
check "status says metrics on :9481 ($(jq -r .metrics /tmp/st.json))" \
    test "$(jq -r .metrics /tmp/st.json)" = "http://127.0.0.1:9481/metrics"
check "the file watch stays off" test "$(jq .watching_config /tmp/st.json)" = false
check "the pool the refused policy grew is back to $pool_before ($(meminfo HugePages_Total))" \
    test "$(meminfo HugePages_Total)" = "$pool_before"
check "the live classes are generation 1's ($(jq -c .classes /tmp/st.json))" \
    test "$(jq -c .classes /tmp/st.json)" = '["train","rest"]'
check "the rollback itself succeeded: no rollback errors" \
    test "$(jq '.last_reload.rollback_errors | length' /tmp/st.json)" = 0
check "  and none counted" test "$(jq .reloads.rollbacks_failed /tmp/st.json)" = 0
check "llm_sched stays attached" test "$(scx_state)" = enabled

# The BPF tables are generation 1's: a thread named for the refused class
# is classified by the live table, into rest.
schedprobe spin --comm rb-extra --seconds 3 >/dev/null &
probe=$!
sleep 0.5
cls=$(task_field "$probe" class)
check "a thread named for the refused class runs in generation 1's rest class (class $cls)" test "$cls" = rest
wait $probe

# The same policy without the pool is taken whole.
jq 'del(.memory)' /tmp/next.json >/tmp/live.json
check "the same change without the pool reloads" llm-schedctl reload
llm-schedctl status --json >/tmp/st.json
check "  to generation 3: the refused tables carried 2, and no number is used twice" test "$(jq .generation /tmp/st.json)" = 3
check "  with the socket for group llm ($(stat -c '%U:%G %a' $sock))" test "$(stat -c '%U:%G %a' $sock)" = "root:llm 660"
check "  metrics on :9482" sh -c 'timeout 5 wget -q -O - http://127.0.0.1:9482/metrics | grep -q llm_schedd_policy_generation'
check "  and :9481 closed" sh -c '! timeout 5 wget -q -O /dev/null http://127.0.0.1:9481/metrics'
check "  and the watch on" test "$(jq .watching_config /tmp/st.json)" = true
# A refusal in the memory step's last part, the class cgroups, after the
# policy's sysctl and hugetlbfs mount were made: both go back, and so do the
# controllers it enabled. /rb.slice holds a process of its own, which cgroup
# v2 does not allow below a cgroup whose children have controllers.
cg=/sys/fs/cgroup
mkdir $cg/rb.slice
sleep 300 &
holder=$!
echo $holder >$cg/rb.slice/cgroup.procs
swap_before=$(cat /proc/sys/vm/swappiness)
ctl_before=$(cat $cg/cgroup.subtree_control)
jq '.memory = {cgroup_root: "/rb.slice", sysctl: {"vm.swappiness": 7},
               hugetlbfs: [{path: "/dev/hugepages-rb", page_size: "2M"}]}
    | .classes[0].memory = {max: "64M"}' /tmp/next.json >/tmp/rb2.json
# Generation 3 watches the file: the save itself is the reload.
mv /tmp/rb2.json /tmp/live.json
for _ in $(seq 100); do
    [ "$(llm-schedctl status --json | jq -r .last_reload.trigger)" = "file changed" ] && break
    sleep 0.1
done
llm-schedctl status --json >/tmp/st2.json
jq -r .last_reload.error /tmp/st2.json | sed 's/^/note: reload: /' | head -3
check "the saved file's reload is refused by its class cgroups" test "$(jq .last_reload.ok /tmp/st2.json)" = false
check "  which says why" sh -c 'jq -r .last_reload.error /tmp/st2.json | grep -q "holds processes of its own"' 
check "  the sysctl it set is back ($(cat /proc/sys/vm/swappiness))" test "$(cat /proc/sys/vm/swappiness)" = "$swap_before"
check "  its mount is gone" sh -c "! grep -q ' /dev/hugepages-rb ' /proc/self/mountinfo"
check "  and the directory made for it" test ! -e /dev/hugepages-rb
check "  the root's controllers are as before ($(cat $cg/cgroup.subtree_control))" \
    test "$(cat $cg/cgroup.subtree_control)" = "$ctl_before"
check "  no class cgroup was left" test ! -e $cg/rb.slice/extra
check "  the operator's process stays where it was" grep -qx "$holder" $cg/rb.slice/cgroup.procs
check "  generation 3 stays live" test "$(llm-schedctl status --json | jq .generation)" = 3
check "  with no rollback error" test "$(llm-schedctl status --json | jq '.rollback_errors | length')" = 0
kill $holder; wait $holder 2>/dev/null
rmdir $cg/rb.slice

stop_daemon
check "stop: rc 0" test "$DAEMON_RC" = 0
