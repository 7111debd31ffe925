package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/o365doctor/o365doctor/internal/model"
)

// permSignIns is what GET /auditLogs/signIns needs (a known issue: both).
const permSignIns = "AuditLog.Read.All and Directory.Read.All"

// maxSignIns is $top for the sign-ins: Graph's maximum page. Reports are
// throttled to 5 requests per 10 s per app and tenant, so the adapter asks
// once and follows no nextLink: a user with more than 1000 sign-ins in the
// window gets the newest 1000.
const maxSignIns = 1000

// codeNotPremium is Graph's 403 for the sign-in logs of a tenant without
// Entra ID P1/P2 (or a B2C tenant).
const codeNotPremium = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"

// SignIns lists the user's sign-ins created in [since, until] (to the
// second: the filter's dates are whole seconds), newest first, in one
// request (GET /auditLogs/signIns?$filter=userPrincipalName eq '…' and
// createdDateTime ge … and createdDateTime le …&$top=1000). more reports that Graph had
// more than one page. A tenant without P1/P2 gives model.ErrNotPremium; a
// 429 is retried after its Retry-After by the SDK's middleware, within the
// run's time.
func (c *Client) SignIns(ctx context.Context, upn string, since, until time.Time) (list []model.SignIn, more bool, err error) {
	o := op{what: "list sign-ins of " + upn, noun: "a list of sign-ins", perm: permSignIns}
	if upn == "" || strings.ContainsAny(upn, "\x00\r\n") {
		return nil, false, o.errorf("%q is not a UPN; not asked", model.Clean(upn))
	}
	// The answer is judged against the dates sent, not finer ones: a
	// sign-in in the second before since is one Graph was asked for.
	since, until = since.UTC().Truncate(time.Second), until.UTC().Truncate(time.Second)
	filter := fmt.Sprintf("userPrincipalName eq '%s' and createdDateTime ge %s and createdDateTime le %s",
		strings.ReplaceAll(upn, "'", "''"), since.Format(time.RFC3339), until.Format(time.RFC3339))
	resp, err := c.sdk.AuditLogs().SignIns().Get(ctx, &auditlogs.SignInsRequestBuilderGetRequestConfiguration{
		QueryParameters: &auditlogs.SignInsRequestBuilderGetQueryParameters{Filter: &filter, Top: ptr(int32(maxSignIns))},
	})
	if err != nil {
		var oe *odataerrors.ODataError
		if errors.As(err, &oe) && oe.GetErrorEscaped() != nil && strings.EqualFold(deref(oe.GetErrorEscaped().GetCode()), codeNotPremium) {
			return nil, false, fmt.Errorf("%w: %w", o.fail(err), model.ErrNotPremium)
		}
		return nil, false, o.fail(err)
	}
	if resp == nil || resp.GetValue() == nil {
		return nil, false, o.notA("no value")
	}
	for _, s := range resp.GetValue() {
		si, err := toSignIn(s)
		if err != nil {
			return nil, false, o.notA(err.Error())
		}
		// A server that ignored the filter would put another person's
		// failures on this user's ticket.
		if !strings.EqualFold(si.UserPrincipalName, upn) {
			return nil, false, o.notA("sign-in " + si.ID + " is not the user's")
		}
		if si.Created.Before(since) || si.Created.After(until.Add(time.Second)) {
			return nil, false, o.notA("sign-in " + si.ID + " is outside the window asked")
		}
		list = append(list, si)
	}
	return list, deref(resp.GetOdataNextLink()) != "", nil
}

func toSignIn(s models.SignInable) (model.SignIn, error) {
	if s == nil || deref(s.GetId()) == "" {
		return model.SignIn{}, errors.New("a sign-in without id")
	}
	id := model.Clean(deref(s.GetId()))
	if s.GetCreatedDateTime() == nil || s.GetCreatedDateTime().IsZero() {
		return model.SignIn{}, fmt.Errorf("sign-in %s without createdDateTime", id)
	}
	st := s.GetStatus()
	if st == nil || st.GetErrorCode() == nil {
		return model.SignIn{}, fmt.Errorf("sign-in %s without status.errorCode", id)
	}
	out := model.SignIn{
		ID: id, Created: s.GetCreatedDateTime().UTC(),
		UserPrincipalName: model.Clean(deref(s.GetUserPrincipalName())),
		UserID:            model.Clean(deref(s.GetUserId())),
		AppDisplayName:    model.Clean(deref(s.GetAppDisplayName())),
		ClientAppUsed:     model.Clean(deref(s.GetClientAppUsed())),
		IPAddress:         model.Clean(deref(s.GetIpAddress())),
		CorrelationID:     model.Clean(deref(s.GetCorrelationId())),
		ErrorCode:         int(*st.GetErrorCode()),
		FailureReason:     model.Clean(deref(st.GetFailureReason())),
		AdditionalDetails: model.Clean(deref(st.GetAdditionalDetails())),
	}
	if ca := s.GetConditionalAccessStatus(); ca != nil {
		out.ConditionalAccessStatus = ca.String()
	}
	return out, nil
}
