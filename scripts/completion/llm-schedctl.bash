# SPDX-License-Identifier: GPL-2.0-only
# bash completion for llm-schedctl (installed as
# /usr/share/bash-completion/completions/llm-schedctl).
_llm_schedctl()
{
    local cur prev words cword
    _init_completion || return
    local commands="status stats reload task phase"
    local i cmd=""
    for ((i = 1; i < cword; i++)); do
        case "${words[i]}" in
            --socket) ((i++)) ;;
            --*) ;;
            *) cmd="${words[i]}"; break ;;
        esac
    done
    if [[ "$prev" == --socket ]]; then
        _filedir
        return
    fi
    case "$cmd" in
        "") COMPREPLY=($(compgen -W "$commands --socket --help" -- "$cur")) ;;
        status | reload) COMPREPLY=($(compgen -W "--json --help" -- "$cur")) ;;
        stats) COMPREPLY=($(compgen -W "--json --prometheus --watch --help" -- "$cur")) ;;
        task)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--json --help" -- "$cur"))
            else
                COMPREPLY=($(compgen -W "$(ls /proc/self/task 2>/dev/null; ls /proc | grep -E '^[0-9]+$')" -- "$cur"))
            fi
            ;;
        phase)
            case "$prev" in
                --pid | --tid) COMPREPLY=($(compgen -W "$(ls /proc | grep -E '^[0-9]+$')" -- "$cur")) ;;
                phase) COMPREPLY=($(compgen -W "forward backward none" -- "$cur")) ;;
                *) COMPREPLY=($(compgen -W "--tid --pid --process -- --help" -- "$cur")) ;;
            esac
            ;;
    esac
}
complete -F _llm_schedctl llm-schedctl
