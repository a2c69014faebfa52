package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// subcommands are the second words completion offers.
var subcommands = map[string][]string{
	"sessions":   {"list", "create", "get", "delete", "start", "stop", "logout"},
	"webhooks":   {"list", "create", "delete", "test", "rotate", "deliveries", "delivery", "replay", "retry", "stats"},
	"keys":       {"list", "create", "revoke"},
	"contacts":   {"list", "get", "blocked", "block", "unblock", "lid", "phone"},
	"chats":      {"list", "get", "delete", "archive", "unarchive", "pin", "unpin", "mute", "unmute", "read", "unread"},
	"groups":     {"list", "get", "create", "join", "leave", "add", "remove", "promote", "demote", "update", "invite", "requests", "approve", "reject"},
	"profile":    {"get", "set", "privacy"},
	"presence":   {"available", "unavailable", "subscribe"},
	"calls":      {"reject", "place", "accept", "end"},
	"status":     {"list", "post"},
	"channels":   {"list", "get", "create", "follow", "unfollow", "messages", "post"},
	"admin":      {"tenants", "tenant", "sessions", "suspend", "resume", "plan", "plans", "stats", "audit"},
	"completion": {"bash", "zsh", "fish"},
}

func cmdCompletion(r *runner, args []string) error {
	args, err := r.parse(r.flags("completion"), args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return fmt.Errorf("give bash, zsh or fish: %w", errUsage)
	}
	sh, ok := shells[args[0]]
	if !ok {
		return fmt.Errorf("unknown shell %q: %w", args[0], errUsage)
	}
	var b strings.Builder
	b.WriteString(sh.head)
	fmt.Fprintf(&b, sh.commands, strings.Join(commandNames(), " "))
	b.WriteString(sh.open)
	for _, c := range sortedKeys(subcommands) {
		fmt.Fprintf(&b, sh.sub, c, strings.Join(subcommands[c], " "))
	}
	b.WriteString(sh.tail)
	_, err = fmt.Fprint(r.env.Stdout, b.String())
	return err
}

// completion is a shell's completion script: head, the line offering the
// commands (a format of their names), open, a line per command with
// subcommands (a format of the command and its subcommands), tail.
type completion struct {
	head, commands, open, sub, tail string
}

var shells = map[string]completion{
	"bash": {
		head:     "# bash completion for wagw: source <(wagw completion bash)\n_wagw() {\n  local cur prev\n  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n  prev=\"${COMP_WORDS[1]}\"\n",
		commands: "  if [ \"$COMP_CWORD\" -eq 1 ]; then COMPREPLY=( $(compgen -W %q -- \"$cur\") ); return; fi\n",
		open:     "  if [ \"$COMP_CWORD\" -eq 2 ]; then\n    case \"$prev\" in\n",
		sub:      "      %s) COMPREPLY=( $(compgen -W %q -- \"$cur\") ); return;;\n",
		tail:     "    esac\n  fi\n  COMPREPLY=( $(compgen -W \"--json --url --token --api-key\" -- \"$cur\") )\n}\ncomplete -F _wagw wagw\n",
	},
	"zsh": {
		head:     "#compdef wagw\n# zsh completion for wagw: wagw completion zsh > \"${fpath[1]}/_wagw\"\n_wagw() {\n",
		commands: "  if (( CURRENT == 2 )); then compadd -- %s; return; fi\n",
		open:     "  case ${words[2]} in\n",
		sub:      "    %s) (( CURRENT == 3 )) && compadd -- %s;;\n",
		tail:     "  esac\n  compadd -- --json --url --token --api-key\n}\ncompdef _wagw wagw\n",
	},
	"fish": {
		head:     "# fish completion for wagw: wagw completion fish > ~/.config/fish/completions/wagw.fish\n",
		commands: "complete -c wagw -f -n '__fish_use_subcommand' -a '%s'\n",
		sub:      "complete -c wagw -f -n '__fish_seen_subcommand_from %s' -a '%s'\n",
		tail: "complete -c wagw -l json -d 'print JSON'\ncomplete -c wagw -l url -d 'gateway base URL' -r\n" +
			"complete -c wagw -l token -d 'JWT' -r\ncomplete -c wagw -l api-key -d 'API key' -r\n",
	},
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func jsonLine(v any) ([]byte, error) { return json.Marshal(v) }
