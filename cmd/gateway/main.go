// Command gateway is the WhatsApp gateway: the public API, and in the
// embedded shape every session's worker too.
//
//	gateway            serve (the default)
//	gateway migrate    apply database migrations and exit
//	gateway seed       create the default plans and the demo account (refused in production)
//	gateway config     print the effective configuration (--markdown, --env-example: every setting)
//	gateway healthcheck  exit 0 when the local gateway is ready (container healthchecks)
//	gateway version    print the version
//
// Configuration comes from the environment and ./.env (see the README's
// table and .env.example); the environment wins.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"

	"github.com/whatsapp-saas/gateway/cmd/internal/startup"
	"github.com/whatsapp-saas/gateway/internal/config"
	"github.com/whatsapp-saas/gateway/internal/logging"
)

// version is set at build time (-ldflags "-X main.version=…").
var version = "dev"

func main() {
	startup.Main("gateway", func(ctx context.Context, lookup func(string) (string, bool)) int {
		// The cluster settings are read later, through the same lookup.
		clusterLookup = lookup
		return run(ctx, os.Args[1:], lookup, os.Stdout, os.Stderr)
	})
}

const usage = `Usage: gateway [serve|migrate|seed|config|healthcheck|version|openapi|postman|help]

  serve     run the gateway (default)
  migrate   apply database migrations and exit
  seed      create the default plans and the demo account (demo@whatsapp-saas.com / demo123);
            refused when NODE_ENV=production
  config    print the effective configuration, secrets redacted
            (--markdown: the table of every setting, as in the README;
            --markdown-cluster: the cluster settings' table, as in docs/cluster.md;
            --env-example: every setting as a commented .env file)
  healthcheck  exit 0 when the gateway on this machine's PORT is ready (GET /health/ready;
            --live: /health/live), for container healthchecks (the image has no curl)
  version   print the version
  openapi   print the OpenAPI 3.1 document of the public API
  postman   print a Postman collection (v2.1) generated from that document

Configuration is read from the environment and ./.env (the environment
wins); see README.md and .env.example.
`

// run is main without the process: tests call it with their own
// environment and streams.
func run(ctx context.Context, args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "version", "--version":
		fmt.Fprintln(stdout, "gateway", version)
		return 0
	case "openapi", "postman":
		return writeAPIDocs(cmd, lookup, stdout, stderr)
	case "config":
		return printConfig(args[1:], lookup, stdout, stderr)
	case "healthcheck":
		return healthcheck(ctx, args[1:], lookup, stdout, stderr)
	case "serve", "migrate", "seed":
	default:
		fmt.Fprintf(stderr, "gateway: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	cfg, err := config.Load(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "gateway: the configuration has problems:\n%v\n", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "migrate":
		err = migrate(ctx, cfg, log)
	case "seed":
		err = seed(ctx, cfg, log, stdout)
	default:
		err = serve(ctx, cfg, log, nil)
	}
	if err != nil {
		log.Error("gateway stopped", "err", err)
		var ce *config.Error
		if errors.As(err, &ce) {
			return 2
		}
		return 1
	}
	return 0
}

// newLogger is JSON (LOG_FORMAT=json, the cluster shape) or text, with
// phone numbers and message bodies redacted (internal/logging).
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	return logging.New(cfg.LogFormat, cfg.LogLevel, w)
}

func migrate(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	log.Info("migrations applied", "database", st.Dialect())
	return st.Close()
}

func seed(ctx context.Context, cfg *config.Config, log *slog.Logger, out io.Writer) error {
	if cfg.Production() {
		return errors.New("the seed command is refused when NODE_ENV=production: it creates an account with a published password")
	}
	a, err := newApp(ctx, cfg, log, appOptions{noWorkers: true})
	if err != nil {
		return err
	}
	defer a.close()
	res, err := a.svc.Seed(ctx, cfg.Production())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded: %d plans created; demo account %s\n", res.Plans,
		map[bool]string{true: "created (demo@whatsapp-saas.com / demo123)", false: "already present"}[res.DemoCreated])
	// The first admin, from ADMIN_EMAIL and ADMIN_PASSWORD(_FILE), as serve does.
	if created, err := a.svc.EnsureAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword.Value()); err != nil {
		return err
	} else if created {
		fmt.Fprintf(out, "seeded: admin account %s created\n", cfg.AdminEmail)
	}
	return nil
}

// printConfig prints the effective configuration with secrets redacted, or
// with --markdown the documentation table of every setting.
func printConfig(args []string, lookup func(string) (string, bool), stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "--markdown" {
		fmt.Fprint(stdout, config.MarkdownTable())
		return 0
	}
	if len(args) > 0 && args[0] == "--markdown-cluster" {
		fmt.Fprint(stdout, config.ClusterMarkdownTable())
		return 0
	}
	if len(args) > 0 && args[0] == "--env-example" {
		fmt.Fprint(stdout, config.EnvExample())
		return 0
	}
	cfg, err := config.Load(lookup)
	if err != nil {
		fmt.Fprintf(stderr, "gateway: the configuration has problems:\n%v\n", err)
		return 2
	}
	red := cfg.Redacted()
	names := make([]string, 0, len(red))
	for k := range red {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(stdout, "%s=%s\n", k, red[k])
	}
	return 0
}
