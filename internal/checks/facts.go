package checks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/o365doctor/o365doctor/internal/model"
)

// OktaAPI is what the facts need of the Okta adapter.
type OktaAPI interface {
	User(ctx context.Context, idOrLogin string) (model.OktaUser, error)
	Office365Apps(ctx context.Context) ([]model.OktaApp, error)
	AppUser(ctx context.Context, appID, userID string) (model.AppUser, error)
}

// GraphAPI is what the facts need of the Graph adapter.
type GraphAPI interface {
	User(ctx context.Context, idOrUPN string) (model.EntraUser, error)
}

// Sources are the adapters of one run. A nil adapter has a reason
// (OktaWhy, GraphWhy) that its checks report as skipped.
type Sources struct {
	Okta     OktaAPI
	OktaWhy  string
	Graph    GraphAPI
	GraphWhy string
}

// Facts are the memoised, concurrency-safe loaders shared by the checks of
// one run: ten checks asking for the Entra user cause one Graph call. A load
// runs detached from the asking check's context (bounded by LoadTimeout), so
// one check's deadline cannot poison the fact for the others.
type Facts struct {
	src         Sources
	loadTimeout time.Duration

	mu    sync.Mutex
	calls map[string]*call
}

type call struct {
	done chan struct{}
	val  any
	err  error
}

// NewFacts returns an empty fact table over the sources.
func NewFacts(src Sources, loadTimeout time.Duration) *Facts {
	if loadTimeout <= 0 {
		loadTimeout = 30 * time.Second
	}
	return &Facts{src: src, loadTimeout: loadTimeout, calls: map[string]*call{}}
}

// Sources returns the adapters behind the facts.
func (f *Facts) Sources() Sources { return f.src }

func load[T any](ctx context.Context, f *Facts, key string, fn func(context.Context) (T, error)) (T, error) {
	f.mu.Lock()
	c, ok := f.calls[key]
	if !ok {
		c = &call{done: make(chan struct{})}
		f.calls[key] = c
		go func() {
			defer close(c.done)
			// A panicking adapter must not take the process down: this
			// goroutine is outside RunOne's recover.
			defer func() {
				if r := recover(); r != nil {
					c.err = fmt.Errorf("internal error loading %s: %v (please report it)", key, r)
				}
			}()
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), f.loadTimeout)
			defer cancel()
			c.val, c.err = fn(lctx)
		}()
	}
	f.mu.Unlock()
	var zero T
	select {
	case <-c.done:
		if c.err != nil {
			return zero, c.err
		}
		return c.val.(T), nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// ErrNoSource is returned when a fact needs a source that is not configured.
var ErrNoSource = errors.New("source not configured")

// OktaUser is the Okta user with this login.
func (f *Facts) OktaUser(ctx context.Context, login string) (model.OktaUser, error) {
	if f.src.Okta == nil {
		return model.OktaUser{}, fmt.Errorf("%s: %w", f.src.OktaWhy, ErrNoSource)
	}
	return load(ctx, f, "okta.user:"+strings.ToLower(login), func(ctx context.Context) (model.OktaUser, error) {
		return f.src.Okta.User(ctx, login)
	})
}

// Office365Apps are all Office 365 app instances in the Okta org.
func (f *Facts) Office365Apps(ctx context.Context) ([]model.OktaApp, error) {
	if f.src.Okta == nil {
		return nil, fmt.Errorf("%s: %w", f.src.OktaWhy, ErrNoSource)
	}
	return load(ctx, f, "okta.apps.office365", f.src.Okta.Office365Apps)
}

// ErrNoApp says no active Office 365 app federates the domain.
var ErrNoApp = errors.New("no active Office 365 app in Okta for this domain")

// Office365App is the active Office 365 app whose settings.app.domain is
// the domain.
func (f *Facts) Office365App(ctx context.Context, domain string) (model.OktaApp, error) {
	apps, err := f.Office365Apps(ctx)
	if err != nil {
		return model.OktaApp{}, err
	}
	for _, a := range apps {
		if a.Status == "ACTIVE" && strings.EqualFold(a.Domain(), domain) {
			return a, nil
		}
	}
	return model.OktaApp{}, fmt.Errorf("%w: %s (%d Office 365 app(s) in the org)", ErrNoApp, domain, len(apps))
}

// AppUser is the user's assignment to the app; model.ErrNotFound when the
// user is not assigned.
func (f *Facts) AppUser(ctx context.Context, appID, userID string) (model.AppUser, error) {
	if f.src.Okta == nil {
		return model.AppUser{}, fmt.Errorf("%s: %w", f.src.OktaWhy, ErrNoSource)
	}
	return load(ctx, f, "okta.appuser:"+appID+"/"+userID, func(ctx context.Context) (model.AppUser, error) {
		return f.src.Okta.AppUser(ctx, appID, userID)
	})
}

// EntraUser is the Entra ID user with this UPN.
func (f *Facts) EntraUser(ctx context.Context, upn string) (model.EntraUser, error) {
	if f.src.Graph == nil {
		return model.EntraUser{}, fmt.Errorf("%s: %w", f.src.GraphWhy, ErrNoSource)
	}
	return load(ctx, f, "graph.user:"+strings.ToLower(upn), func(ctx context.Context) (model.EntraUser, error) {
		return f.src.Graph.User(ctx, upn)
	})
}
