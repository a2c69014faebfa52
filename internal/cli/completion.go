package cli

import (
	"encoding/json"
	"fmt"
	"sort"
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
	names := strings.Join(commandNames(), " ")
	var b strings.Builder
	switch args[0] {
	case "bash":
		b.WriteString("# bash completion for wagw: source <(wagw completion bash)\n_wagw() {\n  local cur prev\n  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n  prev=\"${COMP_WORDS[1]}\"\n")
		fmt.Fprintf(&b, "  if [ \"$COMP_CWORD\" -eq 1 ]; then COMPREPLY=( $(compgen -W %q -- \"$cur\") ); return; fi\n", names)
		b.WriteString("  if [ \"$COMP_CWORD\" -eq 2 ]; then\n    case \"$prev\" in\n")
		for _, c := range sortedKeys(subcommands) {
			fmt.Fprintf(&b, "      %s) COMPREPLY=( $(compgen -W %q -- \"$cur\") ); return;;\n", c, strings.Join(subcommands[c], " "))
		}
		b.WriteString("    esac\n  fi\n  COMPREPLY=( $(compgen -W \"--json --url --token --api-key\" -- \"$cur\") )\n}\ncomplete -F _wagw wagw\n")
	case "zsh":
		b.WriteString("#compdef wagw\n# zsh completion for wagw: wagw completion zsh > \"${fpath[1]}/_wagw\"\n_wagw() {\n")
		fmt.Fprintf(&b, "  if (( CURRENT == 2 )); then compadd -- %s; return; fi\n", names)
		b.WriteString("  case ${words[2]} in\n")
		for _, c := range sortedKeys(subcommands) {
			fmt.Fprintf(&b, "    %s) (( CURRENT == 3 )) && compadd -- %s;;\n", c, strings.Join(subcommands[c], " "))
		}
		b.WriteString("  esac\n  compadd -- --json --url --token --api-key\n}\ncompdef _wagw wagw\n")
	case "fish":
		b.WriteString("# fish completion for wagw: wagw completion fish > ~/.config/fish/completions/wagw.fish\n")
		fmt.Fprintf(&b, "complete -c wagw -f -n '__fish_use_subcommand' -a '%s'\n", names)
		for _, c := range sortedKeys(subcommands) {
			fmt.Fprintf(&b, "complete -c wagw -f -n '__fish_seen_subcommand_from %s' -a '%s'\n", c, strings.Join(subcommands[c], " "))
		}
		b.WriteString("complete -c wagw -l json -d 'print JSON'\ncomplete -c wagw -l url -d 'gateway base URL' -r\n" +
			"complete -c wagw -l token -d 'JWT' -r\ncomplete -c wagw -l api-key -d 'API key' -r\n")
	default:
		return fmt.Errorf("unknown shell %q: %w", args[0], errUsage)
	}
	_, err = fmt.Fprint(r.env.Stdout, b.String())
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func jsonLine(v any) ([]byte, error) { return json.Marshal(v) }
