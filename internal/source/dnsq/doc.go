// Package dnsq is the DNS adapter over github.com/miekg/dns, the only
// package of o365doctor that speaks DNS. It asks a chosen resolver (from
// --resolver, else the first nameserver of /etc/resolv.conf) or each
// authoritative nameserver of a zone directly; it sends UDP with EDNS0 and
// repeats over TCP when the answer is truncated; each query has a timeout
// and is retried once when it times out; cancelling the context stops it.
//
// An Answer keeps apart what a check must never read as one "not found":
// NXDOMAIN (the name does not exist), NODATA (the name exists, without a
// record of the asked type), SERVFAIL, REFUSED, a timeout and a malformed
// or otherwise failed exchange. Every text read from DNS (TXT records are
// written by whoever controls the zone) goes through model.Clean.
//
// The adapter reads no environment: the CLI fills Config from --resolver,
// O365DOCTOR_RESOLVER and, in the lab, O365DOCTOR_LAB_NAMESERVERS (NS host
// names mapped to loopback ports, see ParseNameservers).
package dnsq
