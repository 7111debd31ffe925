package checks

// dnsChecks are the DNS checks (area dns), in report order. Being written
// (issue 14).
var dnsChecks = []*Check{}
