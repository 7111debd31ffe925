// Package codes is o365doctor's offline table of the error codes a person
// meets when Okta federates a Microsoft 365 domain: Microsoft Entra ID's
// AADSTS codes (sign-in pages, sign-in logs, token errors) and the Okta API's
// E-codes (what Okta answered o365doctor, a provisioning task or a client).
//
// Each code carries the vendor's own one-line text, its usual cause in an
// Okta-federated tenant, the next step, the o365doctor checks that confirm it
// and the public sources. `o365doctor explain CODE` prints one; docs/codes.md
// is generated from the table.
//
// Where the texts come from:
//   - AADSTS: Microsoft's table "Microsoft Entra authentication and
//     authorization error codes" (learn.microsoft.com, source
//     MicrosoftDocs/entra-docs docs/identity-platform/reference-error-codes.md,
//     ms.date 04/24/2024, read at commit 04f65548622d3f134b13b4c1978d1471177e2b1c).
//     Microsoft warns that codes and texts change over time; its live lookup
//     is https://login.microsoftonline.com/error?code=NNNNN. Codes that are not
//     in that table (5000811, 500121) carry the text of the public page that
//     shows them, and say so in Note.
//   - Okta: the errors catalogue behind "Okta error codes and descriptions"
//     (developer.okta.com/docs/reference/error-codes, source
//     okta/okta-developer-docs packages/@okta/vuepress-site/data/error-codes.json,
//     release 2023.02.1): its errorSummary, title and HTTP status.
//
// The causes and next steps are o365doctor's reading of those sources and of
// the failure catalogue (FAILURE_MODES); a cause that no public source ties
// to Okta says so in Note.
package codes
