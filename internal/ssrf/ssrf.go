// Package ssrf guards outbound requests to customer-supplied URLs (webhook
// endpoints, media URLs). The check runs at dial time, in the dialer's
// Control hook, on the address actually being connected to: DNS rebinding
// (a name that resolved to a public address at registration and to
// 127.0.0.1 now) and redirects cannot slip past it, since every connection
// is checked after resolution. Redirects are not followed anyway.
//
// IPv6 forms that carry an IPv4 address are handled so that none is a way
// around the IPv4 rules: IPv4-mapped (::ffff:0:0/96) addresses are checked
// as the IPv4 address; IPv4-compatible (::/96) and NAT64 (64:ff9b::/96,
// 64:ff9b:1::/48) addresses are refused whole as private; 6to4 (2002::/16)
// and Teredo (2001::/32) are refused whole, whatever they embed. With
// AllowPrivate those ranges open, but the IPv4 address they embed is still
// checked against the metadata addresses and the deny lists.
//
// This package is the one SSRF policy of the product: webhook deliveries
// and media URLs, in the gateway and in the per-session worker, dial
// through a Guard.
package ssrf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// ErrBlocked is returned (wrapped) when a connection to a forbidden
// address is refused.
var ErrBlocked = errors.New("address not allowed")

// ErrPrivateNetwork is wrapped, beside ErrBlocked, by a refusal that
// AllowPrivate (WEBHOOK_ALLOW_PRIVATE_NETWORKS) would lift: a private,
// loopback, link-local, reserved or tunnelled address. Metadata addresses
// and the deny lists never wrap it, since no setting opens them.
var ErrPrivateNetwork = errors.New("private network")

// Private ranges: refused unless AllowPrivate is set (local development
// and tests, where receivers listen on loopback).
var privatePrefixes = mustPrefixes(
	"0.0.0.0/8",       // "this network", 0.0.0.0 reaches the local host
	"10.0.0.0/8",      // RFC 1918
	"100.64.0.0/10",   // CGNAT, RFC 6598
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local (cloud metadata lives here)
	"172.16.0.0/12",   // RFC 1918
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // TEST-NET-1
	"192.168.0.0/16",  // RFC 1918
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // TEST-NET-2
	"203.0.113.0/24",  // TEST-NET-3
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and 255.255.255.255
	"::/96",           // IPv4-compatible (deprecated; holds :: and ::1): ::127.0.0.1 reaches loopback
	"64:ff9b::/96",    // NAT64 can reach any IPv4 address, private ones included
	"64:ff9b:1::/48",  // local-use NAT64
	"100::/64",        // discard-only
	"2001:db8::/32",   // documentation
	"fc00::/7",        // unique local (ULA)
	"fe80::/10",       // link-local
	"ff00::/8",        // multicast
)

// 6to4 and Teredo, which embed IPv4 addresses: refused whole, whatever
// address they embed, since no receiver needs them and a relay may sit
// next to private networks.
var tunnelPrefixes = mustPrefixes("2002::/16", "2001::/32")

// Prefixes of IPv6 forms that carry an IPv4 address (IPv4-mapped
// ::ffff:0:0/96 is unmapped before any check).
var (
	compatPrefix = netip.MustParsePrefix("::/96")
	nat64Prefix  = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local   = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour    = netip.MustParsePrefix("2002::/16")
	teredo       = netip.MustParsePrefix("2001::/32")
)

// embeddedV4 returns the IPv4 address an IPv6 address carries: the last 32
// bits of an IPv4-compatible or well-known NAT64 address, the RFC 6052
// layout of a /48 NAT64 prefix, the 6to4 gateway, the Teredo client (its
// bits inverted). The metadata and deny lists apply to it as to the
// address itself, so WEBHOOK_ALLOW_PRIVATE_NETWORKS cannot open a way to
// 169.254.169.254 through a translator.
func embeddedV4(ip netip.Addr) (netip.Addr, bool) {
	if !ip.Is6() {
		return netip.Addr{}, false
	}
	b := ip.As16()
	switch {
	case compatPrefix.Contains(ip), nat64Prefix.Contains(ip):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case nat64Local.Contains(ip):
		return netip.AddrFrom4([4]byte{b[6], b[7], b[9], b[10]}), true // bits 64-71 are the "u" octet
	case sixToFour.Contains(ip):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	case teredo.Contains(ip):
		return netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), true
	}
	return netip.Addr{}, false
}

// Always refused, even with AllowPrivate: cloud metadata services hand out
// credentials.
var metadataAddrs = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack
	netip.MustParseAddr("169.254.170.2"),   // AWS ECS task metadata
	netip.MustParseAddr("fd00:ec2::254"),   // AWS IMDS over IPv6
}

// Options configure a Guard.
type Options struct {
	// AllowPrivate lets connections reach private, loopback and link-local
	// addresses (WEBHOOK_ALLOW_PRIVATE_NETWORKS, for development and tests).
	// Metadata addresses and Deny stay refused.
	AllowPrivate bool
	// Deny lists more networks to refuse, always: the Consul, Nomad and
	// Vault agents' addresses, the service mesh. A single address is a /32 or /128.
	Deny []netip.Prefix
	// DenyAddrs lists address:port pairs to refuse, always (an agent on a
	// node address whose other ports may be reached).
	DenyAddrs []netip.AddrPort
}

// Guard decides which addresses outbound connections may reach.
type Guard struct {
	opts Options
}

// New returns a Guard.
func New(opts Options) *Guard { return &Guard{opts: opts} }

// Check returns an error wrapping ErrBlocked when a connection to ip:port
// must be refused.
func (g *Guard) Check(ap netip.AddrPort) error {
	ip := ap.Addr().Unmap().WithZone("")
	if err := g.checkAlways(ip, ap.Port()); err != nil {
		return err
	}
	if v4, ok := embeddedV4(ip); ok {
		if err := g.checkAlways(v4, ap.Port()); err != nil {
			return fmt.Errorf("%w (embedded in %s)", err, ip)
		}
	}
	if g.opts.AllowPrivate {
		return nil
	}
	// 6to4 and Teredo embed IPv4 addresses; refuse them whole rather than
	// decode them, since no webhook receiver needs them.
	for _, p := range tunnelPrefixes {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %w: %s is a tunnelled address", ErrBlocked, ErrPrivateNetwork, ip)
		}
	}
	for _, p := range privatePrefixes {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %w: %s is a private, loopback, link-local or reserved address", ErrBlocked, ErrPrivateNetwork, ip)
		}
	}
	return nil
}

// checkAlways refuses what no option opens: metadata addresses and the
// deny lists.
func (g *Guard) checkAlways(ip netip.Addr, port uint16) error {
	for _, m := range metadataAddrs {
		if ip == m {
			return fmt.Errorf("%w: %s is a cloud metadata address", ErrBlocked, ip)
		}
	}
	for _, p := range g.opts.Deny {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is in a denied network", ErrBlocked, ip)
		}
	}
	for _, d := range g.opts.DenyAddrs {
		if d.Addr().Unmap() == ip && d.Port() == port {
			return fmt.Errorf("%w: %s is a denied service", ErrBlocked, netip.AddrPortFrom(ip, port))
		}
	}
	return nil
}

// control is the dialer's Control hook: address is the resolved ip:port
// about to be connected to.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("%w: network %s", ErrBlocked, network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse %q", ErrBlocked, address)
	}
	return g.Check(ap)
}

// Dialer returns a net.Dialer that refuses forbidden addresses at dial time.
func (g *Guard) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
}

// Transport returns an http.Transport that dials through the guard and
// never through a proxy from the environment (a proxy would make the
// checked address the proxy's, not the target's).
func (g *Guard) Transport() *http.Transport {
	d := g.Dialer()
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   128,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ResponseHeaderTimeout: 0, // the client's Timeout bounds the whole request
	}
}

// Client returns an http.Client for customer URLs: guarded dials, no
// redirects followed (a 3xx answer is returned as it is), and timeout for
// the whole request.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport: g.Transport(),
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// CheckURL resolves the host of a customer URL (http or https) and checks
// every address it resolves to, as a dial would: an error wrapping
// ErrBlocked when one is refused. It lets the API refuse an endpoint when
// it is registered, with a reason, instead of every delivery failing
// later; the dial-time check stays the guarantee (DNS can change). A host
// that cannot be resolved now answers a resolution error, not ErrBlocked.
func (g *Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || host == "" {
		return fmt.Errorf("no host and port in %q", raw)
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else {
		rctx, cancel := context.WithTimeout(ctx, resolveTimeout)
		defer cancel()
		addrs, err = net.DefaultResolver.LookupNetIP(rctx, "ip", host)
		if err != nil {
			return err
		}
	}
	for _, a := range addrs {
		if err := g.Check(netip.AddrPortFrom(a, uint16(p))); err != nil {
			return err
		}
	}
	return nil
}

// resolveTimeout bounds CheckURL's lookup, which runs inside an API request.
const resolveTimeout = 3 * time.Second

// Blocked reports whether err comes from a refused address.
func Blocked(err error) bool { return errors.Is(err, ErrBlocked) }

// ParseDeny reads networks and addresses to deny: CIDRs ("10.1.0.0/16"),
// addresses ("10.1.2.3"), or address:port pairs ("10.1.2.3:8500").
func ParseDeny(items []string) ([]netip.Prefix, []netip.AddrPort, error) {
	var (
		prefixes []netip.Prefix
		addrs    []netip.AddrPort
	)
	for _, s := range items {
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			prefixes = append(prefixes, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			prefixes = append(prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		if ap, err := netip.ParseAddrPort(s); err == nil {
			addrs = append(addrs, ap)
			continue
		}
		return nil, nil, fmt.Errorf("%q is not a network, an address or an address:port", s)
	}
	return prefixes, addrs, nil
}

// DenyURLHost adds the host of an agent's address (a URL such as
// http://10.0.0.5:8500 or a host:port) to the deny lists when it is an IP
// address; names are resolved now, since an agent's name does not move.
func DenyURLHost(ctx context.Context, hostport string) ([]netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return nil, err
	}
	var p uint16
	if _, err := fmt.Sscan(port, &p); err != nil {
		return nil, fmt.Errorf("bad port in %q", hostport)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(a.Unmap(), p)}, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	out := make([]netip.AddrPort, 0, len(ips))
	for _, a := range ips {
		out = append(out, netip.AddrPortFrom(a.Unmap(), p))
	}
	return out, nil
}

func mustPrefixes(list ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(list))
	for i, s := range list {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}
