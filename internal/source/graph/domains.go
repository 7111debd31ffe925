package graph

import (
	"context"
	"errors"

	"github.com/o365doctor/o365doctor/internal/model"
)

var errTODO = errors.New("graph: not implemented yet")

// The domain-side reads are being written (issue 14).

func (c *Client) Domains(ctx context.Context) ([]model.EntraDomain, error) { return nil, errTODO }
func (c *Client) VerificationRecords(ctx context.Context, domain string) ([]model.DNSRecord, error) {
	return nil, errTODO
}
func (c *Client) ServiceRecords(ctx context.Context, domain string) ([]model.DNSRecord, error) {
	return nil, errTODO
}
func (c *Client) Federation(ctx context.Context, domain string) (model.Federation, bool, error) {
	return model.Federation{}, false, errTODO
}
func (c *Client) Organization(ctx context.Context) (model.Organization, error) {
	return model.Organization{}, errTODO
}
func (c *Client) RolloutPolicies(ctx context.Context) ([]model.RolloutPolicy, error) {
	return nil, errTODO
}
func (c *Client) RoleMembers(ctx context.Context) ([]model.RoleMembers, error) { return nil, errTODO }
