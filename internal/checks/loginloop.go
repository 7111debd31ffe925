package checks

// loginLoopChecks are the login-loop checks (area loginloop), in report
// order: being written (issue 15).
var loginLoopChecks = []*Check{}

// GraphSignInsAPI is what the login-loop checks need of Graph (issue 15).
type GraphSignInsAPI interface{}

// OktaLogsAPI is what the login-loop checks need of Okta (issue 15).
type OktaLogsAPI interface{}
