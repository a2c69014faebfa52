package config

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ParseBool reads true/false/1/0/yes/no, in any case.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes":
		return true, nil
	case "false", "0", "no":
		return false, nil
	}
	return false, errors.New("must be true, false, 1, 0, yes or no")
}

var msPattern = regexp.MustCompile(`(?i)^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$`)

const day = 24 * time.Hour

var msUnits = map[string]time.Duration{
	"ms": time.Millisecond, "msec": time.Millisecond, "msecs": time.Millisecond, "millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"s": time.Second, "sec": time.Second, "secs": time.Second, "second": time.Second, "seconds": time.Second,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"d": day, "day": day, "days": day,
	"w": 7 * day, "week": 7 * day, "weeks": 7 * day,
	// Node's ms counts a year as 365.25 days.
	"y": 365*day + 6*time.Hour, "yr": 365*day + 6*time.Hour, "yrs": 365*day + 6*time.Hour, "year": 365*day + 6*time.Hour, "years": 365*day + 6*time.Hour,
}

// ParseDuration reads a duration the way the seed's Node code did (the
// `ms` package: "7d", "12h", "30m", "45s", "1.5h", "2 days") or as Go
// writes it ("1h30m", "250ms"). A bare number is seconds, as jsonwebtoken
// reads a numeric expiresIn. Negative durations are refused.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if m := msPattern.FindStringSubmatch(s); m != nil {
		unit := time.Second
		if m[2] != "" {
			u, ok := msUnits[strings.ToLower(m[2])]
			if !ok {
				return 0, fmt.Errorf("unknown unit %q (use ms, s, m, h, d, w or y)", m[2])
			}
			unit = u
		}
		n, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, errors.New("must be a duration such as 30s, 15m, 12h or 7d")
		}
		d := n * float64(unit)
		if d > math.MaxInt64 {
			return 0, errors.New("is too long")
		}
		return time.Duration(math.Round(d)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("must be a duration such as 30s, 15m, 12h or 7d")
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
}

var sizePattern = regexp.MustCompile(`(?i)^(\d+)\s*(b|kb|kib|k|mb|mib|m|gb|gib|g)?$`)

var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1000, "mb": 1000 * 1000, "gb": 1000 * 1000 * 1000,
	// A bare K/M/G is read as binary, as most tools mean it.
	"k": 1 << 10, "kib": 1 << 10, "m": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gib": 1 << 30,
}

// ParseSize reads a byte count: a number, optionally with a unit (KB, MB and
// GB are powers of 1000; KiB, MiB, GiB and bare K, M, G powers of 1024).
func ParseSize(s string) (int64, error) {
	m := sizePattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, errors.New("must be a size such as 1048576, 512KiB or 1MiB")
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, errors.New("is too large")
	}
	unit := sizeUnits[strings.ToLower(m[2])]
	if n > math.MaxInt64/unit {
		return 0, errors.New("is too large")
	}
	return n * unit, nil
}

// SplitCommand splits a command setting such as AUDIO_CONVERTER into a
// program and its arguments: words separated by spaces, "double" or
// 'single' quotes keeping spaces inside one word. No shell runs it, so
// nothing else is special. It must name {in} and {out} among the
// arguments, the paths of the file given and of the file to write; empty
// is no command.
func SplitCommand(line string) ([]string, error) {
	var (
		args  []string
		word  strings.Builder
		quote rune
		in    bool // inside a word (an empty quoted word counts)
	)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				args, in = append(args, word.String()), false
				word.Reset()
			}
		default:
			word.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("a quote is not closed")
	}
	if in {
		args = append(args, word.String())
	}
	if len(args) == 0 {
		return nil, nil
	}
	joined := strings.Join(args[1:], "\x00")
	if !strings.Contains(joined, "{in}") || !strings.Contains(joined, "{out}") {
		return nil, fmt.Errorf("must name {in} and {out} among the arguments, as in: ffmpeg -i {in} -c:a libopus {out}")
	}
	return args, nil
}
