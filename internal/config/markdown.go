package config

import (
	"fmt"
	"strings"
)

// MarkdownTable renders the settings table as the README's configuration
// table: the gateway's settings (Docs), then those only the per-session
// worker reads (WorkerDocs), each marked with the programs that read it.
func MarkdownTable() string {
	return markdownTable(append(Docs(), WorkerDocs()...))
}

// ClusterMarkdownTable renders the cluster settings (ClusterDocs) as the
// table of docs/cluster.md.
func ClusterMarkdownTable() string {
	return markdownTable(ClusterDocs())
}

func markdownTable(rows []Setting) string {
	var b strings.Builder
	b.WriteString("| Variable | Default | Read by | What it does |\n|---|---|---|---|\n")
	for _, s := range rows {
		name := "`" + s.Name + "`"
		if s.Secret {
			name += " (or `" + s.Name + "_FILE`)"
		}
		def := "—"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, def, s.ReadBy, strings.ReplaceAll(s.Description, "|", "\\|"))
	}
	return b.String()
}
