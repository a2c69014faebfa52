// Package locale puts the gateway's public sentences (the error envelope's
// message and fields) in the client's language, chosen by Accept-Language:
// English, in which the code writes them, and Arabic. Only the words
// change; codes, field names and values stay as they are.
package locale

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

// Tags of the languages the gateway answers in; the first is the default.
var supported = []language.Tag{language.English, language.Arabic}

var matcher = language.NewMatcher(supported)

// Negotiate returns the language to answer in for an Accept-Language
// header: "en" or "ar" (English when the header names neither).
func Negotiate(acceptLanguage string) string {
	if strings.TrimSpace(acceptLanguage) == "" {
		return "en"
	}
	_, i := language.MatchStrings(matcher, acceptLanguage)
	base, _ := supported[i].Base()
	return base.String()
}

// template is one catalogue entry whose English holds values (%s, %d, …):
// a message matches it when the whole message fits the pattern.
type template struct {
	re     *regexp.Regexp
	arabic string
}

var (
	// templates are compiled at the first Arabic answer, not at start-up:
	// a gateway that never answers in Arabic never pays for them (a few
	// hundred regexps: milliseconds of start-up and about a megabyte).
	templates = sync.OnceValue(compileTemplates)
	// verb finds a format verb with its optional argument index.
	verb = regexp.MustCompile(`%(?:\[(\d+)\])?[sdqv]`)
)

func init() {
	for en, ar := range arabicStatusChannels {
		arabic[en] = ar
	}
	for en, ar := range arabicReasons {
		arabic[en] = ar
	}
}

func compileTemplates() []template {
	keys := make([]string, 0, len(arabic))
	for en := range arabic {
		if verb.MatchString(en) {
			keys = append(keys, en)
		}
	}
	// Longer templates first: "…not supported; use …" before "…not supported."
	sort.Slice(keys, func(i, j int) bool {
		return len(keys[i]) > len(keys[j]) || len(keys[i]) == len(keys[j]) && keys[i] < keys[j]
	})
	out := make([]template, 0, len(keys))
	for _, en := range keys {
		out = append(out, template{re: pattern(en), arabic: arabic[en]})
	}
	return out
}

// pattern turns an English format string into a regexp matching the
// sentences it formats, one group per value.
func pattern(format string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	last := 0
	for _, m := range verb.FindAllStringIndex(format, -1) {
		b.WriteString(regexp.QuoteMeta(format[last:m[0]]))
		switch format[m[1]-1] {
		case 'd':
			b.WriteString(`(-?[0-9][0-9,]*)`)
		case 'q':
			b.WriteString(`("(?:[^"\\]|\\.)*")`)
		default:
			b.WriteString(`(.+?)`)
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(format[last:]))
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// Translate returns message in lang, or message itself when lang is
// English or the catalogue does not know it.
func Translate(lang, message string) string {
	return translate(lang, message, func(v string) string { return v })
}

// TranslateReason is Translate for a reason the gateway wrote itself (a
// session's status_reason, a failed message's error): the values a
// template matched are its own sentences too ("Pairing failed: <why>",
// "Cannot reach WhatsApp (<what failed>) …"), so each is translated in
// turn, one level deep.
func TranslateReason(lang, reason string) string {
	return translate(lang, reason, func(v string) string { return Translate(lang, v) })
}

// translate looks message up as a sentence, then as a template whose
// matched values value turns into what the translation carries.
func translate(lang, message string, value func(string) string) string {
	if lang != "ar" || message == "" {
		return message
	}
	if ar, ok := arabic[message]; ok && !verb.MatchString(message) {
		return ar
	}
	for _, t := range templates() {
		if m := t.re.FindStringSubmatch(message); m != nil {
			values := m[1:]
			for i, v := range values {
				values[i] = value(v)
			}
			return fill(t.arabic, values)
		}
	}
	return message
}

// fill puts values into an Arabic format string: the n-th verb takes the
// n-th value, or the one its [i] index names.
func fill(format string, values []string) string {
	next := 0
	return verb.ReplaceAllStringFunc(format, func(v string) string {
		i := next
		if m := verb.FindStringSubmatch(v); m[1] != "" {
			n, _ := strconv.Atoi(m[1])
			i = n - 1
		}
		next = i + 1
		if i < 0 || i >= len(values) {
			return v
		}
		// A value next to Arabic words is isolated so its own direction
		// (a number, a Latin name) does not reorder the sentence.
		return "\u2068" + values[i] + "\u2069"
	})
}

// Fields translates each sentence of a validation error's fields.
func Fields(lang string, fields map[string]string) map[string]string {
	if lang != "ar" || len(fields) == 0 {
		return fields
	}
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		out[k] = Translate(lang, v)
	}
	return out
}
