package config

import (
	"fmt"
	"strings"
)

// MarkdownTable renders Docs as the README's configuration table.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| Variable | Default | What it does |\n|---|---|---|\n")
	for _, s := range Docs() {
		name := "`" + s.Name + "`"
		if s.Secret {
			name += " (or `" + s.Name + "_FILE`)"
		}
		def := "—"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", name, def, strings.ReplaceAll(s.Description, "|", "\\|"))
	}
	return b.String()
}
