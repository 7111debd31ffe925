package dnsq

import (
	"context"
	"strings"

	"github.com/miekg/dns"

	"github.com/o365doctor/o365doctor/internal/model"
)

// Named is the client as the checks ask it (checks.DNSAPI): record types
// by their names ("TXT", "MX"), answers in model's types.
type Named struct{ c *Client }

// Named returns the client as the checks ask it.
func (c *Client) Named() Named { return Named{c} }

// qtype is the RR type a name stands for; an unknown name is asked as
// TYPE0, which no server answers with records (the answer says so).
func qtype(name string) uint16 { return dns.StringToType[strings.ToUpper(name)] }

// Lookup asks the resolver in use (see Client.Lookup).
func (n Named) Lookup(ctx context.Context, name, typ string) model.DNSAnswer {
	return n.c.Lookup(ctx, name, qtype(typ))
}

// Authoritative returns the zone's NS host names (see
// Client.Authoritative).
func (n Named) Authoritative(ctx context.Context, zone string) ([]string, error) {
	return n.c.Authoritative(ctx, zone)
}

// LookupServers asks each of the nameservers directly (see
// Client.LookupServers).
func (n Named) LookupServers(ctx context.Context, servers []string, name, typ string) []model.DNSAnswer {
	return n.c.LookupServers(ctx, servers, name, qtype(typ))
}

// Resolver is the resolver's address.
func (n Named) Resolver() string { return n.c.Resolver() }
