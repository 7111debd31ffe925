package checks

// federationChecks are the federation checks that read Graph and Okta
// (area federation), after federation.realm, in report order.
var federationChecks = []*Check{}
