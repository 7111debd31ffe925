package checks

import (
	_ "embed"
	"encoding/csv"
	"strings"
	"sync"
)

// licenseProductsCSV is Microsoft's "Product names and service plan
// identifiers for licensing" table, reduced to one row per product:
// String_Id (the skuPartNumber), GUID (the skuId) and
// Product_Display_Name. The source publishes one row per product and
// service plan (5 457 rows, ~1 MB); the service plans are dropped because
// the checks name products, not plans.
//
// Source: https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference
// (the CSV linked there), as mirrored in github.com/nubrixsecurity/zero-trust-assessment
// "Product names and service plan identifiers for licensing.csv" at commit
// 082295adb083e479bad6070b05d1776225a57095 (2025-12-30): 569 distinct
// (String_Id, GUID, Product_Display_Name) rows. Products Microsoft added
// later show as their part number alone.
//
//go:embed license_products.csv
var licenseProductsCSV string

type productTable struct {
	byPart map[string]string // upper-case skuPartNumber → display name
	byGUID map[string]string // lower-case skuId → part number
}

var products = sync.OnceValue(func() productTable {
	t := productTable{byPart: map[string]string{}, byGUID: map[string]string{}}
	rows, err := csv.NewReader(strings.NewReader(licenseProductsCSV)).ReadAll()
	if err != nil {
		return t // the file is checked by a test; no names is the fallback
	}
	for _, r := range rows[1:] {
		if len(r) != 3 {
			continue
		}
		part, guid, name := r[0], strings.ToLower(r[1]), r[2]
		if _, dup := t.byPart[strings.ToUpper(part)]; !dup {
			t.byPart[strings.ToUpper(part)] = name
		}
		t.byGUID[guid] = part
	}
	return t
})

// ProductName is Microsoft's product name for a SKU part number
// (ENTERPRISEPACK → Office 365 E3), "" when the table does not have it.
func ProductName(partNumber string) string {
	return products().byPart[strings.ToUpper(strings.TrimSpace(partNumber))]
}

// partNumberOfGUID is the part number Microsoft's table gives a skuId.
func partNumberOfGUID(skuID string) string {
	return products().byGUID[strings.ToLower(strings.TrimSpace(skuID))]
}

// skuLabel is how people see a SKU: "ENTERPRISEPACK (Office 365 E3)", the
// part number alone when Microsoft's table lacks it.
func skuLabel(partNumber string) string {
	if name := ProductName(partNumber); name != "" {
		return partNumber + " (" + name + ")"
	}
	return partNumber
}
