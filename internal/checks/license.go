package checks

// licenseChecks are the license checks (area license), in report order:
// being written (issue 15).
var licenseChecks = []*Check{}

// GraphLicensesAPI is what the license checks need of Graph, beyond
// GraphAPI's core (issue 15 fills it).
type GraphLicensesAPI interface{}

// OktaLicensesAPI is what the license checks need of Okta (issue 15).
type OktaLicensesAPI interface{}
