package checks

// licenseChecks are the license checks (area license), in report order.
var licenseChecks = []*Check{
	LicenseMatch, LicenseAssignmentErrors, LicenseUsageLocation, LicenseSKUCapacity, LicenseWipeRisk, LicenseGroupPriority,
	TenantUsageLocation, TenantWipeRisk, TenantSKUCapacity,
}
