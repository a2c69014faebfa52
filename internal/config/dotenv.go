package config

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

// DotEnvFile is the file the gateway reads at start, relative to its
// working directory (the design document's set-up is `cp .env.example .env`).
const DotEnvFile = ".env"

var dotEnvKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseDotEnv reads a .env file: one KEY=VALUE a line, blank lines and
// lines starting with # ignored, an optional leading `export `. A value may
// be bare (an inline comment starts at " #", surrounding spaces are
// trimmed), in single quotes (taken literally) or in double quotes (with
// the escapes \n, \t, \r, \", \\ and \$). Nothing is expanded: "$HOME"
// stays those five characters, so a value means the same here as in
// docker compose's env_file. A later line for the same key wins. Every
// malformed line is reported, with its number.
func ParseDotEnv(r io.Reader) (map[string]string, error) {
	vars := map[string]string{}
	var problems []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if n == 1 {
			line = strings.TrimPrefix(line, "\uFEFF") // a byte order mark some editors write
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, err := parseDotEnvLine(line)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", n, err))
			continue
		}
		vars[key] = value
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return vars, nil
}

func parseDotEnvLine(line string) (key, value string, err error) {
	if rest, ok := strings.CutPrefix(line, "export"); ok && (strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "\t")) {
		line = strings.TrimSpace(rest)
	}
	key, raw, ok := strings.Cut(line, "=")
	if !ok {
		return "", "", errors.New("want KEY=VALUE")
	}
	key = strings.TrimSpace(key)
	if !dotEnvKey.MatchString(key) {
		return "", "", fmt.Errorf("%q is not a variable name (letters, digits and _, not starting with a digit)", key)
	}
	raw = strings.TrimSpace(raw)
	switch {
	case strings.HasPrefix(raw, "'"):
		end := strings.IndexByte(raw[1:], '\'')
		if end < 0 {
			return "", "", fmt.Errorf("%s: the single quote is not closed on this line", key)
		}
		value, rest := raw[1:1+end], raw[2+end:]
		if err := trailingComment(key, rest); err != nil {
			return "", "", err
		}
		return key, value, nil
	case strings.HasPrefix(raw, `"`):
		var b strings.Builder
		for i := 1; i < len(raw); i++ {
			c := raw[i]
			switch {
			case c == '"':
				if err := trailingComment(key, raw[i+1:]); err != nil {
					return "", "", err
				}
				return key, b.String(), nil
			case c == '\\' && i+1 < len(raw):
				i++
				switch raw[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				case 'r':
					b.WriteByte('\r')
				case '"', '\\', '$':
					b.WriteByte(raw[i])
				default:
					// An unknown escape is kept as written, as shells do.
					b.WriteByte('\\')
					b.WriteByte(raw[i])
				}
			default:
				b.WriteByte(c)
			}
		}
		return "", "", fmt.Errorf("%s: the double quote is not closed on this line", key)
	}
	// A bare value: an inline comment needs a space before the #, so a # in
	// a password or URL fragment ("pa#ss") is kept.
	if i := strings.Index(raw, " #"); i >= 0 {
		raw = raw[:i]
	}
	if i := strings.Index(raw, "\t#"); i >= 0 {
		raw = raw[:i]
	}
	return key, strings.TrimSpace(raw), nil
}

// trailingComment accepts what may follow a closing quote: nothing, or a
// comment.
func trailingComment(key, rest string) error {
	rest = strings.TrimSpace(rest)
	if rest == "" || strings.HasPrefix(rest, "#") {
		return nil
	}
	return fmt.Errorf("%s: unexpected %q after the closing quote", key, rest)
}

// ReadDotEnv reads and parses the file at path. A missing file is no
// error: it answers nil, nil.
func ReadDotEnv(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars, err := ParseDotEnv(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return vars, nil
}

// WithDotEnv returns a lookup that answers from env (os.LookupEnv in main)
// and falls back to the file's variables. The environment wins per
// setting: a non-empty NAME or NAME_FILE in the environment hides both
// NAME and NAME_FILE of the file, so JWT_SECRET_FILE exported by the
// orchestrator is not met by the file's JWT_SECRET ("set only one"). An
// empty variable counts as unset, as everywhere in Load.
func WithDotEnv(env func(string) (string, bool), file map[string]string) func(string) (string, bool) {
	if len(file) == 0 {
		return env
	}
	inEnv := func(name string) bool {
		v, ok := env(name)
		return ok && strings.TrimSpace(v) != ""
	}
	return func(name string) (string, bool) {
		if v, ok := env(name); ok && strings.TrimSpace(v) != "" {
			return v, true
		}
		base := strings.TrimSuffix(name, "_FILE")
		if inEnv(base) || inEnv(base+"_FILE") {
			return env(name)
		}
		if v, ok := file[name]; ok {
			return v, true
		}
		return env(name)
	}
}
