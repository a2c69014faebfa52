// Package cli is wagw, the gateway's command-line client for users and
// operators: log in, manage sessions, pair in the terminal, send, read the
// message log, webhooks and their deliveries, the live event stream, API
// keys, and admin verbs. It speaks only the public API, through package
// client. cmd/wagw is its main; tests run it against a live gateway.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/whatsapp-saas/gateway/client"
)

// Env is what the CLI reads from its process.
type Env struct {
	Args   []string
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Version is printed by `wagw version`.
	Version string
	// HTTP is the client requests go through (nil: http.DefaultClient);
	// the end-to-end tests pass one that checks every answer against the
	// gateway's OpenAPI document.
	HTTP *http.Client
}

// Config is what `wagw login` saves: the gateway and the credentials.
type Config struct {
	URL    string `json:"url"`
	Token  string `json:"token,omitempty"`
	APIKey string `json:"api_key,omitempty"`
	Email  string `json:"email,omitempty"`
}

// runner is one invocation: its environment, flags and client.
type runner struct {
	env     Env
	ctx     context.Context
	cfg     Config
	cfgPath string
	json    bool
	url     string
	token   string
	apiKey  string
	c       *client.Client
	// help is the flag set of a command asked for -h, whose flags the
	// help lists.
	help *flag.FlagSet
}

// errUsage marks an error that should print the command's usage.
var errUsage = errors.New("usage")

// Run runs one wagw command line and returns the exit code: 0 on success,
// 1 when the gateway refused or failed, 2 on a usage error.
func Run(ctx context.Context, e Env) int {
	if e.Getenv == nil {
		e.Getenv = func(string) string { return "" }
	}
	r := &runner{env: e, ctx: ctx}
	args := e.Args
	if len(args) == 0 {
		fmt.Fprint(e.Stdout, usage)
		return 2
	}
	// Global flags may come before the command.
	gfs := r.flags("wagw")
	if err := gfs.Parse(args); err != nil {
		return 2
	}
	args = gfs.Args()
	if len(args) == 0 {
		fmt.Fprint(e.Stdout, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if cmd == "help" || cmd == "-h" || cmd == "--help" {
		fmt.Fprint(e.Stdout, usage)
		return 0
	}
	c, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(e.Stderr, "wagw: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err := r.loadConfig(); err != nil {
		fmt.Fprintf(e.Stderr, "wagw: %v\n", err)
		return 1
	}
	err := c.run(r, rest)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(e.Stderr, "usage: wagw %s\n", c.usage)
		return 2
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(e.Stdout, "usage: wagw %s\n\n%s\n", c.usage, c.help)
		if r.help != nil {
			fmt.Fprintln(e.Stdout, "\nFlags:")
			r.help.SetOutput(e.Stdout)
			r.help.PrintDefaults()
		}
		return 0
	}
	var ae *client.Error
	if errors.As(err, &ae) {
		if r.json {
			_ = json.NewEncoder(e.Stderr).Encode(map[string]any{"success": false, "error": ae})
		} else {
			fmt.Fprintf(e.Stderr, "wagw: %s\n", ae.Message)
			for k, v := range ae.Fields {
				fmt.Fprintf(e.Stderr, "  %s: %s\n", k, v)
			}
			if ae.Code == client.CodeUnauthorized {
				fmt.Fprintln(e.Stderr, "  (log in with: wagw login)")
			}
		}
		return 1
	}
	fmt.Fprintf(e.Stderr, "wagw: %v\n", err)
	return 1
}

// flags returns a flag set with the global flags every command accepts.
func (r *runner) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&r.json, "json", r.json, "print JSON (the API's data) instead of tables")
	fs.StringVar(&r.url, "url", r.url, "the gateway's base URL (default: saved by login, or $WAGW_URL)")
	fs.StringVar(&r.token, "token", r.token, "a JWT to use instead of the saved one ($WAGW_TOKEN)")
	fs.StringVar(&r.apiKey, "api-key", r.apiKey, "an API key (wsa_…) to use ($WAGW_API_KEY)")
	return fs
}

// parse parses flags anywhere among the arguments and returns the others.
func (r *runner) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				r.help = fs
				return nil, err
			}
			return nil, fmt.Errorf("%v: %w", err, errUsage)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	return pos, nil
}

// subcommand parses a command with subcommands (wagw webhooks [SUB] …):
// its flags, then the subcommand (def when none is given) and the
// arguments after it.
func (r *runner) subcommand(fs *flag.FlagSet, args []string, def string) (sub string, pos []string, err error) {
	if pos, err = r.parse(fs, args); err != nil {
		return "", nil, err
	}
	sub, pos = subOf(pos, def)
	return sub, pos, nil
}

// pageFlags adds --page and --limit, read into the options it returns;
// which says what takes them ("list: ", or "" for every subcommand).
func pageFlags(fs *flag.FlagSet, which, items string) *client.ListOptions {
	o := &client.ListOptions{}
	fs.IntVar(&o.Page, "page", 1, which+"page")
	fs.IntVar(&o.Limit, "limit", 20, which+items+" per page")
	return o
}

// parseN parses a command's flags and wants exactly n arguments besides
// them; what names them in the usage error.
func (r *runner) parseN(fs *flag.FlagSet, args []string, n int, what string) ([]string, error) {
	pos, err := r.parse(fs, args)
	if err != nil {
		return nil, err
	}
	if err := wantN(pos, n, what); err != nil {
		return nil, err
	}
	return pos, nil
}

// wantN is the usage error "give what" unless pos holds n arguments.
func wantN(pos []string, n int, what string) error {
	if len(pos) != n {
		return fmt.Errorf("give %s: %w", what, errUsage)
	}
	return nil
}

// configPath is $WAGW_CONFIG, or wagw/config.json in the user's config directory.
func (r *runner) configPath() (string, error) {
	if p := r.env.Getenv("WAGW_CONFIG"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config directory: %w", err)
	}
	return filepath.Join(dir, "wagw", "config.json"), nil
}

func (r *runner) loadConfig() error {
	p, err := r.configPath()
	if err != nil {
		return err
	}
	r.cfgPath = p
	b, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read %s: %w", p, err)
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &r.cfg); err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
	}
	return nil
}

func (r *runner) saveConfig() error {
	if err := os.MkdirAll(filepath.Dir(r.cfgPath), 0o700); err != nil {
		return fmt.Errorf("create config directory: %w", err)
	}
	b, _ := json.MarshalIndent(r.cfg, "", "  ")
	// The file holds a token: readable by the user only.
	if err := os.WriteFile(r.cfgPath, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", r.cfgPath, err)
	}
	return nil
}

// client returns the API client: flags first, then the environment, then
// the saved config.
func (r *runner) client() *client.Client {
	if r.c != nil {
		return r.c
	}
	base := firstNonEmpty(r.url, r.env.Getenv("WAGW_URL"), r.cfg.URL, "http://localhost:3000")
	c := client.New(base)
	c.HTTP = r.env.HTTP
	c.UserAgent = "wagw/" + r.env.Version
	c.Token = firstNonEmpty(r.token, r.env.Getenv("WAGW_TOKEN"), r.cfg.Token)
	c.APIKey = firstNonEmpty(r.apiKey, r.env.Getenv("WAGW_API_KEY"), r.cfg.APIKey)
	if r.token != "" {
		c.APIKey = "" // an explicit token wins over a saved key
	}
	r.c = c
	return c
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// out prints v as JSON with --json, or calls table otherwise.
func (r *runner) out(v any, table func(w *tabwriter.Writer)) error {
	if r.json {
		enc := json.NewEncoder(r.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	w := tabwriter.NewWriter(r.env.Stdout, 0, 4, 2, ' ', 0)
	table(w)
	return w.Flush()
}

// printed returns what prints a call's answer with table, or returns the
// call's error: return printed(r, table)(c.Get(ctx, id)).
func printed[T any](r *runner, table func(w *tabwriter.Writer, v T)) func(T, error) error {
	return printedAs(r, "", table)
}

// printedAs is printed with the answer under key in JSON ({key: answer});
// an empty key prints the answer itself.
func printedAs[T any](r *runner, key string, table func(w *tabwriter.Writer, v T)) func(T, error) error {
	return printedIn(r, nil, key, table)
}

// printedIn is printedAs with fields (what the call was about) beside the
// answer in JSON.
func printedIn[T any](r *runner, fields map[string]any, key string, table func(w *tabwriter.Writer, v T)) func(T, error) error {
	return func(v T, err error) error {
		if err != nil {
			return err
		}
		var out any = v
		if key != "" {
			m := map[string]any{key: v}
			for k, f := range fields {
				m[k] = f
			}
			out = m
		}
		return r.out(out, func(w *tabwriter.Writer) { table(w, v) })
	}
}

// one makes a table of many print one (the answer a call returns).
func one[T any](table func(w *tabwriter.Writer, list ...T)) func(*tabwriter.Writer, *T) {
	return func(w *tabwriter.Writer, v *T) { table(w, *v) }
}

// all makes a table of many print a slice.
func all[T any](table func(w *tabwriter.Writer, list ...T)) func(*tabwriter.Writer, []T) {
	return func(w *tabwriter.Writer, list []T) { table(w, list...) }
}

// did prints what an action that answers nothing did, unless it failed
// (err): v in JSON, said in a table.
func (r *runner) did(err error, v map[string]any, said string) error {
	if err != nil {
		return err
	}
	return r.out(v, func(w *tabwriter.Writer) { fmt.Fprintln(w, said) })
}

// listed returns what prints a page of a list, as {key: list, pagination}
// in JSON, or with table and, when noun is not empty, a line "page 1 of 2,
// 30 nouns"; or returns the call's error.
func listed[T any](r *runner, key, noun string, table func(w *tabwriter.Writer, list ...T)) func([]T, *client.Pagination, error) error {
	return func(list []T, p *client.Pagination, err error) error {
		if err != nil {
			return err
		}
		return r.out(map[string]any{key: list, "pagination": p}, func(w *tabwriter.Writer) {
			table(w, list...)
			if noun != "" {
				pageLine(w, p, noun)
			}
		})
	}
}

func pageLine(w *tabwriter.Writer, p *client.Pagination, what string) {
	if p != nil {
		fmt.Fprintf(w, "(page %d of %d, %d %s)\n", p.Page, max(p.Pages, 1), p.Total, what)
	}
}

// shown is a command that takes no argument and prints what get answers.
func shown[T any](name string, get func(*client.Client, context.Context) (T, error), table func(w *tabwriter.Writer, v T)) func(*runner, []string) error {
	return func(r *runner, args []string) error {
		if _, err := r.parse(r.flags(name), args); err != nil {
			return err
		}
		return printed(r, table)(get(r.client(), r.ctx))
	}
}

func (r *runner) printf(format string, args ...any) {
	if !r.json {
		fmt.Fprintf(r.env.Stdout, format, args...)
	}
}

// none prints say instead of the table of an empty list, and reports
// whether it did.
func none[T any](w *tabwriter.Writer, list []T, say string) bool {
	if len(list) == 0 {
		fmt.Fprintln(w, say)
		return true
	}
	return false
}

// when formats a time for tables: local, to the second.
func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func trunc(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// command is one verb.
type command struct {
	usage string
	help  string
	run   func(r *runner, args []string) error
}

func commandNames() []string { return sortedKeys(commands) }
