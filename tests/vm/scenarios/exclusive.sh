# cpus_exclusive: while the train class has runnable threads, background
# spinners never run on its CPUs (0-1); once train is quiet they borrow
# them.
# Each spinner reports the CPUs it really ran on (sched_getcpu).
# timeout: 180

start_daemon data/exclusive.json || return
# Named train-* from exec on, so no instant of it runs under another class.
ln -sf "$(command -v schedprobe)" /tmp/train-x
cpus_of() { sed -n 's/.*cpus=\([0-9,]*\).*/\1/p' "$@" | tr ',' '\n' | sort -un | tr '\n' ' ' | sed 's/ $//'; }
# spinners OUT SECONDS: four background spinners, waited for; reports in OUT.N
spinners() {
    local pids= i
    for i in 1 2 3 4; do schedprobe spin --seconds "$2" >"$1.$i" & pids="$pids $!"; done
    wait $pids
}

tr=
for i in 1 2; do /tmp/train-x spin --seconds 10 >/tmp/t.$i & tr="$tr $!"; done
sleep 1
spinners /tmp/b 6
on=$(cpus_of /tmp/b.*)
note "with train running, background ran on CPUs: $on"
check "background never ran on train's exclusive CPUs 0-1 (saw: $on)" test "$on" = "2 3"
wait $tr
note "train ran on CPUs: $(cpus_of /tmp/t.*)"
check "train stayed on its CPUs 0-1" test "$(cpus_of /tmp/t.*)" = "0 1"

spinners /tmp/q 4
on=$(cpus_of /tmp/q.*)
note "with train quiet, background ran on CPUs: $on"
check "with train quiet, background borrows CPUs 0-1 (saw: $on)" test "$on" = "0 1 2 3"

# Owner wake-up among borrowers, measured and reported but not asserted:
# a train thread that sleeps 1 ms needs a CPU back at each wake-up. It is
# slow today (p50 about 11 ms with 20 ms borrower slices, 7 ms on
# multi-threaded TCG), although the preemptions are issued; the preemption
# of lower classes without owned CPUs is fast (see vm.priority). Open
# problem, recorded in issue 3's notes.
bg=
for i in 1 2 3 4; do schedprobe spin --seconds 20 >/dev/null & bg="$bg $!"; done
sleep 1
schedprobe wake --comm train-w --loops 500 >/tmp/tw
kill $bg 2>/dev/null
note "train wake-ups among borrowers (reported, not asserted): $(cat /tmp/tw)"
metric train_reclaim_p50_us "$(sed -n 's/.*p50_us=\([0-9]*\).*/\1/p' /tmp/tw)"
