package cli

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/whatsapp-saas/gateway/client"
)

// subcommands are the second words completion offers.
var subcommands = map[string][]string{
	"sessions":   {"list", "create", "get", "delete", "start", "stop", "logout"},
	"webhooks":   {"list", "create", "delete", "test", "rotate", "deliveries", "delivery", "replay", "retry"},
	"keys":       {"list", "create", "revoke"},
	"contacts":   {"list", "get", "blocked", "block", "unblock", "lid", "phone"},
	"chats":      {"list", "get", "delete", "archive", "unarchive", "pin", "unpin", "mute", "unmute", "read", "unread"},
	"groups":     {"list", "get", "create", "join", "leave", "add", "remove", "promote", "demote", "update", "invite"},
	"profile":    {"get", "set", "privacy"},
	"presence":   {"available", "unavailable", "subscribe"},
	"calls":      {"reject", "place", "accept", "end"},
	"status":     {"list", "post"},
	"channels":   {"list", "get", "create", "follow", "unfollow", "messages", "post"},
	"admin":      {"tenants", "stats", "plans", "suspend", "resume"},
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

// cmdAdmin runs the operator's verbs over /admin (admin role, bearer token).
func cmdAdmin(r *runner, args []string) error {
	fs := r.flags("admin")
	reason := fs.String("reason", "", "suspend: the reason, kept in the audit log")
	query := fs.String("q", "", "tenants: search email or name")
	pos, err := r.parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("give an admin command: %w", errUsage)
	}
	c := r.client()
	tenantTable := func(w *tabwriter.Writer, list ...client.Tenant) {
		fmt.Fprintln(w, "ID\tEMAIL\tNAME\tROLE\tSTATUS\tPLAN\tSESSIONS\tMESSAGES (MONTH)")
		for _, v := range list {
			plan := v.User.PlanID
			if v.Plan != nil {
				plan = v.Plan.Name
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\n", v.User.ID, v.User.Email, v.User.Name, v.User.Role, v.User.Status, plan,
				v.Usage.Sessions, v.Usage.MessagesThisMonth)
		}
	}
	switch pos[0] {
	case "tenants":
		list, p, err := c.AdminTenants(r.ctx, *query, "", client.ListOptions{Limit: 100})
		if err != nil {
			return err
		}
		return r.out(map[string]any{"tenants": list, "pagination": p}, func(w *tabwriter.Writer) { tenantTable(w, list...) })
	case "suspend", "resume":
		if len(pos) != 2 {
			return fmt.Errorf("give the tenant's id: %w", errUsage)
		}
		var v *client.Tenant
		if pos[0] == "suspend" {
			v, err = c.AdminSuspend(r.ctx, pos[1], *reason)
		} else {
			v, err = c.AdminResume(r.ctx, pos[1])
		}
		if err != nil {
			return err
		}
		return r.out(v, func(w *tabwriter.Writer) { tenantTable(w, *v) })
	case "plans":
		list, err := c.AdminPlans(r.ctx)
		if err != nil {
			return err
		}
		return r.out(map[string]any{"plans": list}, func(w *tabwriter.Writer) {
			fmt.Fprintln(w, "ID\tNAME\tPRICE\tSESSIONS\tMESSAGES/MONTH")
			for _, p := range list {
				fmt.Fprintf(w, "%s\t%s\t%d %s\t%d\t%d\n", p.ID, p.Name, p.PriceCents, p.Currency, p.Limits.Sessions, p.Limits.MessagesPerMonth)
			}
		})
	case "stats":
		raw, err := c.AdminStats(r.ctx)
		if err != nil {
			return err
		}
		var v any
		_ = json.Unmarshal(raw, &v)
		r.json = true // the stats' shape is the admin API's own
		return r.out(v, nil)
	}
	return fmt.Errorf("unknown admin command %q: %w", pos[0], errUsage)
}
