package service

import (
	"context"
	"time"

	"github.com/whatsapp-saas/gateway/internal/gateway"
)

// Failed API keys are counted per client address: past apiKeyMaxFailures
// in apiKeyLockout the address is refused (even with a good key) until the
// window ends, which makes guessing keys from one address hopeless.
const (
	apiKeyMaxFailures = 20
	apiKeyLockout     = 15 * time.Minute
)

// AuthenticateAPIKeyFrom is AuthenticateAPIKey with failures counted per
// client address; CodeRateLimited while the address is locked out.
func (s *Service) AuthenticateAPIKeyFrom(ctx context.Context, key, clientIP string) (*gateway.APIKey, *gateway.User, error) {
	return s.AuthenticateAPIKeyVia(ctx, key, clientIP, APIKeyLookup{})
}

// AuthenticateAPIKeyVia is AuthenticateAPIKeyFrom with the key and its
// owner found through look (the API's caches).
func (s *Service) AuthenticateAPIKeyVia(ctx context.Context, key, clientIP string, look APIKeyLookup) (*gateway.APIKey, *gateway.User, error) {
	failKey := "apikey:fail:ip:" + clientIP
	if v, ok, err := s.cache.Get(ctx, failKey); err == nil && ok && atoi(string(v)) >= apiKeyMaxFailures {
		return nil, nil, &gateway.Error{Code: gateway.CodeRateLimited,
			Message: "Too many invalid API keys from this address; try again later.",
			Details: map[string]any{"retry_after_seconds": int(apiKeyLockout.Seconds())}}
	}
	k, u, err := s.authenticateAPIKey(ctx, key, look)
	if gateway.IsCode(err, gateway.CodeUnauthorized) && s.cfg.EnableAPIKeys {
		if _, ierr := s.cache.Incr(ctx, failKey, 1, apiKeyLockout); ierr != nil {
			s.log.Warn("count api key failure", "err", ierr)
		}
	}
	return k, u, err
}
