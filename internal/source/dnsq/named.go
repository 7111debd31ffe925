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

// LookupEach asks every authoritative nameserver of zone (see
// Client.LookupEach).
func (n Named) LookupEach(ctx context.Context, zone, name, typ string) ([]model.DNSAnswer, error) {
	return n.c.LookupEach(ctx, zone, name, qtype(typ))
}

// Resolver is the resolver's address.
func (n Named) Resolver() string { return n.c.Resolver() }
