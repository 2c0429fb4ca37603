#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# No shell-outs: nothing from a policy can become a command line. The daemon
# imports no function that starts a program (it forks only to join PID 1's
# mount namespace, and that child calls mount/umount and exits), and the
# sources contain no such call. llm-schedctl's one execvp is `phase -- CMD`,
# the caller's own command, run with the caller's rights.
set -uo pipefail
daemon="$1" ctl="$2" src="$3"
spawners='system|popen|execl|execlp|execle|execv|execve|execvp|execvpe|fexecve|posix_spawn|posix_spawnp'
fails=0
found=$(nm -D --undefined-only "$daemon" | awk '{ print $NF }' | sed 's/@.*//' | grep -xE "$spawners")
if [[ -z "$found" ]]; then echo "ok   llm-schedd imports no program-starting function"
else echo "FAIL llm-schedd imports: $found"; fails=$((fails + 1)); fi
found=$(nm -D --undefined-only "$ctl" | awk '{ print $NF }' | sed 's/@.*//' | grep -xE "$spawners" | tr '\n' ' ')
if [[ "$found" == "execvp " ]]; then echo "ok   llm-schedctl imports only execvp (phase -- CMD)"
else echo "FAIL llm-schedctl imports: $found"; fails=$((fails + 1)); fi
calls=$(grep -rnE "\b($spawners)\s*\(" "$src/daemon" "$src/lib" | grep -v "daemon/ctl/llm_schedctl.cpp")
if [[ -z "$calls" ]]; then echo "ok   no such call in daemon/ or lib/ outside llm-schedctl"
else echo "FAIL calls:"; echo "$calls"; fails=$((fails + 1)); fi
[[ $fails -eq 0 ]] && echo PASS
exit "$fails"
