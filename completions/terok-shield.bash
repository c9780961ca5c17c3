# bash completion for terok-shield(1)                      -*- shell-script -*-
# Commands, options, profile names and shielded (prepared) container names.

# The state root, as terok-shield finds it: --state-dir, $TEROK_SHIELD_STATE_DIR, XDG.
_terok_shield_state_root()
{
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--state-dir) echo "${COMP_WORDS[i + 1]}"; return ;;
		--state-dir=*) echo "${COMP_WORDS[i]#--state-dir=}"; return ;;
		esac
	done
	if [[ -n ${TEROK_SHIELD_STATE_DIR-} ]]; then
		echo "$TEROK_SHIELD_STATE_DIR"
	else
		echo "${XDG_STATE_HOME:-$HOME/.local/state}/terok/shield"
	fi
}

# Every container with a state bundle under the state root.
_terok_shield_containers()
{
	local root d
	root=$(_terok_shield_state_root)
	for d in "$root"/containers/*/; do
		[[ -d $d ]] && d=${d%/} && echo "${d##*/}"
	done
}

_terok_shield_profiles()
{
	"${COMP_WORDS[0]}" profiles 2>/dev/null | while read -r name _; do echo "$name"; done
}

_terok_shield()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	}
	local commands="setup check-environment prepare run resolve allow deny up down block rules
		watch interactive dbus-bridge preview profiles list ls stats metrics status logs forget"

	# The command is the first word that is not a global option (or its value).
	local i cmd= cmd_at=0
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--state-dir) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]} cmd_at=$i; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		--state-dir) COMPREPLY=($(compgen -d -- "$cur")); return ;;
		esac
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--state-dir --version --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		return
	fi

	# Words after the command, before the one being completed, that are not options.
	local operands=0
	for ((i = cmd_at + 1; i < cword; i++)); do
		[[ ${words[i]} == -- ]] && { [[ $cmd == run ]] && return; }
		[[ ${words[i]} != -* ]] && ((operands++))
	done

	local opts="--help" name_first=0 more=
	case $cmd in
	setup) opts="--user --root --help" ;;
	check-environment) opts="--json --help" ;;
	prepare) opts="--profiles --interactive --dns-policy --json --help" name_first=1 ;;
	run) opts="--profiles --interactive --dns-policy -- --help" name_first=1 ;;
	resolve) opts="--force --help" name_first=1 ;;
	allow) opts="--port --proto --for --help" name_first=1 ;;
	deny | up | block) name_first=1 ;;
	down) opts="--all --help" name_first=1 ;;
	rules | stats) opts="--json --help" name_first=1 ;;
	watch | dbus-bridge | forget) name_first=1 ;;
	interactive) opts="--raw --help" name_first=1 ;;
	status) opts="--json --help" name_first=1 ;;
	preview) opts="--down --all --block --interactive --network --dns --dns-tier --dns-policy --dnsmasq --help" ;;
	profiles | list | ls) opts="--json --help" ;;
	logs) opts="--container --lines --help" ;;
	esac

	# --profiles takes every following word up to the next option.
	local last_opt=
	for ((i = cword - 1; i > cmd_at; i--)); do
		[[ ${words[i]} == -* ]] && { last_opt=${words[i]}; break; }
	done
	if [[ $last_opt == --profiles && $cur != -* ]]; then
		COMPREPLY=($(compgen -W "$(_terok_shield_profiles)" -- "$cur"))
		return
	fi

	case $prev in
	-c | --container)
		COMPREPLY=($(compgen -W "$(_terok_shield_containers)" -- "$cur"))
		return ;;
	-n | --lines | --dns | --port | --for) return ;;
	--proto)
		COMPREPLY=($(compgen -W "tcp udp" -- "$cur"))
		return ;;
	--network)
		COMPREPLY=($(compgen -W "slirp4netns pasta" -- "$cur"))
		return ;;
	--dns-tier)
		COMPREPLY=($(compgen -W "shield dnsmasq dig auto" -- "$cur"))
		return ;;
	--dns-policy)
		COMPREPLY=($(compgen -W "strict open" -- "$cur"))
		return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	elif [[ $cmd == profiles ]]; then
		COMPREPLY=($(compgen -W "$(_terok_shield_profiles)" -- "$cur"))
	elif ((name_first && operands == 0)); then
		COMPREPLY=($(compgen -W "$(_terok_shield_containers)" -- "$cur"))
	fi
}
complete -F _terok_shield terok-shield
