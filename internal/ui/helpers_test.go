package ui

import "github.com/o365doctor/o365doctor/internal/report"

func reportEvidenceComparison(v string) report.Evidence {
	return report.Evidence{Kind: "comparison", Comparison: &report.Comparison{What: "immutableID", Sides: []report.Read{
		{System: "okta", Field: "profile.immutableId", Value: v}, {System: "entra", Field: "onPremisesImmutableId", Value: "x"}}}}
}
