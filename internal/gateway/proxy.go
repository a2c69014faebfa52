package gateway

import (
	"net/url"
	"strings"
)

// Per-session proxies. A session may name its own proxy (ProxyURL, set at
// creation or by an update); without one it uses the gateway's
// WHATSAPP_PROXY. The URL may carry credentials, so it is stored but never
// answered: the API shows SessionProxy, the URL with its password masked
// and where it comes from.

// Where a session's proxy comes from.
const (
	ProxyFromSession = "session" // the session's own proxy
	ProxyFromDefault = "default" // the gateway's WHATSAPP_PROXY
)

// SessionProxy is the proxy a session connects through, as answered.
type SessionProxy struct {
	URL    string `json:"url" desc:"The proxy's URL, its password masked (xxxxx)."`
	Source string `json:"source" desc:"session (the session's own proxy) or default (the gateway's WHATSAPP_PROXY)."`
}

// ProxySchemes are the proxy URL schemes an engine can dial through.
var ProxySchemes = []string{"http", "https", "socks5"}

// CheckProxyURL says what is wrong with a proxy URL in a sentence, or ""
// when it is usable: an http://, https:// or socks5:// URL with a host,
// optionally user:password@, and nothing after the host and port.
func CheckProxyURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return "Give the proxy as a URL such as socks5://user:password@proxy.example.com:1080."
	}
	switch {
	case !isProxyScheme(u.Scheme):
		return "The proxy URL must start with http://, https:// or socks5://."
	case u.Hostname() == "":
		return "The proxy URL has no host."
	case u.Port() != "" && !validPort(u.Port()):
		return "The proxy URL's port must be a number from 1 to 65535."
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		return "The proxy URL must end after its host and port."
	}
	return ""
}

func isProxyScheme(s string) bool {
	for _, p := range ProxySchemes {
		if s == p {
			return true
		}
	}
	return false
}

func validPort(p string) bool {
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + int(c-'0')
		if n > 65535 {
			return false
		}
	}
	return n > 0
}

// MaskProxyURL is a proxy URL with its password replaced by xxxxx, safe
// to answer and log; "" for a URL that does not parse.
func MaskProxyURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return ""
	}
	return u.Redacted()
}

// ProxyOf is the proxy a session uses: its own, else the default (the
// gateway's WHATSAPP_PROXY) on the real engine; nil when neither is set.
// The sandbox dials nothing, so the default does not apply to it; a
// sandbox session's own proxy is kept (and shown) for when it is moved to
// a real engine, as a test of the settings.
func ProxyOf(s *Session, defaultProxy string) *SessionProxy {
	switch {
	case s.ProxyURL != "":
		return &SessionProxy{URL: MaskProxyURL(s.ProxyURL), Source: ProxyFromSession}
	case defaultProxy != "" && s.Engine == EngineWhatsmeow:
		return &SessionProxy{URL: MaskProxyURL(defaultProxy), Source: ProxyFromDefault}
	}
	return nil
}
