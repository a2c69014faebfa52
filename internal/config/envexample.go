package config

import (
	"fmt"
	"strings"
)

// envExampleSections titles the groups of the settings table, keyed by the
// first setting of each group; a setting added anywhere simply joins the
// group above it.
var envExampleSections = map[string]string{
	"NODE_ENV":                       "Environment and HTTP",
	"DATABASE_URL":                   "Database (SQLite in DATA_DIR when neither DATABASE_URL nor DB_HOST is set)",
	"REDIS_URL":                      "Redis (in-process cache, rate limits and bus when neither REDIS_URL nor REDIS_HOST is set)",
	"JWT_SECRET":                     "Authentication",
	"SECRETS":                        "Signing secrets",
	"SCHEDULER":                      "Workers and engines",
	"RATE_LIMIT_WINDOW_MS":           "Limits and features",
	"WEBHOOK_TIMEOUT":                "Webhook delivery",
	"WEBHOOK_ALLOW_PRIVATE_NETWORKS": "Outbound requests (webhooks and media URLs)",
	"SMTP_HOST":                      "Email",
}

// EnvExample renders every setting (Docs, ClusterDocs, then WorkerDocs) as a commented
// .env file: each variable with its description and default, commented out,
// so a copy changes nothing until a line is uncommented. The repository's
// .env.example is this text (`make env-example` writes it; a test compares).
func EnvExample() string {
	var b strings.Builder
	b.WriteString(`# Settings of the WhatsApp gateway, generated from internal/config's settings table by
# ` + "`make env-example`" + ` (bin/gateway config --env-example); do not edit by hand.
#
#   cp .env.example .env     then uncomment and change what you need.
#
# The gateway and the session worker read ./.env from their working directory at start. A variable set in the environment wins over
# the file (per setting: an exported NAME_FILE hides the file's NAME). Secrets may be given as NAME_FILE, a path
# whose content is the value. Lines are KEY=VALUE; values may be quoted ('literal' or "with \n escapes"); nothing
# is expanded. An empty value means the default.
`)
	for _, s := range Docs() {
		if title, ok := envExampleSections[s.Name]; ok {
			fmt.Fprintf(&b, "\n# ---- %s ----\n", title)
		}
		writeEnvSetting(&b, s)
	}
	b.WriteString("\n# ---- Cluster shape: read only with SCHEDULER=nomad, DISCOVERY=consul|nomad or SECRETS=vault (docs/cluster.md) ----\n")
	for _, s := range ClusterDocs() {
		writeEnvSetting(&b, s)
	}
	b.WriteString("\n# ---- Session worker (cmd/instance): set by its Nomad job; it also reads the settings above marked \"Read by: worker\" ----\n")
	for _, s := range WorkerDocs() {
		writeEnvSetting(&b, s)
	}
	return b.String()
}

func writeEnvSetting(b *strings.Builder, s Setting) {
	b.WriteString("\n")
	for _, line := range wrapComment(strings.ReplaceAll(s.Description, "`", ""), 110) {
		b.WriteString("# " + line + "\n")
	}
	fmt.Fprintf(b, "# Read by: %s\n", s.ReadBy)
	if s.Secret {
		fmt.Fprintf(b, "# Secret: or %s_FILE=/path/to/a/file/holding/it\n", s.Name)
	}
	value := s.Default
	// A default that depends on another setting is a description, not a value.
	if strings.ContainsAny(value, " $") {
		fmt.Fprintf(b, "# Default: %s\n", value)
		value = ""
	}
	fmt.Fprintf(b, "#%s=%s\n", s.Name, dotEnvQuote(value))
}

// dotEnvQuote writes a value so ParseDotEnv reads it back unchanged.
func dotEnvQuote(v string) string {
	if v == "" || !strings.ContainsAny(v, " \t#'\"\\") {
		return v
	}
	return `'` + v + `'`
}

// wrapComment splits text into lines of at most width characters, at spaces.
func wrapComment(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
