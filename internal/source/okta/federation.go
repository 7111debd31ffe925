package okta

import (
	"context"
	"errors"

	"github.com/o365doctor/o365doctor/internal/model"
)

// AppKeys is being written (issue 14).
func (c *Client) AppKeys(ctx context.Context, appID string) ([]model.SigningKey, error) {
	return nil, errors.New("okta: app signing keys: not implemented yet")
}

// AppMetadata is being written (issue 14).
func (c *Client) AppMetadata(ctx context.Context, appID string) (model.SAMLMetadata, error) {
	return model.SAMLMetadata{}, errors.New("okta: app metadata: not implemented yet")
}
