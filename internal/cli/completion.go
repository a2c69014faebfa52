package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"text/tabwriter"
)

// subcommands are the second words completion offers.
var subcommands = map[string][]string{
	"sessions":   {"list", "create", "get", "delete", "start", "stop", "logout"},
	"webhooks":   {"list", "create", "delete", "test", "rotate", "deliveries", "delivery", "replay", "retry"},
	"keys":       {"list", "create", "revoke"},
	"admin":      {"tenants", "stats", "plans", "suspend", "resume"},
	"completion": {"bash", "zsh", "fish"},
}

func cmdCompletion(r *runner, args []string) error {
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
	_, err := fmt.Fprint(r.env.Stdout, b.String())
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

// cmdAdmin runs the operator's verbs over /admin (admin role, bearer token).
// Their answers are printed as JSON: the admin API's shapes are its own.
func cmdAdmin(r *runner, args []string) error {
	pos, err := r.parse(r.flags("admin"), args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("give an admin command: %w", errUsage)
	}
	c := r.client()
	var method, path string
	switch pos[0] {
	case "tenants":
		method, path = http.MethodGet, "/admin/tenants"
	case "stats":
		method, path = http.MethodGet, "/admin/stats"
	case "plans":
		method, path = http.MethodGet, "/admin/plans"
	case "suspend", "resume":
		if len(pos) != 2 {
			return fmt.Errorf("give the tenant's id: %w", errUsage)
		}
		method, path = http.MethodPost, "/admin/tenants/"+pos[1]+"/"+pos[0]
	default:
		return fmt.Errorf("unknown admin command %q: %w", pos[0], errUsage)
	}
	var out json.RawMessage
	if err := c.Raw(r.ctx, method, c.APIPrefix+path, nil, nil, &out); err != nil {
		return err
	}
	var v any
	_ = json.Unmarshal(out, &v)
	r.json = true
	return r.out(v, func(*tabwriter.Writer) {})
}
